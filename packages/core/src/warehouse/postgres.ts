/**
 * The PostgreSQL warehouse adapter (`pg` pool), standing in for Redshift locally and in tests.
 * Sessions run with TimeZone=UTC and DateStyle=ISO so values come back as the exact text the
 * contract of types.ts asks for.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { modelNameOf } from '@recon/sql';
import pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { ConnectionConfigError } from '../errors.ts';
import { parquetCopyUnsupported } from './copy-source.ts';
import { mapWarehouseError, redactUrl } from './map-error.ts';
import type { Row, SqlParams, Warehouse, WarehouseDialect, WarehouseTx } from './types.ts';
import { copyTarget, prepareStatement, RESULT_PARSERS } from './values.ts';

/** Dialect of PostgreSQL-family engines; `shims` names the `packages/sql/shims/<dir>` to apply. */
export interface PostgresFamilyDialect extends WarehouseDialect {
  /** Shim directories under `packages/sql/shims/` applied before migrations. */
  readonly shims: readonly string[];
}

/** The PostgreSQL dialect: local COPY, real materialized views, the `postgres` shims. */
export const POSTGRES_DIALECT: PostgresFamilyDialect = Object.freeze({
  name: 'postgres',
  supportsLocalCopy: true,
  supportsMaterializedViews: true,
  shims: Object.freeze(['postgres']),
});

const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres';

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    const parser = RESULT_PARSERS[oid];
    if (parser !== undefined && (format === undefined || format === 'text')) return parser;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Options of {@link PostgresWarehouse}. */
export interface PostgresWarehouseOptions {
  /** `postgres://user:pass@host:port/db` (or `postgresql://`). */
  url: string;
  /** Pool size (default 4). */
  max?: number;
  /** Connection timeout in ms (default 10 000). */
  connectionTimeoutMillis?: number;
  /** `application_name` of the sessions (default `recon`). */
  applicationName?: string;
}

function passwordOf(url: string): string[] {
  try {
    const password = new URL(url).password;
    return password ? [decodeURIComponent(password), password] : [];
  } catch {
    return [];
  }
}

type Queryable = Pick<pg.PoolClient, 'query'>;

async function runQuery<T extends Row>(
  client: Queryable,
  sql: string,
  params: SqlParams | undefined,
  secrets: readonly string[],
): Promise<pg.QueryResult<T>> {
  let text = sql;
  try {
    const prepared = prepareStatement(sql, params);
    text = prepared.text;
    return await client.query<T>(prepared.text, prepared.values);
  } catch (error) {
    throw mapWarehouseError(error, { dialect: 'postgres', sql: text, model: modelNameOf(sql), secrets });
  }
}

class PostgresTx implements WarehouseTx {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly secrets: readonly string[],
  ) {}

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await runQuery<T>(this.client, sql, params, this.secrets)).rows;
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    return (await runQuery(this.client, sql, params, this.secrets)).rowCount ?? 0;
  }

  async copyCsvFile(table: string, columns: readonly string[], path: string): Promise<number> {
    const statement = `COPY ${copyTarget(table, columns)} FROM STDIN WITH (FORMAT csv, NULL '\\N')`;
    try {
      const stream = this.client.query(pgCopyStreams.from(statement));
      await pipeline(createReadStream(path), stream);
      return stream.rowCount;
    } catch (error) {
      throw mapWarehouseError(error, {
        dialect: 'postgres',
        sql: statement,
        operation: `copy ${path}`,
        secrets: this.secrets,
      });
    }
  }

  /** Refused: PostgreSQL loads staging files from this process ({@link copyCsvFile}). */
  copyParquetObject(table: string): Promise<number> {
    return Promise.reject(parquetCopyUnsupported('postgres', table));
  }
}

/** {@link Warehouse} over a small `pg.Pool`. */
export class PostgresWarehouse implements Warehouse {
  readonly dialect: PostgresFamilyDialect = POSTGRES_DIALECT;
  private readonly pool: pg.Pool;
  private readonly secrets: readonly string[];
  /** The connection URL with its password masked, for logs. */
  readonly displayUrl: string;

  constructor(options: PostgresWarehouseOptions) {
    const { url } = options;
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new ConnectionConfigError(`not a PostgreSQL URL: ${redactUrl(url)}`);
    }
    this.secrets = passwordOf(url);
    this.displayUrl = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'recon',
      options: SESSION_OPTIONS,
      types: typeParsers,
    });
    // An idle client losing its connection must not crash the process; the next use reconnects.
    this.pool.on('error', () => {});
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await runQuery<T>(this.pool, sql, params, this.secrets)).rows;
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    return (await runQuery(this.pool, sql, params, this.secrets)).rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: WarehouseTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw mapWarehouseError(error, { dialect: 'postgres', operation: 'connect', secrets: this.secrets });
    }
    let broken: unknown;
    try {
      await runQuery(client, 'BEGIN', undefined, this.secrets);
      // Errors of `fn` propagate unchanged (statement errors are already mapped by the tx).
      const result = await fn(new PostgresTx(client, this.secrets));
      await runQuery(client, 'COMMIT', undefined, this.secrets);
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: destroy it rather than return it to the pool.
        broken = rollbackError;
      }
      throw error;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
