/**
 * MySQL/MariaDB source adapter (mysql2). Values stay exact: BIGINT and DECIMAL arrive as strings,
 * DATETIME/DATE as the server's 'YYYY-MM-DD HH:MM:SS' / 'YYYY-MM-DD' text (UTC wall clock, never
 * shifted by the process time zone), INT/TINYINT as numbers. Reads stream with backpressure so a
 * partition of any size is read in memory bounded by the batch size.
 */
import mysql, { type ConnectionOptions, type Pool, type PoolConnection, type PoolOptions } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import { ConnectionConfigError, SourceConnectionError, SourceQueryError } from '../errors.ts';
import { checkReadRequest, checkSpec } from './read-request.ts';
import { MIN_TIMESTAMP } from '../time.ts';
import { qualifiedTable, quoteIdent, sourceTableDdl } from './ddl.ts';
import { type SourceId, type SourceTableSpec, tablesOf } from './spec.ts';
import type { RawRow, RawValue, ReadWindow, SourceReader, SourceSink } from './types.ts';

/** Connection settings parsed from a `mysql://user:pass@host:port/db` URL. */
export interface MysqlConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Rows per INSERT statement written by the sink. */
export const INSERT_CHUNK_ROWS = 1000;
/** MySQL's limit on placeholders per prepared statement. */
const MAX_PLACEHOLDERS = 65_535;

const DATABASE_NAME_RE = /^[A-Za-z0-9_$]{1,64}$/;

/** mysql2 error codes of transient connection failures (retried by the pipeline). */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_NORMAL_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_READ_ERROR',
  'ER_NET_ERROR_ON_WRITE',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
]);

/**
 * Parse a `mysql://user:pass@host:port/db` URL. `label` names where the URL came from (an
 * environment variable) in error messages; the password and the URL itself are never echoed.
 * @throws ConnectionConfigError for a malformed URL, another scheme or a missing database.
 */
export function parseMysqlUrl(url: string, label = 'MySQL URL'): MysqlConnectionConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionConfigError(`${label} is not a valid URL; expected mysql://user:pass@host:port/db`);
  }
  if (parsed.protocol !== 'mysql:') {
    throw new ConnectionConfigError(
      `${label} has unsupported scheme "${parsed.protocol.replace(/:$/, '')}"; expected mysql://user:pass@host:port/db`,
    );
  }
  if (!parsed.hostname)
    throw new ConnectionConfigError(`${label} has no host; expected mysql://user:pass@host:port/db`);
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new ConnectionConfigError(`${label} has an invalid port`);
  }
  let database: string;
  let user: string;
  let password: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    user = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    throw new ConnectionConfigError(`${label} has invalid percent-encoding`);
  }
  if (!database)
    throw new ConnectionConfigError(`${label} names no database; expected mysql://user:pass@host:port/db`);
  if (!DATABASE_NAME_RE.test(database)) {
    throw new ConnectionConfigError(
      `${label} names an invalid database "${database}" (letters, digits, _ and $ only)`,
    );
  }
  if (!user)
    throw new ConnectionConfigError(`${label} names no user; expected mysql://user:pass@host:port/db`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, user, password, database };
}

/**
 * The options every connection to a source opens with: exact values (BIGINT/DECIMAL as strings,
 * DATETIME/DATE as the server's text, never through a JS Date) on a UTC session.
 */
export function mysqlConnectionOptions(
  config: MysqlConnectionConfig,
  withDatabase = true,
): ConnectionOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    ...(withDatabase ? { database: config.database } : {}),
    connectTimeout: 10_000,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
  };
}

function poolOptions(
  config: MysqlConnectionConfig,
  connectionLimit: number,
  withDatabase = true,
): PoolOptions {
  return { ...mysqlConnectionOptions(config, withDatabase), connectionLimit };
}

interface ErrorContext {
  source: SourceId;
  table?: string;
  operation: string;
  password: string;
}

function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect failures arrive as an AggregateError of per-address errors.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const innerCode = errorCode(inner);
      if (innerCode) return innerCode;
    }
  }
  return undefined;
}

function scrub(text: string, password: string): string {
  return password ? text.split(password).join('***') : text;
}

/**
 * Translate a mysql2 error into `SourceConnectionError` (transient: refused, reset, timeout, too
 * many connections, server shutdown) or `SourceQueryError` (anything else). The message names the
 * source, table and operation; the password is scrubbed from it.
 */
export function mapMysqlError(
  error: unknown,
  context: ErrorContext,
): SourceConnectionError | SourceQueryError {
  if (error instanceof SourceConnectionError || error instanceof SourceQueryError) return error;
  const code = errorCode(error);
  const raw = error instanceof Error ? error.message || code || error.name : String(error);
  const where = `source ${context.source}${context.table ? ` table ${context.table}` : ''}`;
  const message = scrub(
    `${context.operation} failed for ${where}: ${code && !raw.includes(code) ? `${code} ` : ''}${raw}`,
    context.password,
  );
  const errorContext = { source: context.source, table: context.table, operation: context.operation, code };
  const fatal = (error as { fatal?: unknown } | null)?.fatal === true;
  const transient = (code !== undefined && CONNECTION_ERROR_CODES.has(code)) || (fatal && code === undefined);
  // The original error can carry connection details; keep only its code and scrubbed message.
  const cause = new Error(scrub(raw, context.password));
  return transient
    ? new SourceConnectionError(message, { cause, context: errorContext })
    : new SourceQueryError(message, { cause, context: errorContext });
}

function getConnection(pool: Pool): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)));
  });
}

function endPool(pool: Pool): Promise<void> {
  return new Promise((resolve) => pool.end(() => resolve()));
}

/**
 * SELECT of the spec's columns (by name) over a half-open watermark window, bound as
 * `[from, to)`. With `invalidWatermarks` it also selects the rows whose watermark is NULL, the
 * zero date or before 1970 (bound as a third parameter, {@link MIN_TIMESTAMP}): three ranges of
 * the same index, which MySQL reads as one range scan.
 */
export function mysqlSelectSql(spec: SourceTableSpec, invalidWatermarks = false): string {
  const columns = spec.columns.map((c) => quoteIdent(c.name, 'mysql')).join(', ');
  const wm = quoteIdent(spec.watermark, 'mysql');
  const window = `${wm} >= ? AND ${wm} < ?`;
  const where = invalidWatermarks ? `(${window}) OR ${wm} IS NULL OR ${wm} < ?` : window;
  return `SELECT ${columns} FROM ${qualifiedTable(spec, 'mysql')} WHERE ${where}`;
}

/** Streams partitions of one MySQL source database. */
export class MysqlSourceReader implements SourceReader {
  readonly source: SourceId;
  readonly #config: MysqlConnectionConfig;
  readonly #pool: Pool;

  /**
   * @param source the source id this database serves
   * @param url `mysql://user:pass@host:port/db` (or an already parsed config)
   * @param options.connectionLimit pool size (default 4: one per concurrently read partition)
   */
  constructor(
    source: SourceId,
    url: string | MysqlConnectionConfig,
    options: { connectionLimit?: number } = {},
  ) {
    this.source = source;
    this.#config = typeof url === 'string' ? parseMysqlUrl(url) : url;
    this.#pool = mysql.createPool(poolOptions(this.#config, options.connectionLimit ?? 4));
  }

  async *readPartition(
    spec: SourceTableSpec,
    window: ReadWindow,
    options: { batchSize?: number } = {},
  ): AsyncIterable<RawRow[]> {
    const batchSize = checkReadRequest(this.source, spec, window, options);
    const invalid = window.invalidWatermarks === true;
    const context = {
      source: this.source,
      table: spec.table,
      operation: 'read',
      password: this.#config.password,
    };

    let connection: PoolConnection;
    try {
      connection = await getConnection(this.#pool);
    } catch (error) {
      throw mapMysqlError(error, context);
    }
    let finished = false;
    try {
      const stream = connection
        .query(
          { sql: mysqlSelectSql(spec, invalid), rowsAsArray: true },
          invalid ? [window.from, window.to, MIN_TIMESTAMP] : [window.from, window.to],
        )
        .stream({ highWaterMark: Math.min(batchSize, 1024) });
      let batch: RawRow[] = [];
      try {
        // The async iterator pulls on demand: while the consumer works on a batch the stream
        // buffer fills, mysql2 pauses the socket, and the server waits (bounded memory).
        for await (const row of stream) {
          batch.push(row as RawValue[]);
          if (batch.length >= batchSize) {
            const full = batch;
            batch = [];
            yield full;
          }
        }
      } catch (error) {
        throw mapMysqlError(error, context);
      }
      if (batch.length > 0) yield batch;
      finished = true;
    } finally {
      // A connection abandoned mid-result (consumer stopped early or an error) cannot be reused.
      if (finished) connection.release();
      else connection.destroy();
    }
  }

  async close(): Promise<void> {
    await endPool(this.#pool);
  }
}

function toParam(value: RawValue | undefined, spec: SourceTableSpec, index: number): string | number | null {
  if (value === undefined) {
    throw new SourceQueryError(
      `row for ${spec.table} is missing column ${spec.columns[index]?.name ?? index}`,
    );
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Writes rows into one MySQL source database (synthetic generator, tests). */
export class MysqlSourceSink implements SourceSink {
  readonly source: SourceId;
  readonly #config: MysqlConnectionConfig;
  readonly #pool: Pool;
  readonly #promisePool: PromisePool;

  /**
   * @param source the source id this database serves
   * @param url `mysql://user:pass@host:port/db` (or an already parsed config)
   */
  constructor(
    source: SourceId,
    url: string | MysqlConnectionConfig,
    options: { connectionLimit?: number } = {},
  ) {
    this.source = source;
    this.#config = typeof url === 'string' ? parseMysqlUrl(url) : url;
    this.#pool = mysql.createPool(poolOptions(this.#config, options.connectionLimit ?? 4));
    this.#promisePool = this.#pool.promise();
  }

  #context(operation: string, table?: string): ErrorContext {
    return { source: this.source, operation, password: this.#config.password, ...(table ? { table } : {}) };
  }

  /** Creates the database named by the URL if missing, then the source's tables. */
  async createTables(): Promise<void> {
    const admin = mysql.createPool(poolOptions(this.#config, 1, false)).promise();
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS ${'`'}${this.#config.database}${'`'}`);
    } catch (error) {
      throw mapMysqlError(error, this.#context('create database'));
    } finally {
      await admin.end();
    }
    for (const spec of tablesOf(this.source)) {
      for (const statement of sourceTableDdl(spec, 'mysql')) {
        try {
          await this.#promisePool.query(statement);
        } catch (error) {
          throw mapMysqlError(error, this.#context('create table', spec.table));
        }
      }
    }
  }

  async truncateAll(): Promise<void> {
    for (const spec of tablesOf(this.source)) {
      try {
        await this.#promisePool.query(`TRUNCATE TABLE ${qualifiedTable(spec, 'mysql')}`);
      } catch (error) {
        throw mapMysqlError(error, this.#context('truncate', spec.table));
      }
    }
  }

  async insert(spec: SourceTableSpec, rows: RawRow[]): Promise<void> {
    await this.#write(spec, rows, false);
  }

  async upsert(spec: SourceTableSpec, rows: RawRow[]): Promise<void> {
    await this.#write(spec, rows, true);
  }

  /** Multi-row prepared INSERTs of up to `INSERT_CHUNK_ROWS` rows (statements cached per connection). */
  async #write(spec: SourceTableSpec, rows: RawRow[], upsert: boolean): Promise<void> {
    checkSpec(this.source, spec);
    if (rows.length === 0) return;
    const width = spec.columns.length;
    const chunk = Math.max(1, Math.min(INSERT_CHUNK_ROWS, Math.floor(MAX_PLACEHOLDERS / width)));
    const operation = upsert ? 'upsert' : 'insert';
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const params: (string | number | null)[] = new Array(part.length * width);
      let k = 0;
      for (const row of part) {
        if (row.length !== width) {
          throw new SourceQueryError(
            `${operation} into ${spec.table}: row has ${row.length} values, expected ${width}`,
            {
              context: { source: this.source, table: spec.table },
            },
          );
        }
        for (let i = 0; i < width; i++) params[k++] = toParam(row[i], spec, i);
      }
      try {
        await this.#promisePool.execute(insertSql(spec, part.length, upsert), params);
      } catch (error) {
        throw mapMysqlError(error, this.#context(operation, spec.table));
      }
    }
  }

  async close(): Promise<void> {
    await endPool(this.#pool);
  }
}

const insertSqlCache = new Map<string, string>();

/** `INSERT INTO t (cols) VALUES (?, …), …` for `rowCount` rows, optionally `ON DUPLICATE KEY UPDATE`. */
export function insertSql(spec: SourceTableSpec, rowCount: number, upsert: boolean): string {
  const key = `${spec.source}.${spec.table}:${rowCount}:${upsert}`;
  const cached = insertSqlCache.get(key);
  if (cached) return cached;
  const columns = spec.columns.map((c) => quoteIdent(c.name, 'mysql'));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let sql = `INSERT INTO ${qualifiedTable(spec, 'mysql')} (${columns.join(', ')}) VALUES ${Array.from(
    { length: rowCount },
    () => tuple,
  ).join(', ')}`;
  if (upsert) {
    const pk = quoteIdent(spec.primaryKey, 'mysql');
    const updates = columns.filter((c) => c !== pk).map((c) => `${c} = VALUES(${c})`);
    sql += ` ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
  }
  if (insertSqlCache.size < 256) insertSqlCache.set(key, sql);
  return sql;
}
