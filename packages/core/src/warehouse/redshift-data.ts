/**
 * The Amazon Redshift warehouse adapter over the Redshift Data API (`@aws-sdk/client-redshift-data`).
 *
 * The Data API is asynchronous: a statement is submitted (ExecuteStatement), its status polled
 * (DescribeStatement, backoff ×1.5 from `pollIntervalMs` up to 5 s, bounded by `deadlineMs` and by
 * the caller's `invocationDeadline`, then CancelStatement), and its rows fetched page by page
 * (GetStatementResult over NextToken). A
 * statement that ends FAILED or ABORTED becomes a typed error naming its SQL model
 * (WarehouseTransientError for serialization conflicts and throttling, WarehouseError otherwise).
 *
 * - **Parameters** are bound by name (`:name`, `Parameters: [{ name, value }]`, every value a
 *   string). Positional `$n` parameters are rewritten to `:pn`. The API cannot bind NULL or an
 *   empty string (a parameter value is a non-empty string), so those two constants are written
 *   into the statement as `NULL` / `''` — fixed text, never caller data.
 * - **Transactions** run in a Data API session, as an interactive transaction:
 *   `BEGIN` is submitted with the warehouse target (workgroup or cluster, database, secret or
 *   database user) and `SessionKeepAliveSeconds`, which creates a session and returns its
 *   `SessionId`; every later statement of the transaction — `tx.query`, `tx.execute`,
 *   `tx.copyParquetObject`, then `COMMIT` — is submitted with that `SessionId` and WITHOUT the
 *   target fields, because the session already fixes the target and credentials (what the
 *   Data API reference gives for ExecuteStatement: `SessionKeepAliveSeconds` "the number of
 *   seconds to keep the session alive after the query finishes", at most 24 hours; `SessionId`
 *   "the session identifier of the query"; and what the AWS Big Data Blog "Accelerate your data
 *   workflows with Amazon Redshift Data API persistent sessions" (2024) shows: the follow-up calls
 *   pass only the session id, and a session runs its queries one at a time, without queuing).
 *   A session therefore runs ONE statement at a time: the transaction queues statements and
 *   submits each only after the previous one finished, even when the caller does not await them.
 *   On any failure `ROLLBACK` is sent in the session (best effort — its own failure never replaces
 *   the original error, it is noted in the error's context) and the error rethrown; once a
 *   statement has failed, statements still queued are not sent. Nothing is sent for a
 *   transaction that runs no statement (BEGIN is sent lazily, with the first one).
 * - **Keep-alive**: {@link DEFAULT_SESSION_KEEP_ALIVE_SECONDS} (300 s). The timer runs while the
 *   session is idle: between the end of one statement and the submission of the next (the poll
 *   that notices the end, up to 5 s; paging a result; the task preparing its next statement,
 *   e.g. rendering a batch of dead letters). 300 s covers those gaps many times over, while a
 *   session orphaned by a killed Lambda (no ROLLBACK sent) is closed by Redshift — and its open
 *   transaction rolled back, its locks released — within 5 minutes, well inside the pipeline's
 *   retry backoff.
 * - **Staging loads** (`tx.copyParquetObject`) run `COPY <table> FROM 's3://…' IAM_ROLE '<arn>'
 *   FORMAT AS PARQUET` in the session, then `SELECT pg_last_copy_count()` in the same session for
 *   the rows loaded (documented as "the number of rows that were loaded by the last COPY command
 *   run in the current session"; DescribeStatement's ResultRows is only documented as possibly
 *   holding a COPY's count). The URL and role cannot be bind parameters and are validated strictly
 *   before being written as literals (copy-source.ts). The role comes from `copyRoleArn`; without
 *   one a COPY fails with a ConnectionConfigError naming where it is configured.
 * - **DDL**: the dialect's `renderDdl` appends each CREATE TABLE's `-- redshift:` marker as
 *   DISTSTYLE/DISTKEY/SORTKEY and refuses index creation (`@recon/sql` table-attributes.ts).
 *   Redshift has no PostgreSQL shims (the dialect lists none).
 * - **Values** come back normalized as types.ts asks: int8 and numeric as exact strings, int2/int4
 *   as numbers, timestamp as 'YYYY-MM-DD HH:MM:SS[.ffffff]', timestamptz as ISO text, date as
 *   'YYYY-MM-DD', bool as boolean, NULL as null.
 */
import {
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
import { lex, modelNameOf, renderRedshiftDdl } from '@recon/sql';
import { ConnectionConfigError, ReconError, WarehouseError, WarehouseTransientError } from '../errors.ts';
import { checkIamRoleArn, copyParquetStatement } from './copy-source.ts';
import { parseRedshiftDataUrl, URL_COPY_ROLE_SOURCE } from './redshift-url.ts';
import type { Row, SqlParams, Warehouse, WarehouseDialect, WarehouseTx } from './types.ts';
import { timestamptzToIso, toBindValue } from './values.ts';

/**
 * The Redshift dialect: no local COPY (staging loads COPY Parquet from S3), real materialized
 * views, DDL rendered with the table-attribute markers, no shims.
 */
export const REDSHIFT_DIALECT: WarehouseDialect = Object.freeze({
  name: 'redshift',
  supportsLocalCopy: false,
  supportsMaterializedViews: true,
  renderDdl: renderRedshiftDdl,
});

/** Default first poll interval of DescribeStatement, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 250;
/** Longest poll interval the ×1.5 backoff grows to, in ms. */
export const MAX_POLL_INTERVAL_MS = 5_000;
/** Default time a statement may take before it is cancelled, in ms (15 min). */
export const DEFAULT_DEADLINE_MS = 15 * 60_000;
/** Default idle time a transaction's Data API session survives between statements (see the module comment). */
export const DEFAULT_SESSION_KEEP_ALIVE_SECONDS = 300;
/** The Data API's limit on a session's keep-alive (24 hours). */
export const MAX_SESSION_KEEP_ALIVE_SECONDS = 86_400;
/** What errors about a missing or invalid `copyRoleArn` name when the caller does not say. */
export const DEFAULT_COPY_ROLE_SOURCE = 'the warehouse option copyRoleArn';

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
  /** IAM role ARN Redshift assumes for `COPY … FROM 's3://…'` (staging loads); validated here. */
  copyRoleArn?: string;
  /**
   * Where `copyRoleArn` is configured, named by errors about it (e.g. the environment variable
   * `RECON_REDSHIFT_COPY_ROLE_ARN`); default {@link DEFAULT_COPY_ROLE_SOURCE}.
   */
  copyRoleSource?: string;
  /** Idle seconds a transaction's session is kept (default 300, 1…86,400). */
  sessionKeepAliveSeconds?: number;
  /** The client to use (default: a new `RedshiftDataClient` from the ambient AWS configuration). */
  client?: RedshiftDataClient;
  /** First DescribeStatement poll interval in ms (default 250; backoff ×1.5 up to 5 s). */
  pollIntervalMs?: number;
  /** How long a statement may run before it is cancelled, in ms (default 15 min). */
  deadlineMs?: number;
  /**
   * The instant (ms, on the `now` clock) by which every statement must have finished or been
   * cancelled, read for each statement; `undefined` for none. A Lambda sets it to its invocation's
   * end less a margin, so a statement is cancelled and its transaction rolled back before the
   * function is killed — not left running, holding its locks, after a timeout. No statement is
   * submitted past it, except the ROLLBACK of a failed transaction.
   */
  invocationDeadline?: () => number | undefined;
  /** Waits `ms` between polls (default a timer); a seam for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** The current time in ms (default `Date.now`); a seam for tests. */
  now?: () => number;
}

/** What {@link RedshiftDataWarehouse.fromUrl} takes besides the URL. */
export type RedshiftDataUrlOptions = Omit<
  RedshiftDataWarehouseOptions,
  | 'workgroupName'
  | 'clusterIdentifier'
  | 'database'
  | 'secretArn'
  | 'dbUser'
  | 'copyRoleArn'
  | 'copyRoleSource'
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
// Session transactions

/** Where a statement runs: on its own, opening a session (BEGIN), or in an open session. */
type Placement =
  | { kind: 'standalone' }
  | { kind: 'open-session'; keepAliveSeconds: number }
  | { kind: 'session'; sessionId: string };

/** A statement that ran to FINISHED. */
interface Ran {
  id: string;
  description: DescribeStatementResponse;
  site: Site;
  /** The session the statement ran in (returned by ExecuteStatement when one was opened or used). */
  sessionId: string | undefined;
}

/** What a session transaction needs from the warehouse. */
interface StatementRunner {
  run(sql: string, params: SqlParams | undefined, placement: Placement, operation?: string): Promise<Ran>;
  rows<T extends Row>(ran: Ran): Promise<T[]>;
}

/** Rows a FINISHED statement affected (DescribeStatement `ResultRows`; -1, meaning none, is 0). */
function affectedRows(description: DescribeStatementResponse): number {
  const rows = description.ResultRows ?? 0;
  return rows < 0 ? 0 : rows;
}

const LAST_COPY_COUNT = 'SELECT pg_last_copy_count() AS n';
const noop = (): void => undefined;

/**
 * One interactive transaction in a Data API session. Statements are queued and submitted one at
 * a time in call order; the session (and BEGIN) is opened with the first one.
 */
class RedshiftSessionTx implements WarehouseTx {
  private tail: Promise<void> = Promise.resolve();
  private sessionId: string | undefined;
  /** The first error of this transaction; once set, queued statements are not sent. */
  private failure: { error: unknown } | undefined;
  private closed = false;

  constructor(
    private readonly runner: StatementRunner,
    private readonly keepAliveSeconds: number,
    private readonly copyRole: { arn: string | undefined; source: string },
  ) {}

  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.enqueue(sql, async (sessionId) => {
      const ran = await this.runner.run(sql, params, { kind: 'session', sessionId });
      return ran.description.HasResultSet === false ? [] : this.runner.rows<T>(ran);
    });
  }

  execute(sql: string, params?: SqlParams): Promise<number> {
    return this.enqueue(sql, async (sessionId) => {
      const ran = await this.runner.run(sql, params, { kind: 'session', sessionId });
      return affectedRows(ran.description);
    });
  }

  copyCsvFile(table: string): Promise<number> {
    return Promise.reject(
      new WarehouseError(
        `redshift cannot load a local CSV file into ${table}: staging loads on Redshift use ` +
          "COPY … FROM 's3://…' IAM_ROLE … FORMAT AS PARQUET (copyParquetObject)",
        { context: { dialect: 'redshift', operation: 'copy', table } },
      ),
    );
  }

  /**
   * `COPY <table> FROM '<objectUrl>' IAM_ROLE '<copyRoleArn>' FORMAT AS PARQUET` in the session,
   * then `SELECT pg_last_copy_count()` in the same session. Everything is validated before
   * anything is queued (a refused COPY leaves the transaction usable).
   * @throws ConnectionConfigError when no copy role is configured; WarehouseError for an unsafe
   *   table, column or URL, or a failed COPY (with Redshift's error text).
   */
  copyParquetObject(table: string, columns: readonly string[], objectUrl: string): Promise<number> {
    let copy: string;
    try {
      if (this.copyRole.arn === undefined) {
        throw new ConnectionConfigError(
          `redshift COPY into ${table} needs an IAM role for S3: set ${this.copyRole.source}`,
          { context: { key: this.copyRole.source, operation: 'copy', table } },
        );
      }
      copy = copyParquetStatement(table, columns, objectUrl, this.copyRole.arn, this.copyRole.source);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(copy, async (sessionId) => {
      await this.runner.run(copy, undefined, { kind: 'session', sessionId }, 'copy');
      const ran = await this.runner.run(
        LAST_COPY_COUNT,
        undefined,
        { kind: 'session', sessionId },
        'copy count',
      );
      const [row] = await this.runner.rows<{ n: unknown }>(ran);
      const n = Number(row?.n);
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new WarehouseError(`redshift pg_last_copy_count() after COPY into ${table} returned no count`, {
          context: { dialect: 'redshift', operation: 'copy count', table },
        });
      }
      return n;
    });
  }

  /** Queue `task` behind the statements already submitted; it runs once they all finished. */
  private enqueue<T>(sql: string, task: (sessionId: string) => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new WarehouseError('redshift transaction is closed: a statement was issued after it ended', {
          context: contextOf({ operation: 'transaction', model: modelNameOf(sql), sql }),
        }),
      );
    }
    const run = this.tail.then(async () => {
      if (this.failure !== undefined) throw this.abortedError(sql);
      try {
        return await task(await this.session());
      } catch (error) {
        this.failure ??= { error };
        throw error;
      }
    });
    this.tail = run.then(noop, noop);
    return run;
  }

  private abortedError(sql: string): WarehouseError {
    const first = this.failure?.error;
    const why = first instanceof Error ? first.message : String(first);
    return new WarehouseError(
      `redshift transaction aborted by an earlier error (${why}); statement not sent`,
      {
        cause: first,
        context: contextOf({ operation: 'transaction', model: modelNameOf(sql), sql }),
      },
    );
  }

  /** The session of this transaction, opened by submitting BEGIN with the target on first use. */
  private async session(): Promise<string> {
    if (this.sessionId !== undefined) return this.sessionId;
    const ran = await this.runner.run(
      'BEGIN',
      undefined,
      { kind: 'open-session', keepAliveSeconds: this.keepAliveSeconds },
      'begin',
    );
    if (ran.sessionId === undefined) {
      throw new WarehouseError('redshift ExecuteStatement of BEGIN returned no SessionId', {
        context: contextOf(ran.site),
      });
    }
    this.sessionId = ran.sessionId;
    return ran.sessionId;
  }

  /** Refuse further statements and wait until the statement in flight (if any) has finished. */
  async settle(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  /** Mark the transaction failed by `error` so that queued statements are not sent. */
  abort(error: unknown): void {
    this.failure ??= { error };
  }

  /** COMMIT in the session; throws the transaction's first failure instead when there was one. */
  async commit(): Promise<void> {
    if (this.failure !== undefined) throw this.failure.error;
    if (this.sessionId === undefined) return; // nothing ran: there is nothing to commit
    await this.runner.run('COMMIT', undefined, { kind: 'session', sessionId: this.sessionId }, 'commit');
  }

  /** ROLLBACK in the session, best effort: resolves to the rollback's own error, if any. */
  async rollback(): Promise<unknown> {
    if (this.sessionId === undefined) return undefined;
    try {
      await this.runner.run(
        'ROLLBACK',
        undefined,
        { kind: 'session', sessionId: this.sessionId },
        'rollback',
      );
      return undefined;
    } catch (error) {
      return error;
    }
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
  private readonly keepAliveSeconds: number;
  private readonly copyRole: { arn: string | undefined; source: string };
  private readonly pollIntervalMs: number;
  private readonly deadlineMs: number;
  private readonly invocationDeadline: () => number | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly runner: StatementRunner;

  /**
   * @throws ConnectionConfigError unless exactly one of workgroupName/clusterIdentifier and a
   *   database are given, for a keep-alive outside 1…86,400 s, or for a `copyRoleArn` that is not
   *   an IAM role ARN (naming `copyRoleSource`).
   */
  constructor(options: RedshiftDataWarehouseOptions) {
    const { workgroupName, clusterIdentifier, database, secretArn, dbUser } = options;
    if ((workgroupName ? 1 : 0) + (clusterIdentifier ? 1 : 0) !== 1) {
      throw new ConnectionConfigError(
        'redshift-data needs exactly one of workgroupName or clusterIdentifier',
      );
    }
    if (!database) throw new ConnectionConfigError('redshift-data needs a database name');
    const keepAlive = options.sessionKeepAliveSeconds ?? DEFAULT_SESSION_KEEP_ALIVE_SECONDS;
    if (!Number.isInteger(keepAlive) || keepAlive < 1 || keepAlive > MAX_SESSION_KEEP_ALIVE_SECONDS) {
      throw new ConnectionConfigError(
        `redshift-data session keep-alive must be a whole number of seconds from 1 to ${MAX_SESSION_KEEP_ALIVE_SECONDS}`,
      );
    }
    const copyRoleSource = options.copyRoleSource ?? DEFAULT_COPY_ROLE_SOURCE;
    const copyRoleArn = options.copyRoleArn?.trim() || undefined;
    this.copyRole = {
      arn: copyRoleArn === undefined ? undefined : checkIamRoleArn(copyRoleArn, copyRoleSource),
      source: copyRoleSource,
    };
    this.target = {
      ...(workgroupName ? { WorkgroupName: workgroupName } : {}),
      ...(clusterIdentifier ? { ClusterIdentifier: clusterIdentifier } : {}),
      Database: database,
      ...(secretArn ? { SecretArn: secretArn } : {}),
      ...(dbUser ? { DbUser: dbUser } : {}),
    };
    this.keepAliveSeconds = keepAlive;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new RedshiftDataClient({});
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.invocationDeadline = options.invocationDeadline ?? (() => undefined);
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.runner = {
      run: (sql, params, placement, operation) => this.runStatement(sql, params, placement, operation),
      rows: (ran) => this.fetchRows(ran.id, ran.site),
    };
  }

  /**
   * A warehouse from a `redshift-data://` URL: `redshift-data://<workgroup>/<database>` (Serverless)
   * or `redshift-data://cluster:<id>/<database>` (provisioned), with optional `secretArn`, `dbUser`
   * (clusters) and `copyRoleArn` query parameters (see redshift-url.ts).
   * @throws ConnectionConfigError (naming RECON_WAREHOUSE_URL) for any other shape.
   */
  static fromUrl(url: string, options: RedshiftDataUrlOptions = {}): RedshiftDataWarehouse {
    return new RedshiftDataWarehouse({
      ...options,
      ...parseRedshiftDataUrl(url),
      copyRoleSource: URL_COPY_ROLE_SOURCE,
    });
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const ran = await this.runStatement(sql, params, { kind: 'standalone' });
    if (ran.description.HasResultSet === false) return [];
    return this.fetchRows<T>(ran.id, ran.site);
  }

  async execute(sql: string, params?: SqlParams): Promise<number> {
    return affectedRows((await this.runStatement(sql, params, { kind: 'standalone' })).description);
  }

  /**
   * Run `fn` as one interactive transaction in a Data API session (see the module comment):
   * BEGIN (with the first statement), `fn`'s statements one at a time, COMMIT. When `fn` throws
   * or any statement fails, ROLLBACK is sent (best effort) and the original error rethrown.
   * @throws the error of `fn` or of the first failed statement (typed, naming its SQL model); a
   *   WarehouseError/WarehouseTransientError when COMMIT fails.
   */
  async transaction<T>(fn: (tx: WarehouseTx) => Promise<T>): Promise<T> {
    const tx = new RedshiftSessionTx(this.runner, this.keepAliveSeconds, this.copyRole);
    try {
      const result = await fn(tx);
      // Statements `fn` issued without awaiting them finish before COMMIT is considered.
      await tx.settle();
      await tx.commit();
      return result;
    } catch (error) {
      tx.abort(error);
      // A session runs one statement at a time: ROLLBACK waits for the one in flight.
      await tx.settle();
      const rollbackError = await tx.rollback();
      if (rollbackError !== undefined && error instanceof ReconError) {
        error.context['rollbackError'] =
          rollbackError instanceof Error ? rollbackError.message : String(rollbackError);
      }
      throw error;
    }
  }

  /** Destroys the client when this adapter created it (a passed-in client is left alone). */
  close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
    return Promise.resolve();
  }

  private async runStatement(
    sql: string,
    params: SqlParams | undefined,
    placement: Placement,
    operation = 'statement',
  ): Promise<Ran> {
    const model = modelNameOf(sql);
    const base: Site = { operation, sql, ...(model !== undefined ? { model } : {}) };
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
    const bound = statement.parameters.length > 0 ? { Parameters: statement.parameters } : {};
    let input: ExecuteStatementInput;
    if (placement.kind === 'session') {
      // The session fixes target and credentials: only the SessionId goes with the statement.
      input = { Sql: statement.sql, ...bound, SessionId: placement.sessionId };
    } else if (placement.kind === 'open-session') {
      input = {
        ...this.target,
        Sql: statement.sql,
        ...bound,
        SessionKeepAliveSeconds: placement.keepAliveSeconds,
      };
    } else {
      input = { ...this.target, Sql: statement.sql, ...bound };
    }
    const site: Site = { ...base, sql: statement.sql };
    const started = this.now();
    // A failed transaction's ROLLBACK is sent whatever the time: it is what releases the locks.
    const stopBy = operation === 'rollback' ? undefined : this.invocationDeadline();
    if (stopBy !== undefined && started >= stopBy) {
      throw new WarehouseTransientError(
        `redshift statement${inModel(model)} not sent: the invocation's time for warehouse statements ran out ${started - stopBy} ms ago`,
        { context: contextOf(site) },
      );
    }
    const submitted = await this.send(() => this.client.send(new ExecuteStatementCommand(input)), site);
    const id = submitted.Id;
    if (!id)
      throw new WarehouseError('redshift ExecuteStatement returned no statement id', {
        context: contextOf(site),
      });
    const withId: Site = { ...site, statementId: id };
    const description = await this.waitFor(id, started, withId, stopBy);
    if (description.Status !== 'FINISHED') {
      throw statementFailure(description.Status ?? 'FAILED', description.Error, withId, operation);
    }
    const sessionId = submitted.SessionId ?? (placement.kind === 'session' ? placement.sessionId : undefined);
    return { id, description, site: withId, sessionId };
  }

  /**
   * Poll DescribeStatement with backoff until a terminal status, the statement's deadline or the
   * invocation's (`stopBy`), whichever comes first.
   */
  private async waitFor(
    id: string,
    started: number,
    site: Site,
    stopBy: number | undefined,
  ): Promise<DescribeStatementResponse> {
    const own = started + this.deadlineMs;
    const limit = stopBy === undefined ? own : Math.min(own, stopBy);
    let delay = this.pollIntervalMs;
    for (;;) {
      const description = await this.send(() => this.client.send(new DescribeStatementCommand({ Id: id })), {
        ...site,
        operation: `${site.operation} status`,
      });
      const status = description.Status;
      if (status === 'FINISHED' || status === 'FAILED' || status === 'ABORTED') return description;
      const at = this.now();
      if (at >= limit) {
        // Best effort: a retry must not race the statement that is still running.
        try {
          await this.client.send(new CancelStatementCommand({ Id: id }));
        } catch {
          // The deadline error below is what matters.
        }
        const within =
          limit < own
            ? `before the invocation's time for warehouse statements ran out (after ${at - started} ms)`
            : `within ${this.deadlineMs} ms`;
        throw new WarehouseTransientError(
          `redshift statement ${id}${inModel(site.model)} did not finish ${within} (last status ${status ?? 'unknown'}); cancelled`,
          { context: contextOf(site, { status }) },
        );
      }
      await this.sleep(Math.min(delay, limit - at));
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
