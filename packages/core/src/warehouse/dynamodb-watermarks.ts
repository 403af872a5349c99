/**
 * Extraction high-watermarks in DynamoDB (seed §9.3): the AWS implementation of
 * {@link WatermarkStore}. Table `recon-etl-watermarks`, partition key `source_name` (S), sort key
 * `table_name` (S); attributes `last_extracted_at` (S, UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'),
 * `last_run_id` (S), `row_count` (N, exact integer text) and `updated_at` (S, UTC text).
 *
 * `advance` is one conditional UpdateItem — it writes only if no watermark is stored or the stored
 * one is older — so concurrent runs can never move a watermark backwards or sideways. The stored
 * timestamp text is canonical (fraction without trailing zeros, as PostgreSQL prints it), which
 * makes DynamoDB's string `<` the same order as time.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { WarehouseError, WarehouseTransientError } from '../errors.ts';
import { dateToUtcText } from './values.ts';
import type { Watermark, WatermarkStore } from './watermarks.ts';

/** Default table name (seed §9.3). */
export const WATERMARKS_TABLE = 'recon-etl-watermarks';

/** The one thing used of the DynamoDB client (a real `DynamoDBClient` satisfies it). */
export type DynamoDbSender = Pick<DynamoDBClient, 'send'>;

/** How to reach the watermark table. */
export interface DynamoDbWatermarkStoreOptions {
  /** Default `new DynamoDBClient({})` (region and credentials from the environment / role). */
  client?: DynamoDbSender;
  /** Default {@link WATERMARKS_TABLE}. */
  tableName?: string;
  /** Clock for `updated_at`; default the system clock. */
  now?: () => Date;
}

type Item = Record<string, AttributeValue>;

const TIMESTAMP_TEXT = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;
const ROW_COUNT = /^(0|[1-9]\d*)$/;

/** The condition that makes `advance` monotonic (string order = time order for canonical text). */
export const ADVANCE_CONDITION = 'attribute_not_exists(last_extracted_at) OR last_extracted_at < :to';
/** What `advance` writes. */
export const ADVANCE_UPDATE =
  'SET last_extracted_at = :to, last_run_id = :run_id, row_count = :row_count, updated_at = :updated_at';

/**
 * Canonical watermark text: 'YYYY-MM-DD HH:MM:SS' plus the fraction without trailing zeros (none
 * when it is zero). For such strings lexicographic order equals chronological order.
 * @throws RangeError when `to` is not 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
 */
export function canonicalWatermark(to: string): string {
  const m = TIMESTAMP_TEXT.exec(to);
  if (m === null) throw new RangeError(`watermark must be 'YYYY-MM-DD HH:MM:SS[.ffffff]', got ${to}`);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? (m[1] as string) : `${m[1]}.${fraction}`;
}

function rowCountText(rowCount: number | bigint | string): string {
  if (typeof rowCount === 'number' && !Number.isSafeInteger(rowCount)) {
    throw new RangeError(`row count must be a safe integer, got ${rowCount}`);
  }
  const text = typeof rowCount === 'string' ? rowCount : rowCount.toString();
  if (!ROW_COUNT.test(text)) throw new RangeError(`row count must be a non-negative integer, got ${text}`);
  return text;
}

const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Whether a DynamoDB failure is worth retrying: throttling, 5xx, timeouts, dropped connections. */
export function isTransientDynamoDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & {
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  return (
    TRANSIENT_NAMES.has(e.name) ||
    (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) ||
    (status !== undefined && status >= 500) ||
    e.$retryable !== undefined
  );
}

function text(item: Item, name: string, type: 'S' | 'N'): string {
  const value = item[name];
  const v = value === undefined ? undefined : type === 'S' ? value.S : value.N;
  if (v === undefined)
    throw new WarehouseError(`watermark item lacks ${name} (${type})`, { context: { item } });
  return v;
}

function toWatermark(item: Item): Watermark {
  return {
    source: text(item, 'source_name', 'S'),
    table: text(item, 'table_name', 'S'),
    lastExtractedAt: text(item, 'last_extracted_at', 'S'),
    lastRunId: text(item, 'last_run_id', 'S'),
    rowCount: text(item, 'row_count', 'N'),
    updatedAt: text(item, 'updated_at', 'S'),
  };
}

/** {@link WatermarkStore} over the DynamoDB table `recon-etl-watermarks`. */
export class DynamoDbWatermarkStore implements WatermarkStore {
  readonly tableName: string;
  private readonly client: DynamoDbSender;
  private readonly now: () => Date;

  constructor(options: DynamoDbWatermarkStoreOptions = {}) {
    this.client = options.client ?? new DynamoDBClient({});
    this.tableName = options.tableName ?? WATERMARKS_TABLE;
    this.now = options.now ?? (() => new Date());
  }

  private failure(operation: string, error: unknown, what: string): Error {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const message = `DynamoDB ${operation} of ${what} in ${this.tableName} failed: ${reason}`;
    const options = { cause: error, context: { operation, table: this.tableName } };
    return isTransientDynamoDbError(error)
      ? new WarehouseTransientError(message, options)
      : new WarehouseError(message, options);
  }

  private key(source: string, table: string): Item {
    return { source_name: { S: source }, table_name: { S: table } };
  }

  /** GetItem (strongly consistent, so a just-advanced watermark is seen). */
  async get(source: string, table: string): Promise<Watermark | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: this.key(source, table), ConsistentRead: true }),
      );
      return out.Item === undefined ? undefined : toWatermark(out.Item);
    } catch (error) {
      if (error instanceof WarehouseError) throw error;
      throw this.failure('GetItem', error, `watermark ${source}.${table}`);
    }
  }

  /** Scan every page (the table holds one item per source table), ordered by source then table. */
  async getAll(): Promise<Watermark[]> {
    const out: Watermark[] = [];
    let start: Item | undefined;
    do {
      let page: ScanCommandOutput;
      try {
        page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
      } catch (error) {
        throw this.failure('Scan', error, 'all watermarks');
      }
      for (const item of page.Items ?? []) out.push(toWatermark(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return out.sort((a, b) => cmp(a.source, b.source) || cmp(a.table, b.table));
  }

  /**
   * One conditional UpdateItem: creates the item or moves it forward to `to`. A failed condition
   * (the stored watermark is not older) is "did not move", never an error.
   * @returns whether it moved.
   * @throws RangeError for a malformed `to` or row count; WarehouseTransientError when throttled
   *   or on a 5xx; WarehouseError otherwise.
   */
  async advance(
    source: string,
    table: string,
    to: string,
    runId: string,
    rowCount: number | bigint | string,
  ): Promise<boolean> {
    const values: Item = {
      ':to': { S: canonicalWatermark(to) },
      ':run_id': { S: runId },
      ':row_count': { N: rowCountText(rowCount) },
      ':updated_at': { S: dateToUtcText(this.now()) },
    };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(source, table),
          UpdateExpression: ADVANCE_UPDATE,
          ConditionExpression: ADVANCE_CONDITION,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw this.failure('UpdateItem', error, `watermark ${source}.${table}`);
    }
  }
}
