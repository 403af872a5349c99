/**
 * The warehouse behind a small interface (PostgreSQL via `pg`, embedded PGlite, and Amazon Redshift
 * through the Redshift Data API). Engine differences are capabilities of the dialect (flags, and
 * the optional `renderDdl` hook), never `if (engine)` in callers.
 *
 * Values come back normalized the same way from every engine: NUMERIC and BIGINT as exact strings,
 * INTEGER/SMALLINT as numbers, TIMESTAMP as 'YYYY-MM-DD HH:MM:SS[.ffffff]', DATE as 'YYYY-MM-DD',
 * BOOLEAN as boolean, NULL as null.
 */

/** Positional (`$1`) parameters as an array, or named (`:name`) parameters as an object. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

export type Row = Record<string, unknown>;

export interface WarehouseDialect {
  /** 'postgres' | 'pglite' | 'redshift' — for messages and logs only. */
  readonly name: string;
  /** Supports `COPY … FROM STDIN` / blob loading of CSV from this process. */
  readonly supportsLocalCopy: boolean;
  /** Supports `REFRESH MATERIALIZED VIEW` without CONCURRENTLY semantics differences. */
  readonly supportsMaterializedViews: boolean;
  /**
   * Turns one migration statement into what this engine must run (Redshift: the DDL's
   * `-- redshift:` table-attribute markers appended as DISTSTYLE/DISTKEY/SORTKEY, index creation
   * refused). Absent: the DDL runs exactly as written.
   */
  readonly renderDdl?: (statement: string) => string;
}

export interface SqlExecutor {
  /** Run one statement and return its rows (normalized as described above). */
  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Run one statement and return the number of rows it affected. */
  execute(sql: string, params?: SqlParams): Promise<number>;
}

export interface WarehouseTx extends SqlExecutor {
  /**
   * Bulk-load a CSV file (RFC 4180, no header, NULL written as unquoted `\N`, every text value
   * quoted) into `table` (schema-qualified or temp) for `columns`. Returns rows loaded.
   */
  copyCsvFile(table: string, columns: readonly string[], path: string): Promise<number>;
  /**
   * Bulk-load one Parquet object (`s3://bucket/key`) into `table` whose columns are exactly
   * `columns`, in this order (Redshift matches Parquet columns to table columns by position), with
   * the engine's server-side COPY. Returns rows loaded. Only engines without local copy
   * (`supportsLocalCopy: false`) implement it; the others refuse it.
   */
  copyParquetObject(table: string, columns: readonly string[], objectUrl: string): Promise<number>;
}

export interface Warehouse extends SqlExecutor {
  readonly dialect: WarehouseDialect;
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: WarehouseTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
