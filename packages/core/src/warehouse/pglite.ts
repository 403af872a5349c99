/**
 * The embedded warehouse: PostgreSQL compiled to WebAssembly (`@electric-sql/pglite`), for a
 * laptop or CI box with nothing but Node. PGlite costs 2–3 s to start, so one instance can be
 * shared: construct the adapter from an existing instance (it is then not closed by `close()`).
 * Parsers and serializers are passed per query, so a shared instance keeps its own defaults.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { modelNameOf } from '@recon/sql';
import { parquetCopyUnsupported } from './copy-source.ts';
import { mapWarehouseError } from './map-error.ts';
import type { PostgresFamilyDialect } from './postgres.ts';
import type { Row, SqlParams, Warehouse, WarehouseTx } from './types.ts';
import { copyTarget, PG_OID, prepareStatement, RESULT_PARSERS } from './values.ts';

/** The PGlite dialect: blob COPY, real materialized views, the `postgres` shims. */
export const PGLITE_DIALECT: PostgresFamilyDialect = Object.freeze({
  name: 'pglite',
  supportsLocalCopy: true,
  supportsMaterializedViews: true,
  shims: Object.freeze(['postgres']),
});

/** The per-query options of PGlite this adapter uses. */
export interface PgliteQueryOptions {
  parsers?: Record<number, (value: string) => unknown>;
  serializers?: Record<number, (value: unknown) => string>;
  blob?: Blob;
}

/** Minimal description of a PGlite query result. */
export interface PgliteResults<T> {
  rows: T[];
  affectedRows?: number;
}

/** Minimal description of a PGlite transaction (and of PGlite itself, for queries). */
export interface PgliteQueryable {
  query<T>(sql: string, params?: unknown[], options?: PgliteQueryOptions): Promise<PgliteResults<T>>;
}

/** Minimal description of a PGlite instance. */
export interface PgliteLike extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const QUERY_OPTIONS: PgliteQueryOptions = {
  parsers: { ...RESULT_PARSERS },
  // Every parameter is bound as text (see values.ts); PGlite's own boolean serializer only takes
  // JS booleans, so accept the text form too.
  serializers: {
    [PG_OID.BOOL]: (value: unknown) => (typeof value === 'boolean' ? (value ? 't' : 'f') : String(value)),
  },
};

async function runQuery<T extends Row>(
  target: PgliteQueryable,
  sql: string,
  params: SqlParams | undefined,
  extra?: Pick<PgliteQueryOptions, 'blob'>,
): Promise<PgliteResults<T>> {
  let text = sql;
  try {
    const prepared = prepareStatement(sql, params);
    text = prepared.text;
    return await target.query<T>(prepared.text, prepared.values, { ...QUERY_OPTIONS, ...extra });
  } catch (error) {
    throw mapWarehouseError(error, { dialect: 'pglite', sql: text, model: modelNameOf(sql) });
  }
}

class PgliteTx implements WarehouseTx {
  constructor(private readonly tx: PgliteQueryable) {}

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await runQuery<T>(this.tx, sql, params)).rows;
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    return (await runQuery(this.tx, sql, params)).affectedRows ?? 0;
  }

  async copyCsvFile(table: string, columns: readonly string[], path: string): Promise<number> {
    const statement = `COPY ${copyTarget(table, columns)} FROM '/dev/blob' WITH (FORMAT csv, NULL '\\N')`;
    let blob: Blob;
    try {
      blob = new Blob([await readFile(path)]);
    } catch (error) {
      throw mapWarehouseError(error, { dialect: 'pglite', operation: `read ${path}` });
    }
    return (await runQuery(this.tx, statement, undefined, { blob })).affectedRows ?? 0;
  }

  /** Refused: PGlite loads staging files from this process ({@link copyCsvFile}). */
  copyParquetObject(table: string): Promise<number> {
    return Promise.reject(parquetCopyUnsupported('pglite', table));
  }
}

/** Options of {@link PgliteWarehouse.open}. */
export interface PgliteOpenOptions {
  /** A directory for a persistent database, or `memory://` (the default). */
  dataDir?: string;
}

/** {@link Warehouse} over an embedded PGlite instance. */
export class PgliteWarehouse implements Warehouse {
  readonly dialect: PostgresFamilyDialect = PGLITE_DIALECT;
  private ready: Promise<void> | undefined;

  /**
   * Wrap an existing PGlite instance. With `owned` (default false) `close()` closes it too.
   * Sessions are switched to TimeZone=UTC and DateStyle=ISO on first use.
   */
  constructor(
    readonly pg: PgliteLike,
    private readonly options: { owned?: boolean } = {},
  ) {}

  /** Start a PGlite instance (2–3 s) in `dataDir` (created if missing) or in memory. */
  static async open(options: PgliteOpenOptions = {}): Promise<PgliteWarehouse> {
    const dataDir = options.dataDir ?? 'memory://';
    try {
      if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = (await PGlite.create(dataDir)) as unknown as PgliteLike;
      const wh = new PgliteWarehouse(pg, { owned: true });
      await wh.init();
      return wh;
    } catch (error) {
      throw mapWarehouseError(error, { dialect: 'pglite', operation: `open ${dataDir}` });
    }
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await runQuery(this.pg, "SET TimeZone = 'UTC'", undefined);
      await runQuery(this.pg, "SET DateStyle = 'ISO, MDY'", undefined);
      await runQuery(this.pg, "SET IntervalStyle = 'postgres'", undefined);
      // PGlite starts with sequential scans disabled, which (with no indexes, as on Redshift)
      // turns every join into a nested loop over inflated costs: plan like PostgreSQL does.
      await runQuery(this.pg, 'SET enable_seqscan = on', undefined);
    })();
    return this.ready;
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    await this.init();
    return (await runQuery<T>(this.pg, sql, params)).rows;
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    await this.init();
    return (await runQuery(this.pg, sql, params)).affectedRows ?? 0;
  }

  /**
   * Run `fn` in one PGlite transaction. PGlite is single-session: while `fn` runs, other calls
   * on this warehouse wait, so `fn` must use only the `tx` it is given.
   */
  async transaction<T>(fn: (tx: WarehouseTx) => Promise<T>): Promise<T> {
    await this.init();
    let fnFailed = false;
    try {
      return await this.pg.transaction(async (tx) => {
        try {
          return await fn(new PgliteTx(tx));
        } catch (error) {
          fnFailed = true;
          throw error;
        }
      });
    } catch (error) {
      // Errors of `fn` propagate unchanged; BEGIN/COMMIT failures are mapped here.
      if (fnFailed) throw error;
      throw mapWarehouseError(error, { dialect: 'pglite', operation: 'transaction' });
    }
  }

  async close(): Promise<void> {
    if (this.options.owned) await this.pg.close();
  }
}
