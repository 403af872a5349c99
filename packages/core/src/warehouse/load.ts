/**
 * Loading staging files into the warehouse staging tables (SPEC §4 step 2) and recording
 * dead letters. Both run inside the caller's transaction, so a load and the watermark advance
 * that follows it can commit together.
 *
 * A table's incoming rows arrive in one of two forms, by what the warehouse can do
 * (`dialect.supportsLocalCopy`): a local CSV file that the process streams in (`copyCsvFile`,
 * PostgreSQL/PGlite), or one Parquet object in S3 that the warehouse reads itself (`COPY … FROM
 * 's3://…' FORMAT AS PARQUET`, `copyParquetObject`, Redshift). Either fills the same temporary
 * table; the merge that follows is the same SQL.
 */
import { registerModel } from '@recon/sql';
import type { SourceTableSpec } from '../sources/spec.ts';
import { checkS3ObjectUrl } from './copy-source.ts';
import { modelSteps } from './model.ts';
import type { SqlExecutor, WarehouseTx } from './types.ts';
import { dateToUtcText } from './values.ts';

/** The merge model. */
export const MERGE_STAGING_MODEL = 'staging/merge_staging.sql';
/** The dead-letter model. */
export const INSERT_DEAD_LETTERS_MODEL = 'staging/insert_dead_letters.sql';

/** Name of the trailing column (CSV or Parquet) flagging tombstones. */
export const DELETED_COLUMN = '_deleted';

/**
 * Where a table's incoming rows are: a local CSV file (a plain string is read as one), or a
 * Parquet object the warehouse COPYs from S3. Either holds the staging columns in
 * `spec.staging.columns` order, then `_deleted`.
 */
export type StagingLoadSource =
  | string
  | { readonly kind: 'csv'; readonly path: string }
  | { readonly kind: 'parquet'; readonly objectUrl: string };

/** What {@link loadStagingTable} did. */
export interface LoadResult {
  /** Rows in the load file (all versions, tombstones included). */
  incoming: number;
  /** Rows inserted or replaced with a newer (or equal) version. */
  upserted: number;
  /** Stored rows removed by a tombstone. */
  deleted: number;
  /** Incoming keys (latest version per key) skipped because the stored version is newer. */
  staleSkipped: number;
  /** Incoming live rows (all versions; DQ-05's denominator). */
  incomingLive: number;
  /** Keys extracted more than once with different content at the same version (DQ-05). */
  pkConflicts: number;
}

async function count(tx: SqlExecutor, sql: string, params?: Record<string, unknown>): Promise<number> {
  const rows = await tx.query<{ n: string | number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Merge one staging load file into `recon.<spec.staging.name>`: columns in `spec.staging.columns`
 * order then `_deleted` (true for a tombstone, which fills only the key and version). A CSV path
 * is loaded with `copyCsvFile`, a Parquet object URL with `copyParquetObject` (its URL is checked
 * before anything is sent). The latest version per key wins (a tombstone wins a version tie);
 * stored rows with an older or equal version are replaced or, for tombstones, deleted; stored rows
 * with a newer version are kept. Loading the same file twice leaves the table as loading it once.
 * Runs in the caller's transaction and drops its temporary tables before returning.
 * @throws WarehouseError for a Parquet URL that is not a safe `s3://bucket/key` (nothing sent).
 */
export async function loadStagingTable(
  tx: WarehouseTx,
  spec: SourceTableSpec,
  source: StagingLoadSource,
): Promise<LoadResult> {
  const from = typeof source === 'string' ? ({ kind: 'csv', path: source } as const) : source;
  if (from.kind === 'parquet') checkS3ObjectUrl(from.objectUrl);
  const staging = spec.staging;
  const columns = staging.columns.map((c) => c.name);
  const vars = {
    target: `recon.${staging.name}`,
    target_name: staging.name,
    incoming: `tmp_${staging.name}_incoming`,
    latest: `tmp_${staging.name}_latest`,
    pk: staging.primaryKey,
    version: staging.versionColumn,
    columns,
  };
  const s = modelSteps(MERGE_STAGING_MODEL, vars);
  await tx.execute(s('create_incoming'));
  // create_incoming makes the table's columns exactly these, in this order: what the Parquet COPY,
  // which matches columns by position, relies on.
  const loadColumns = [...columns, DELETED_COLUMN];
  const incoming =
    from.kind === 'csv'
      ? await tx.copyCsvFile(vars.incoming, loadColumns, from.path)
      : await tx.copyParquetObject(vars.incoming, loadColumns, from.objectUrl);
  const incomingLive = await count(tx, s('count_incoming_live'));
  const pkConflicts = await count(tx, s('count_pk_conflicts'));
  await tx.execute(s('create_latest'));
  const params = { tableName: staging.name };
  const staleSkipped = await count(tx, s('count_stale'), params);
  await tx.execute(s('drop_superseded'), params);
  const deleted = await count(tx, s('count_deleted'));
  await tx.execute(s('forget_tombstones'), params);
  await tx.execute(s('delete_replaced'));
  const upserted = await tx.execute(s('insert_latest'));
  await tx.execute(s('record_tombstones'), params);
  await tx.execute(s('drop_latest'));
  await tx.execute(s('drop_incoming'));
  return { incoming, upserted, deleted, staleSkipped, incomingLive, pkConflicts };
}

/** One row that could not be standardized (SPEC §4 step 1). */
export interface DeadLetterRow {
  runId: string;
  /** Business date of the run, 'YYYY-MM-DD'. */
  reconDate: string;
  sourceName: string;
  tableName: string;
  /** The source primary key as text; null when it could not be read. */
  sourcePk: string | null;
  /** The source watermark value 'YYYY-MM-DD HH:MM:SS[.ffffff]'; null when unreadable. */
  sourceVersion: string | null;
  reason: string;
  /** The raw source row as text (JSON); truncated to 65,535 bytes. */
  rawRow: string;
  /** When it was dead-lettered, 'YYYY-MM-DD HH:MM:SS[.ffffff]' UTC (default: the insert time). */
  createdAt?: string;
}

/** The temp table dead letters are offered through (staging/insert_dead_letters.sql `{{incoming}}`). */
const DEAD_LETTERS_INCOMING = 'tmp_dwd_recon_dead_letter_incoming';

const DEAD_LETTER_COLUMNS = [
  'run_id',
  'recon_date',
  'source_name',
  'table_name',
  'source_pk',
  'source_version',
  'reason',
  'raw_row',
  'created_at',
] as const;

/**
 * Delete the dead letters stored more than `retentionDays` days ago (warehouse clock), in the
 * caller's transaction. @returns how many were deleted.
 */
export async function purgeExpiredDeadLetters(tx: WarehouseTx, retentionDays: number): Promise<number> {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError(`retentionDays must be a whole number of days ≥ 1, got ${retentionDays}`);
  }
  return tx.execute(
    modelSteps(INSERT_DEAD_LETTERS_MODEL, { incoming: DEAD_LETTERS_INCOMING })('purge_expired'),
    {
      retentionDays: String(retentionDays),
    },
  );
}

/** Truncate to at most `maxBytes` UTF-8 bytes without splitting a character (Redshift VARCHAR is bytes). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/**
 * Insert dead letters whose identity — (table_name, source_pk, source_version, reason), NULLs
 * equal, plus raw_row when source_pk is NULL — is not stored yet, so reruns add nothing.
 * Values are bound, in batches of `batchSize` rows (default 500). Runs in the caller's transaction.
 * @returns the number of rows inserted.
 */
export async function insertDeadLetters(
  tx: WarehouseTx,
  rows: readonly DeadLetterRow[],
  options: { batchSize?: number; now?: () => Date } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const insertTime = dateToUtcText((options.now ?? (() => new Date()))());
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 5000));
  const incoming = DEAD_LETTERS_INCOMING;
  const s = modelSteps(INSERT_DEAD_LETTERS_MODEL, { incoming });
  await tx.execute(s('create_incoming'));
  const width = DEAD_LETTER_COLUMNS.length;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const values: unknown[] = [];
    const tuples = batch.map((row, i) => {
      values.push(
        row.runId,
        row.reconDate,
        row.sourceName,
        row.tableName,
        row.sourcePk === null ? null : truncateUtf8(row.sourcePk, 64),
        row.sourceVersion,
        truncateUtf8(row.reason, 512),
        truncateUtf8(row.rawRow, 65535),
        row.createdAt ?? insertTime,
      );
      const base = i * width;
      return `(${DEAD_LETTER_COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`;
    });
    const insert = `INSERT INTO ${incoming} (${DEAD_LETTER_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
    registerModel(insert, INSERT_DEAD_LETTERS_MODEL);
    await tx.execute(insert, values);
  }
  const inserted = await tx.execute(s('insert_new'));
  await tx.execute(s('drop_incoming'));
  return inserted;
}
