/**
 * The Amazon Redshift warehouse adapter over the Redshift Data API (`@aws-sdk/client-redshift-data`).
 *
 * The Data API is asynchronous and connectionless: a statement is submitted (ExecuteStatement),
 * its status polled (DescribeStatement, backoff ×1.5 from `pollIntervalMs` up to 5 s, bounded by
 * `deadlineMs`), and its rows fetched page by page (GetStatementResult over NextToken).
 *
 * - **Parameters** are bound by name (`:name`, `Parameters: [{ name, value }]`, every value a
 *   string). Positional `$n` parameters are rewritten to `:pn`. The API cannot bind NULL or an
 *   empty string (a parameter value is a non-empty string), so those two constants are written
 *   into the statement as `NULL` / `''` — fixed text, never caller data.
 * - **Transactions**: the Data API has no interactive transactions. {@link RedshiftDataWarehouse.transaction}
 *   collects the statements `fn` executes and runs them with ONE BatchExecuteStatement, which
 *   Redshift runs as a single transaction (all committed or all rolled back). Consequences:
 *   `tx.query` is refused (no result can come back before the batch runs), `tx.execute` resolves
 *   to 0 (row counts are unknown until commit), and parameters are rendered as SQL literals by
 *   {@link renderLiteral} (see there for why and how this is safe).
 * - **Values** come back normalized as types.ts asks: int8 and numeric as exact strings, int2/int4
 *   as numbers, timestamp as 'YYYY-MM-DD HH:MM:SS[.ffffff]', timestamptz as ISO text, date as
 *   'YYYY-MM-DD', bool as boolean, NULL as null.
 */
import {
  BatchExecuteStatementCommand,
  type BatchExecuteStatementInput,
  CancelStatementCommand,
  type ColumnMetadata,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type ExecuteStatementInput,
  type Field,
  GetStatementResultCommand,
  type GetStatementResultResponse,
  RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { lex, modelNameOf } from '@recon/sql';
import { ConnectionConfigError, ReconError, WarehouseError, WarehouseTransientError } from '../errors.ts';
import type { Row, SqlParams, Warehouse, WarehouseDialect, WarehouseTx } from './types.ts';
import { timestamptzToIso, toBindValue } from './values.ts';

/** The Redshift dialect: no local COPY (staging loads come from S3), real materialized views. */
export const REDSHIFT_DIALECT: WarehouseDialect = Object.freeze({
  name: 'redshift',
  supportsLocalCopy: false,
  supportsMaterializedViews: true,
});

/** Default first poll interval of DescribeStatement, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 250;
/** Longest poll interval the ×1.5 backoff grows to, in ms. */
export const MAX_POLL_INTERVAL_MS = 5_000;
/** Default time a statement (or batch) may take before it is cancelled, in ms (15 min). */
export const DEFAULT_DEADLINE_MS = 15 * 60_000;
/** Most statements one BatchExecuteStatement accepts (the API's `Sqls` limit). */
export const MAX_BATCH_STATEMENTS = 40;

/** Options of {@link RedshiftDataWarehouse}. Exactly one of `workgroupName`/`clusterIdentifier`. */
export interface RedshiftDataWarehouseOptions {
  /** Redshift Serverless workgroup name (or ARN). */
  workgroupName?: string;
  /** Provisioned cluster identifier. */
  clusterIdentifier?: string;
  /** Database name. */
  database: string;
  /** Secrets Manager secret (name or ARN) holding the database credentials. */
  secretArn?: string;
  /** Database user for temporary credentials (provisioned clusters only). */
  dbUser?: string;
  /** The client to use (default: a new `RedshiftDataClient` from the ambient AWS configuration). */
  client?: RedshiftDataClient;
  /** First DescribeStatement poll interval in ms (default 250; backoff ×1.5 up to 5 s). */
  pollIntervalMs?: number;
  /** How long a statement or batch may run before it is cancelled, in ms (default 15 min). */
  deadlineMs?: number;
  /** Waits `ms` between polls (default a timer); a seam for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** The current time in ms (default `Date.now`); a seam for tests. */
  now?: () => number;
}

/** What {@link RedshiftDataWarehouse.fromUrl} takes besides the URL. */
export type RedshiftDataUrlOptions = Omit<
  RedshiftDataWarehouseOptions,
  'workgroupName' | 'clusterIdentifier' | 'database'
>;

/** One statement ready for the Data API: `:name` placeholders and string parameter values. */
export interface DataApiStatement {
  sql: string;
  parameters: SqlParameter[];
}

// `::` (a cast, left alone), `:name`, or `$n` not preceded by an identifier character.
const PLACEHOLDER = /::|:([A-Za-z_][A-Za-z0-9_]*)|(?<![A-Za-z0-9_$])\$(\d+)/g;

type Substitute = (value: unknown, label: string, key: string) => string;

/**
 * Replace the parameter placeholders of `sql` (only in code, never inside literals, quoted
 * identifiers or comments) by what `substitute` returns for each value.
 */
function substitutePlaceholders(sql: string, params: SqlParams, substitute: Substitute): string {
  const positional = Array.isArray(params);
  return lex(sql)
    .map((segment) => {
      if (segment.kind !== 'code') return segment.text;
      return segment.text.replace(
        PLACEHOLDER,
        (match: string, name: string | undefined, index: string | undefined) => {
          if (name !== undefined && !positional) {
            const record = params as Readonly<Record<string, unknown>>;
            if (!Object.hasOwn(record, name) || record[name] === undefined) {
              throw new WarehouseError(`missing SQL parameter :${name}`, { context: { param: name } });
            }
            return substitute(record[name], `:${name}`, name);
          }
          if (index !== undefined && positional) {
            const n = Number(index);
            const list = params as readonly unknown[];
            if (n < 1 || n > list.length) {
              throw new WarehouseError(`missing SQL parameter $${index} (${list.length} given)`, {
                context: { param: `$${index}` },
              });
            }
            return substitute(list[n - 1], `$${n}`, `p${n}`);
          }
          return match;
        },
      );
    })
    .join('');
}

/**
 * Turn a statement with positional (`$1`) or named (`:name`) parameters into Data API form:
 * `:name` placeholders (`$n` becomes `:pn`) and one string-valued parameter per distinct name, in
 * first-use order. NULL and the empty string, which the API cannot bind, are written as the
 * constants `NULL` and `''`. Values are converted like the other adapters bind them
 * (numbers/bigints/booleans as text, Dates as UTC 'YYYY-MM-DD HH:MM:SS.mmm').
 * @throws WarehouseError for a missing, undefined or unsupported parameter value.
 */
export function toDataApiStatement(sql: string, params: SqlParams | undefined): DataApiStatement {
  if (params === undefined) return { sql, parameters: [] };
  const parameters: SqlParameter[] = [];
  const seen = new Set<string>();
  const text = substitutePlaceholders(sql, params, (value, label, key) => {
    const bound = toBindValue(value, label);
    if (bound === null) return 'NULL';
    if (bound === '') return "''";
    if (!seen.has(key)) {
      seen.add(key);
      parameters.push({ name: key, value: bound });
    }
    return `:${key}`;
  });
  return { sql: text, parameters };
}

const NUMBER_LITERAL = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/**
 * Render one parameter value as a Redshift SQL literal, for statements of a
 * {@link RedshiftDataWarehouse.transaction} batch.
 *
 * Why literals: a transaction must be one BatchExecuteStatement, and that call binds no
 * per-statement parameters (newer API versions accept one batch-wide `Parameters` list, each entry
 * of which must be referenced somewhere in the batch; this adapter does not rely on it), so the
 * values are written into the statement text. Doing that safely:
 * - null → `NULL`; booleans → `TRUE`/`FALSE`;
 * - numbers (finite) and bigints → their decimal text, validated against a strict numeric
 *   pattern, negatives parenthesized (so `a -$1` can never become the comment `a --1`);
 * - everything else (strings — including numeric, date and timestamp strings —, Dates as UTC
 *   text, decimal objects by their `toString`) → a quoted string literal with single quotes
 *   doubled. Redshift treats a backslash in a string literal as an escape character, so
 *   backslashes are never put inside quotes: they are spliced in as `CHR(92)` by concatenation.
 *   A NUL character is rejected (Redshift text cannot hold it).
 * The result can therefore never end the literal early: quotes, semicolons and comment markers in
 * a value stay inside it.
 * @throws WarehouseError for NUL, non-finite numbers, undefined or unsupported values.
 */
export function renderLiteral(value: unknown, label = 'value'): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = toBindValue(value, label) ?? '';
    if (!NUMBER_LITERAL.test(text)) {
      throw new WarehouseError(`parameter ${label} is not a plain number: ${text}`, {
        context: { param: label },
      });
    }
    return text.startsWith('-') ? `(${text})` : text;
  }
  const text = toBindValue(value, label);
  if (text === null) return 'NULL';
  if (text.includes('\0')) {
    throw new WarehouseError(`parameter ${label} contains a NUL character`, { context: { param: label } });
  }
  const parts = text.split('\\').map((part) => `'${part.replaceAll("'", "''")}'`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || CHR(92) || ')})`;
}

/** A statement of `sql` with its parameters rendered as literals (see {@link renderLiteral}). */
export function renderStatement(sql: string, params: SqlParams | undefined): string {
  if (params === undefined) return sql;
  return substitutePlaceholders(sql, params, (value, label) => renderLiteral(value, label));
}

// ---------------------------------------------------------------------------------------------
// Results

const TIMESTAMP_TEXT = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)$/;

function columnName(column: ColumnMetadata | undefined, index: number): string {
  return column?.name ?? column?.label ?? `column_${index + 1}`;
}

function exactInteger(field: Field, where: string): string {
  if (field.stringValue !== undefined) {
    if (!/^-?\d+$/.test(field.stringValue))
      throw new WarehouseError(`${where}: not an integer: ${field.stringValue}`);
    return field.stringValue;
  }
  const long: unknown = field.longValue;
  if (typeof long === 'bigint') return long.toString();
  if (typeof long === 'number') {
    // The SDK parses JSON numbers as doubles: beyond 2^53 the value may already be rounded.
    if (!Number.isSafeInteger(long)) {
      throw new WarehouseError(
        `${where}: BIGINT value ${String(long)} is beyond 2^53 and arrived as an inexact JSON number; ` +
          'select it as VARCHAR to read it exactly',
      );
    }
    return String(long);
  }
  throw new WarehouseError(`${where}: unexpected value for an integer column`);
}

/**
 * Convert one Data API `Field` to the normalized value of types.ts, by the column's `typeName`.
 * @throws WarehouseError when a value cannot be represented exactly (a BIGINT beyond 2^53 sent
 * as a JSON number, a NUMERIC sent as a double).
 */
export function fieldToValue(field: Field, column: ColumnMetadata | undefined, where = 'column'): unknown {
  if (field.isNull === true) return null;
  const type = (column?.typeName ?? '').toLowerCase();
  switch (type) {
    case 'int8':
    case 'bigint':
      return exactInteger(field, where);
    case 'int2':
    case 'int4':
    case 'smallint':
    case 'integer':
      if (field.longValue !== undefined) return field.longValue;
      if (field.stringValue !== undefined) return Number(field.stringValue);
      break;
    case 'numeric':
    case 'decimal':
      if (field.stringValue !== undefined) return field.stringValue;
      if (field.longValue !== undefined) return exactInteger(field, where);
      throw new WarehouseError(`${where}: NUMERIC value did not arrive as exact text`);
    case 'timestamp': {
      const text = field.stringValue;
      if (text === undefined) break;
      const m = TIMESTAMP_TEXT.exec(text);
      return m ? `${m[1]} ${m[2]}` : text;
    }
    case 'timestamptz':
      if (field.stringValue !== undefined) return timestamptzToIso(field.stringValue.replace('T', ' '));
      break;
    case 'bool':
    case 'boolean':
      if (field.booleanValue !== undefined) return field.booleanValue;
      if (field.stringValue !== undefined)
        return ['t', 'true', '1'].includes(field.stringValue.toLowerCase());
      break;
    default:
      break;
  }
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Errors

const TRANSIENT_SDK_ERRORS = new Set([
  'ThrottlingException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'InternalServerException',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Redshift errors that a retry of the whole step can succeed on (serialization conflicts). */
const TRANSIENT_REDSHIFT_ERROR =
  /Serializable isolation violation|\b1023\b|conflict with concurrent transaction/i;

function sdkErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_SDK_ERRORS.has(code)) return code;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : 'Error';
}

function isTransientSdkError(error: unknown): boolean {
  if (TRANSIENT_SDK_ERRORS.has(sdkErrorName(error))) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  const retryable = (error as { $retryable?: unknown } | null)?.$retryable;
  return retryable !== undefined || (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500);
}

function truncate(sql: string): string {
  return sql.length > 500 ? `${sql.slice(0, 500)}…` : sql;
}

/** Where a call was made from, for error messages and context. */
interface Site {
  operation: string;
  model?: string;
  sql?: string;
  statementId?: string;
}

function contextOf(site: Site, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const context: Record<string, unknown> = { dialect: 'redshift', operation: site.operation, ...extra };
  if (site.model !== undefined) context['model'] = site.model;
  if (site.statementId !== undefined) context['statementId'] = site.statementId;
  if (site.sql !== undefined) context['statement'] = truncate(site.sql);
  return context;
}

function inModel(model: string | undefined): string {
  return model === undefined ? '' : ` in ${model}`;
}

function mapSdkError(error: unknown, site: Site): ReconError {
  if (error instanceof ReconError) return error;
  const name = sdkErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const context = contextOf(site, { awsError: name });
  const text = `redshift ${site.operation}${inModel(site.model)} [${name}]: ${message}`;
  if (isTransientSdkError(error)) return new WarehouseTransientError(text, { cause: error, context });
  return new WarehouseError(text, { cause: error, context });
}

/** The error for a statement DescribeStatement reported FAILED or ABORTED. */
function statementFailure(
  status: string,
  redshiftError: string | undefined,
  site: Site,
  what: string,
): ReconError {
  const detail = redshiftError ?? (status === 'ABORTED' ? 'the statement was aborted' : 'no error text');
  const context = contextOf(site, { status, redshiftError: detail });
  const text = `redshift ${what} ${status}${inModel(site.model)}: ${detail}`;
  if (status === 'FAILED' && TRANSIENT_REDSHIFT_ERROR.test(detail)) {
    return new WarehouseTransientError(text, { context });
  }
  return new WarehouseError(text, { context });
}

// ---------------------------------------------------------------------------------------------
// The transaction collector

/** One statement collected in a transaction, rendered with literals. */
interface BatchStatement {
  sql: string;
  model: string | undefined;
}

class RedshiftBatchTx implements WarehouseTx {
  readonly statements: BatchStatement[] = [];
  private open = true;

  private ensureOpen(): void {
    if (!this.open)
      throw new WarehouseError('redshift transaction already submitted: the transaction is closed');
  }

  query<T extends Row = Row>(sql: string): Promise<T[]> {
    return Promise.reject(
      new WarehouseError(
        'redshift transactions cannot run queries: the Data API runs a transaction as one ' +
          'BatchExecuteStatement after the callback returns, so no rows can come back inside it; ' +
          'query before or after the transaction',
        { context: contextOf({ operation: 'transaction query', model: modelNameOf(sql), sql }) },
      ),
    );
  }

  execute(sql: string, params?: SqlParams): Promise<number> {
    try {
      this.ensureOpen();
      this.statements.push({ sql: renderStatement(sql, params), model: modelNameOf(sql) });
      // The affected row count is unknown until the batch has run.
      return Promise.resolve(0);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return Promise.reject(
        error instanceof ReconError
          ? error
          : new WarehouseError(
              `redshift statement cannot be rendered${inModel(modelNameOf(sql))}: ${message}`,
              {
                cause: error,
                context: contextOf({ operation: 'render', model: modelNameOf(sql), sql }),
              },
            ),
      );
    }
  }

  copyCsvFile(table: string): Promise<number> {
    return Promise.reject(
      new WarehouseError(
        `redshift cannot load a local CSV file into ${table}: staging loads on Redshift use ` +
          "COPY … FROM 's3://…' IAM_ROLE … FORMAT AS PARQUET from the staging bucket",
        { context: { dialect: 'redshift', operation: 'copy', table } },
      ),
    );
  }

  close(): void {
    this.open = false;
  }
}

// ---------------------------------------------------------------------------------------------
// The warehouse

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** {@link Warehouse} over the Amazon Redshift Data API. */
export class RedshiftDataWarehouse implements Warehouse {
  readonly dialect: WarehouseDialect = REDSHIFT_DIALECT;
  private readonly client: RedshiftDataClient;
  private readonly ownsClient: boolean;
  private readonly target: Pick<
    ExecuteStatementInput,
    'WorkgroupName' | 'ClusterIdentifier' | 'Database' | 'SecretArn' | 'DbUser'
  >;
  private readonly pollIntervalMs: number;
  private readonly deadlineMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  /** @throws ConnectionConfigError unless exactly one of workgroupName/clusterIdentifier and a database are given. */
  constructor(options: RedshiftDataWarehouseOptions) {
    const { workgroupName, clusterIdentifier, database, secretArn, dbUser } = options;
    if ((workgroupName ? 1 : 0) + (clusterIdentifier ? 1 : 0) !== 1) {
      throw new ConnectionConfigError(
        'redshift-data needs exactly one of workgroupName or clusterIdentifier',
      );
    }
    if (!database) throw new ConnectionConfigError('redshift-data needs a database name');
    this.target = {
      ...(workgroupName ? { WorkgroupName: workgroupName } : {}),
      ...(clusterIdentifier ? { ClusterIdentifier: clusterIdentifier } : {}),
      Database: database,
      ...(secretArn ? { SecretArn: secretArn } : {}),
      ...(dbUser ? { DbUser: dbUser } : {}),
    };
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new RedshiftDataClient({});
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  /**
   * `redshift-data://<workgroup>/<database>` → a warehouse on that Redshift Serverless workgroup.
   * @throws ConnectionConfigError (naming RECON_WAREHOUSE_URL) for any other shape.
   */
  static fromUrl(url: string, options: RedshiftDataUrlOptions = {}): RedshiftDataWarehouse {
    const bad = (why: string): ConnectionConfigError =>
      new ConnectionConfigError(
        `RECON_WAREHOUSE_URL: ${why}; expected redshift-data://<workgroup>/<database>`,
        { context: { key: 'RECON_WAREHOUSE_URL' } },
      );
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad('not a URL');
    }
    if (parsed.protocol !== 'redshift-data:') throw bad(`unsupported scheme ${parsed.protocol}`);
    if (parsed.username || parsed.password) {
      throw bad('credentials do not belong in the URL (use a Secrets Manager secret or IAM)');
    }
    const workgroup = parsed.hostname;
    const path = parsed.pathname.replace(/^\//, '');
    if (!/^[a-z0-9-]{3,64}$/i.test(workgroup)) throw bad('missing or invalid workgroup name');
    if (!/^[A-Za-z0-9_$-]{1,127}$/.test(path)) throw bad('missing or invalid database name');
    if (parsed.port || parsed.search || parsed.hash) throw bad('unexpected port, query or fragment');
    return new RedshiftDataWarehouse({
      ...options,
      workgroupName: workgroup,
      database: decodeURIComponent(path),
    });
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const { id, description, site } = await this.runStatement(sql, params);
    if (description.HasResultSet === false) return [];
    return this.fetchRows<T>(id, site);
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    const { description } = await this.runStatement(sql, params);
    const rows = description.ResultRows ?? 0;
    return rows < 0 ? 0 : rows;
  }

  /**
   * Run the statements `fn` executes as ONE BatchExecuteStatement (a single Redshift transaction),
   * submitted after `fn` resolves; nothing is sent when `fn` throws (the rollback) or executes
   * nothing. Inside `fn`, `tx.execute` resolves to 0 (counts are unknown until commit), `tx.query`
   * and `tx.copyCsvFile` reject with a WarehouseError, and parameters are rendered as literals
   * ({@link renderLiteral}).
   * @throws WarehouseError naming the failing sub-statement (and its model) when the batch fails.
   */
  async transaction<T>(fn: (tx: WarehouseTx) => Promise<T>): Promise<T> {
    const tx = new RedshiftBatchTx();
    let result: T;
    try {
      result = await fn(tx);
    } finally {
      tx.close();
    }
    const { statements } = tx;
    if (statements.length === 0) return result;
    if (statements.length > MAX_BATCH_STATEMENTS) {
      throw new WarehouseError(
        `redshift transaction has ${statements.length} statements; one BatchExecuteStatement takes at most ${MAX_BATCH_STATEMENTS}`,
        { context: { dialect: 'redshift', operation: 'batch' } },
      );
    }
    const input: BatchExecuteStatementInput = { ...this.target, Sqls: statements.map((s) => s.sql) };
    const batchSite: Site = { operation: 'batch' };
    const started = this.now();
    const submitted = await this.send(
      () => this.client.send(new BatchExecuteStatementCommand(input)),
      batchSite,
    );
    const id = submitted.Id;
    if (!id) throw new WarehouseError('redshift BatchExecuteStatement returned no statement id');
    const description = await this.waitFor(id, started, { ...batchSite, statementId: id });
    if (description.Status !== 'FINISHED') throw this.batchFailure(description, statements, id);
    return result;
  }

  /** Destroys the client when this adapter created it (a passed-in client is left alone). */
  close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
    return Promise.resolve();
  }

  private batchFailure(
    description: DescribeStatementResponse,
    statements: readonly BatchStatement[],
    id: string,
  ): ReconError {
    const status = description.Status ?? 'FAILED';
    const subs = description.SubStatements ?? [];
    const failedIndex = subs.findIndex((s) => s.Status === 'FAILED' || s.Status === 'ABORTED');
    if (failedIndex === -1) {
      return statementFailure(
        status,
        description.Error,
        { operation: 'batch', statementId: id },
        'transaction batch',
      );
    }
    const sub = subs[failedIndex];
    // A sub-statement id ends in `:<n>` (1-based); fall back to its position.
    const suffix = /:(\d+)$/.exec(sub?.Id ?? '');
    const number = suffix ? Number(suffix[1]) : failedIndex + 1;
    const statement = statements[number - 1];
    const site: Site = {
      operation: 'batch',
      statementId: sub?.Id ?? id,
      ...(statement?.model !== undefined ? { model: statement.model } : {}),
      ...(statement !== undefined ? { sql: statement.sql } : {}),
    };
    return statementFailure(
      sub?.Status ?? status,
      sub?.Error ?? description.Error,
      site,
      `transaction statement ${number} of ${statements.length}`,
    );
  }

  private async runStatement(
    sql: string,
    params: SqlParams | undefined,
  ): Promise<{ id: string; description: DescribeStatementResponse; site: Site }> {
    const model = modelNameOf(sql);
    const base: Site = { operation: 'statement', sql, ...(model !== undefined ? { model } : {}) };
    let statement: DataApiStatement;
    try {
      statement = toDataApiStatement(sql, params);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const extra = error instanceof ReconError ? error.context : {};
      throw new WarehouseError(`redshift statement cannot be prepared${inModel(model)}: ${message}`, {
        cause: error,
        context: contextOf(base, extra),
      });
    }
    const input: ExecuteStatementInput = {
      ...this.target,
      Sql: statement.sql,
      ...(statement.parameters.length > 0 ? { Parameters: statement.parameters } : {}),
    };
    const site: Site = { ...base, sql: statement.sql };
    const started = this.now();
    const submitted = await this.send(() => this.client.send(new ExecuteStatementCommand(input)), site);
    const id = submitted.Id;
    if (!id)
      throw new WarehouseError('redshift ExecuteStatement returned no statement id', {
        context: contextOf(site),
      });
    const withId: Site = { ...site, statementId: id };
    const description = await this.waitFor(id, started, withId);
    if (description.Status !== 'FINISHED') {
      throw statementFailure(description.Status ?? 'FAILED', description.Error, withId, 'statement');
    }
    return { id, description, site: withId };
  }

  /** Poll DescribeStatement with backoff until a terminal status or the deadline. */
  private async waitFor(id: string, started: number, site: Site): Promise<DescribeStatementResponse> {
    let delay = this.pollIntervalMs;
    for (;;) {
      const description = await this.send(() => this.client.send(new DescribeStatementCommand({ Id: id })), {
        ...site,
        operation: `${site.operation} status`,
      });
      const status = description.Status;
      if (status === 'FINISHED' || status === 'FAILED' || status === 'ABORTED') return description;
      const elapsed = this.now() - started;
      if (elapsed >= this.deadlineMs) {
        // Best effort: a retry must not race the statement that is still running.
        try {
          await this.client.send(new CancelStatementCommand({ Id: id }));
        } catch {
          // The deadline error below is what matters.
        }
        throw new WarehouseTransientError(
          `redshift statement ${id}${inModel(site.model)} did not finish within ${this.deadlineMs} ms (last status ${status ?? 'unknown'}); cancelled`,
          { context: contextOf(site, { status }) },
        );
      }
      await this.sleep(Math.min(delay, this.deadlineMs - elapsed));
      delay = Math.min(delay * 1.5, MAX_POLL_INTERVAL_MS);
    }
  }

  private async fetchRows<T extends Row>(id: string, site: Site): Promise<T[]> {
    const rows: T[] = [];
    let columns: ColumnMetadata[] | undefined;
    let token: string | undefined;
    do {
      const page: GetStatementResultResponse = await this.send(
        () =>
          this.client.send(new GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) })),
        { ...site, operation: 'statement result' },
      );
      if (columns === undefined && page.ColumnMetadata && page.ColumnMetadata.length > 0)
        columns = page.ColumnMetadata;
      for (const record of page.Records ?? []) {
        const row: Row = {};
        record.forEach((field, i) => {
          const column = columns?.[i];
          const name = columnName(column, i);
          row[name] = fieldToValue(field, column, `redshift column ${name}${inModel(site.model)}`);
        });
        rows.push(row as T);
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  private async send<O>(call: () => Promise<O>, site: Site): Promise<O> {
    try {
      return await call();
    } catch (error) {
      throw mapSdkError(error, site);
    }
  }
}
