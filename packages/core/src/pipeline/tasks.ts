/**
 * The pipeline's task logic. Each function is the whole of one Task state; the Lambda handlers
 * and the local runner are thin shells over these.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../errors.ts';
import { SOURCE_TABLES, type SourceId, type SourceTableSpec, sourceTable } from '../sources/spec.ts';
import type { Partition } from '../sources/types.ts';
import { csvLineEncoder, quoteCsv } from '../staging/csv.ts';
import {
  csvToParquet,
  type DuckColumn,
  duckIdent,
  duckType,
  readParquet,
  selectToCsv,
  selectToParquet,
} from '../staging/duck.ts';
import { Standardizer } from '../standardize/standardize.ts';
import {
  addDays,
  type BusinessCalendar,
  dateRange,
  formatTimestamp,
  isValidDate,
  parseSourceTimestamp,
} from '../time.ts';
import { checkS3ObjectUrl } from '../warehouse/copy-source.ts';
import {
  DELETED_COLUMN,
  type DeadLetterRow,
  insertDeadLetters,
  purgeExpiredDeadLetters,
  loadStagingTable,
  type StagingLoadSource,
  truncateUtf8,
} from '../warehouse/load.ts';
import { modelSteps } from '../warehouse/model.ts';
import { Decimal } from 'decimal.js';
import { detectAnomalies } from '../anomalies/detect.ts';
import { applyCandidates } from '../anomalies/lifecycle.ts';
import type { ApplyResult, ScanParams } from '../anomalies/types.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import { POST_CHECK_IDS, PRE_CHECK_IDS, runPostChecks, runPreChecks, saveResults } from '../dq/checks.ts';
import type { DqContext, DqResult } from '../dq/types.ts';
import { loadFacts } from '../reconcile/facts.ts';
import { runMatching } from '../reconcile/match.ts';
import { levelSummaries } from '../reconcile/summary.ts';
import type { Level, LevelSummary } from '../reconcile/types.ts';
import { sendRunAlerts } from '../alerts/send.ts';
import { type RefreshOutcome, refreshReportingViews } from '../reporting/refresh.ts';
import type { Runtime } from './runtime.ts';
import { releaseRunLease } from './lease.ts';
import { RUN_ID_RE } from './run-id.ts';

export interface RunInput {
  runId: string;
  reconDate: string;
  /** ISO-8601 instant; nothing updated at or after it is read. */
  asOf: string;
}

export interface TableWindow {
  source: SourceId;
  table: string;
  from: string;
  to: string;
  /** True when no watermark existed (first run for this table). */
  initial: boolean;
}

export interface Plan {
  runId: string;
  reconDate: string;
  asOf: string;
  windows: TableWindow[];
  partitions: Partition[];
  startedAt: string;
  finishedAt: string;
}

export interface PartitionResult {
  partition: Partition;
  table: string;
  stagingTable: string;
  rowsRead: number;
  rowsStaged: number;
  softDeleted: number;
  nonUsd: number;
  deadLettered: number;
  dataKey: string | null;
  deletesKey: string | null;
  deadLetterKey: string | null;
  /** Seconds spent reading and standardizing, converting to Parquet, and storing the files. */
  seconds: { read: number; convert: number; store: number };
  startedAt: string;
  finishedAt: string;
}

export interface TableLoadResult {
  table: string;
  stagingTable: string;
  incoming: number;
  upserted: number;
  deleted: number;
  staleSkipped: number;
  /** Live rows the run extracted for the table, all versions (DQ-05's denominator). */
  incomingLive: number;
  /** Keys extracted twice with different content at the same version (DQ-05). */
  pkConflicts: number;
}

export interface LoadResult {
  tables: TableLoadResult[];
  deadLettersInserted: number;
  /** Dead letters older than `deadLetterRetentionDays` deleted by this load. */
  deadLettersPurged: number;
  /** Seconds spent preparing the load files, in the load transaction, and refreshing statistics. */
  seconds: { prepare: number; merge: number; analyze: number };
  startedAt: string;
  finishedAt: string;
}

/** Seconds since `start` (a `performance.now()` reading). */
function elapsed(start: number): number {
  return (performance.now() - start) / 1000;
}

function check(input: RunInput): { asOfMs: number } {
  if (!RUN_ID_RE.test(input.runId)) throw new PipelineError(`invalid run id "${input.runId}"`);
  if (!isValidDate(input.reconDate)) throw new PipelineError(`invalid recon date "${input.reconDate}"`);
  const asOfMs = Date.parse(input.asOf);
  if (Number.isNaN(asOfMs)) throw new PipelineError(`invalid as-of "${input.asOf}"`);
  return { asOfMs };
}

const now = () => new Date().toISOString();

/**
 * Serialize the pipeline's writing transactions across executions (see ddl/017_pipeline_lock.sql):
 * the first statement of the load, the matching and the anomaly scan.
 */
async function lockPipeline(tx: SqlExecutor): Promise<void> {
  await tx.execute(modelSteps('runs/pipeline_lock.sql')('lock'));
}

/**
 * Most partitions one run may plan. Every partition's result travels in the execution's state up
 * to RecordRun, and Step Functions caps a state at 256 KB (~700 bytes per partition result).
 */
export const MAX_PARTITIONS = 200;

/** How far in the future an as-of may be (clock skew between machines). */
export const AS_OF_MAX_SKEW_MS = 5 * 60_000;

/**
 * Why a run request is refused, or null when it is fine: the as-of may not be in the future (a
 * watermark moved past "now" would skip rows written until then), and the business date may not
 * be after the as-of's business date.
 */
export function runRequestProblem(
  reconDate: string,
  asOfMs: number,
  calendar: BusinessCalendar,
  nowMs: number = Date.now(),
): string | null {
  if (asOfMs > nowMs + AS_OF_MAX_SKEW_MS) {
    return `as-of ${new Date(asOfMs).toISOString()} is in the future; nothing after now can have been read`;
  }
  const asOfDate = calendar.dateOf(asOfMs);
  if (reconDate > asOfDate) {
    return `business date ${reconDate} has not started by the as-of instant (its business date is ${asOfDate})`;
  }
  return null;
}

/**
 * Plan the extraction: for each table, the window [watermark − overlap, as-of) — or, on the
 * first run, [start of (D − extractionLookbackDays), as-of) — split into slices of
 * `extractionSliceHours`. Each table's first slice also reads its rows with an invalid (NULL,
 * zero or pre-1970) watermark, which standardization dead-letters.
 */
export async function planExtraction(rt: Runtime, input: RunInput): Promise<Plan> {
  const startedAt = now();
  const { asOfMs } = check(input);
  const { settings, calendar } = rt;
  const problem = runRequestProblem(input.reconDate, asOfMs, calendar);
  if (problem) throw new PipelineError(problem);
  const marks = await rt.watermarks.getAll();
  const overlapMs = settings.extractionOverlapMinutes * 60_000;
  const sliceMs = settings.extractionSliceHours * 3_600_000;
  const initialFrom = calendar.startOf(addDays(input.reconDate, -settings.extractionLookbackDays));
  const to = Math.floor(asOfMs / 1000) * 1000;
  const windows: TableWindow[] = [];
  const partitions: Partition[] = [];
  /** Length of each window that is read (stale ones are not), to size slices when the plan is too big. */
  const spans: number[] = [];
  for (const spec of SOURCE_TABLES) {
    const mark = marks.find((m) => m.source === spec.source && m.table === spec.table);
    const markMs = mark ? parseSourceTimestamp(mark.lastExtractedAt) : null;
    // Append-only tables are watermarked on create_time, which a soft delete (or a row written
    // long after its create_time) does not move: re-read the whole look-back window for them.
    const from =
      markMs === null
        ? initialFrom
        : spec.appendOnly
          ? Math.min(markMs - overlapMs, initialFrom)
          : markMs - overlapMs;
    // A run whose as-of is not past the watermark has nothing new to read: what it could read
    // was already read at a later instant, and reading it again would only bring older versions.
    const stale = markMs !== null && to <= markMs;
    windows.push({
      source: spec.source,
      table: spec.table,
      from: formatTimestamp(from),
      to: formatTimestamp(to),
      initial: markMs === null,
    });
    if (!stale && to > from) spans.push(to - from);
    for (let start = from; !stale && start < to; start += sliceMs) {
      partitions.push({
        source: spec.source,
        table: spec.table,
        from: formatTimestamp(start),
        to: formatTimestamp(Math.min(start + sliceMs, to)),
        index: partitions.length,
        // No window holds a NULL, zero or pre-1970 watermark: the table's first partition also
        // reads those rows, so they are dead-lettered (and counted) instead of never seen.
        ...(start === from ? { invalidWatermarks: true } : {}),
      });
    }
  }
  if (partitions.length > MAX_PARTITIONS) {
    let hours = rt.settings.extractionSliceHours;
    while (spans.reduce((n, span) => n + Math.ceil(span / (hours * 3_600_000)), 0) > MAX_PARTITIONS) hours++;
    throw new PipelineError(
      `the extraction plan has ${partitions.length} partitions, more than ${MAX_PARTITIONS} (each one's result ` +
        `travels in the execution state, which Step Functions limits to 256 KB): set extractionSliceHours to ` +
        `${hours} or more for this run`,
    );
  }
  return { ...input, windows, partitions, startedAt, finishedAt: now() };
}

function stagingKeys(spec: SourceTableSpec, input: { runId: string; reconDate: string }, index: number) {
  const part = `part-${input.runId}-${String(index).padStart(5, '0')}`;
  return {
    data: `${spec.staging.name}/dt=${input.reconDate}/${part}.parquet`,
    deletes: `deletes/${spec.staging.name}/dt=${input.reconDate}/${part}.parquet`,
    deadLetters: `dead-letter/dt=${input.reconDate}/${spec.table}-${part}.jsonl`,
  };
}

/** Columns of a tombstone file: primary key, version, reason. */
const TOMBSTONE_COLUMNS: readonly DuckColumn[] = [
  { name: 'pk', kind: 'bigint', sqlType: 'BIGINT' },
  { name: 'version', kind: 'timestamp', sqlType: 'TIMESTAMP' },
  { name: 'reason', kind: 'text', sqlType: 'VARCHAR(32)' },
];

/** Write text to a stream, honouring backpressure. */
async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function finish(stream: NodeJS.WritableStream & { close?: unknown }): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * Extract one partition: stream its rows, standardize them, write staging Parquet (rows and
 * tombstones) and dead letters to the staging area. Memory is bounded by the reader's batch size.
 */
export async function extractPartition(
  rt: Runtime,
  input: { runId: string; reconDate: string; partition: Partition },
): Promise<PartitionResult> {
  const startedAt = now();
  const { partition } = input;
  const spec = sourceTable(partition.table);
  if (spec.source !== partition.source) {
    throw new PipelineError(
      `partition names table ${partition.table} of source ${spec.source}, not ${partition.source}`,
    );
  }
  const started = performance.now();
  const standardizer = new Standardizer(spec, rt.calendar);
  const encode = csvLineEncoder(spec.staging.columns);
  const dir = await mkdtemp(join(rt.tmpDir, `x-${spec.table}-`));
  const keys = stagingKeys(spec, input, partition.index);
  const counts = { rowsRead: 0, rowsStaged: 0, softDeleted: 0, nonUsd: 0, deadLettered: 0 };
  let tombstones = 0;
  try {
    const rowsCsv = createWriteStream(join(dir, 'rows.csv'));
    const delCsv = createWriteStream(join(dir, 'deletes.csv'));
    const dlJson = createWriteStream(join(dir, 'dead.jsonl'));
    try {
      const reader = rt.reader(partition.source);
      for await (const batch of reader.readPartition(spec, partition, { batchSize: rt.batchSize })) {
        let rows = '';
        let dels = '';
        let dead = '';
        for (const raw of batch) {
          counts.rowsRead++;
          const r = standardizer.standardize(raw);
          if (r.kind === 'row') {
            counts.rowsStaged++;
            rows += encode(r.values);
          } else if (r.kind === 'tombstone') {
            tombstones++;
            if (r.reason === 'SOFT_DELETED') counts.softDeleted++;
            else counts.nonUsd++;
            dels += `${r.pk},${r.version},${quoteCsv(r.reason)}\n`;
          } else {
            counts.deadLettered++;
            // A row whose newest version cannot be standardized must not leave an older version
            // standing in staging: it is removed exactly as a fresh extraction would leave it.
            if (r.pk !== null && r.version !== null && /^\d{1,19}$/.test(r.pk)) {
              tombstones++;
              dels += `${r.pk},${r.version},${quoteCsv('DEAD_LETTERED')}\n`;
            }
            const record: DeadLetterRow = {
              runId: input.runId,
              reconDate: input.reconDate,
              sourceName: spec.source,
              tableName: spec.table,
              sourcePk: r.pk,
              sourceVersion: r.version,
              reason: r.reason,
              rawRow: JSON.stringify(
                Object.fromEntries(
                  spec.columns.map((c, i) => {
                    const v = raw[i];
                    return [c.name, typeof v === 'bigint' ? v.toString() : (v ?? null)];
                  }),
                ),
              ),
            };
            dead += `${JSON.stringify(record)}\n`;
          }
        }
        if (rows) await write(rowsCsv, rows);
        if (dels) await write(delCsv, dels);
        if (dead) await write(dlJson, dead);
      }
    } finally {
      await Promise.all([finish(rowsCsv), finish(delCsv), finish(dlJson)]);
    }
    const deletes = tombstones;
    const seconds = { read: elapsed(started), convert: 0, store: 0 };
    const timed = async (part: 'convert' | 'store', step: () => Promise<void>) => {
      const t = performance.now();
      await step();
      seconds[part] += elapsed(t);
    };
    if (counts.rowsStaged > 0) {
      await timed('convert', () =>
        csvToParquet(join(dir, 'rows.csv'), join(dir, 'rows.parquet'), spec.staging.columns),
      );
      await timed('store', () => rt.staging.putFile(keys.data, join(dir, 'rows.parquet')));
    }
    if (deletes > 0) {
      await timed('convert', () =>
        csvToParquet(join(dir, 'deletes.csv'), join(dir, 'deletes.parquet'), TOMBSTONE_COLUMNS),
      );
      await timed('store', () => rt.staging.putFile(keys.deletes, join(dir, 'deletes.parquet')));
    }
    if (counts.deadLettered > 0) {
      await timed('store', () => rt.staging.putFile(keys.deadLetters, join(dir, 'dead.jsonl')));
    }
    return {
      partition,
      table: spec.table,
      stagingTable: spec.staging.name,
      ...counts,
      dataKey: counts.rowsStaged > 0 ? keys.data : null,
      deletesKey: deletes > 0 ? keys.deletes : null,
      deadLetterKey: counts.deadLettered > 0 ? keys.deadLetters : null,
      seconds,
      startedAt,
      finishedAt: now(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The DuckDB projection turning row files and tombstone files into one table's load file. */
function loadSelect(
  spec: SourceTableSpec,
  hasRows: boolean,
  hasDeletes: boolean,
  rowFiles: string,
  delFiles: string,
) {
  const cols = spec.staging.columns;
  const parts: string[] = [];
  if (hasRows) {
    parts.push(`SELECT ${cols.map((c) => duckIdent(c.name)).join(', ')}, false AS _deleted FROM ${rowFiles}`);
  }
  if (hasDeletes) {
    const projection = cols.map((c) => {
      if (c.name === spec.staging.primaryKey) return `pk AS ${duckIdent(c.name)}`;
      if (c.name === spec.staging.versionColumn) return `version AS ${duckIdent(c.name)}`;
      return `CAST(NULL AS ${duckType(c)}) AS ${duckIdent(c.name)}`;
    });
    parts.push(`SELECT ${projection.join(', ')}, true AS _deleted FROM ${delFiles}`);
  }
  return parts.join(' UNION ALL ');
}

/** Columns of a table's load file: the staging columns, then the tombstone flag. */
function loadFileColumns(spec: SourceTableSpec): DuckColumn[] {
  return [...spec.staging.columns, { name: DELETED_COLUMN, kind: 'boolean', sqlType: 'BOOLEAN' }];
}

/**
 * Staging-store key of a table's merged load file for a warehouse that COPYs from S3:
 * `load/dt=<business date>/run=<run id>/<staging table>.parquet` (beside the `dt=` layout of the
 * extracted files). Run-scoped and deterministic, so a redrive of the same run rewrites the same
 * object before COPYing it and two runs never share one.
 */
function loadObjectKey(spec: SourceTableSpec, input: { runId: string; reconDate: string }): string {
  return `load/dt=${input.reconDate}/run=${input.runId}/${spec.staging.name}.parquet`;
}

/**
 * Load this run's staging files into the warehouse staging tables by primary key (latest version
 * wins) and record dead letters — all in ONE transaction: either everything is visible or nothing.
 *
 * Each table's row and tombstone Parquet files are merged by DuckDB into one load file, in the form
 * the warehouse can load (`dialect.supportsLocalCopy`): a local CSV streamed in by the process
 * (PostgreSQL, PGlite), or — for a warehouse that loads from S3 itself (Redshift) — ONE Parquet
 * file with exact types (DECIMAL(12,2), TIMESTAMP micros, `_deleted` BOOLEAN) put in the staging
 * store under {@link loadObjectKey} and COPYed from its `s3://` URL. All load files are prepared
 * before the transaction opens, so it holds its locks only while the warehouse works. The Parquet
 * load objects are kept, not deleted after the commit: a delete could race a redrive of the same
 * run that is COPYing the object it just rewrote, and the staging bucket's lifecycle rule expires
 * them like every staging object (they also record exactly what was loaded).
 */
export async function loadStaging(
  rt: Runtime,
  input: RunInput & { partitions: PartitionResult[] },
): Promise<LoadResult> {
  const startedAt = now();
  check(input);
  const dir = await mkdtemp(join(rt.tmpDir, 'load-'));
  const started = performance.now();
  try {
    const localCopy = rt.warehouse.dialect.supportsLocalCopy;
    const prepared: { spec: SourceTableSpec; source: StagingLoadSource }[] = [];
    for (const spec of SOURCE_TABLES) {
      const mine = input.partitions.filter((p) => p.table === spec.table);
      const dataKeys = mine.flatMap((p) => (p.dataKey ? [p.dataKey] : []));
      const delKeys = mine.flatMap((p) => (p.deletesKey ? [p.deletesKey] : []));
      if (dataKeys.length === 0 && delKeys.length === 0) continue;
      const dataFiles = await Promise.all(dataKeys.map((k) => rt.staging.localCopy(k, dir)));
      const delFiles = await Promise.all(delKeys.map((k) => rt.staging.localCopy(k, dir)));
      const rowsSql = dataFiles.length ? readParquet(dataFiles) : '';
      const delSql = delFiles.length ? readParquet(delFiles) : '';
      const select = loadSelect(spec, dataFiles.length > 0, delFiles.length > 0, rowsSql, delSql);
      if (localCopy) {
        const csv = join(dir, `${spec.staging.name}.csv`);
        await selectToCsv(select, csv);
        prepared.push({ spec, source: { kind: 'csv', path: csv } });
      } else {
        const parquet = join(dir, `${spec.staging.name}.load.parquet`);
        await selectToParquet(select, parquet, loadFileColumns(spec));
        const key = loadObjectKey(spec, input);
        await rt.staging.putFile(key, parquet);
        const objectUrl = rt.staging.urlOf(key);
        // Refused here, before the transaction sends anything, when COPY could not read it.
        checkS3ObjectUrl(objectUrl);
        prepared.push({ spec, source: { kind: 'parquet', objectUrl } });
      }
    }
    const deadLetters: DeadLetterRow[] = [];
    for (const p of input.partitions) {
      if (!p.deadLetterKey) continue;
      const path = await rt.staging.localCopy(p.deadLetterKey, dir);
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        if (line.trim()) deadLetters.push(JSON.parse(line) as DeadLetterRow);
      }
    }
    const prepare = elapsed(started);
    const mergeStarted = performance.now();
    const { tables, inserted, purged } = await rt.warehouse.transaction(async (tx) => {
      await lockPipeline(tx);
      const tables: TableLoadResult[] = [];
      for (const { spec, source } of prepared) {
        const r = await loadStagingTable(tx, spec, source);
        tables.push({ table: spec.table, stagingTable: spec.staging.name, ...r });
      }
      const inserted = deadLetters.length ? await insertDeadLetters(tx, deadLetters) : 0;
      const purged = await purgeExpiredDeadLetters(tx, rt.settings.deadLetterRetentionDays);
      return { tables, inserted, purged };
    });
    const merge = elapsed(mergeStarted);
    const analyzeStarted = performance.now();
    // Fresh statistics for what changed (outside the transaction: Redshift analyzes on its own).
    await analyzeTables(
      rt,
      prepared.map(({ spec }) => spec.staging.name),
    );
    const seconds = { prepare, merge, analyze: elapsed(analyzeStarted) };
    return {
      tables,
      deadLettersInserted: inserted,
      deadLettersPurged: purged,
      seconds,
      startedAt,
      finishedAt: now(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Advance each table's watermark to its window end — only called after the load committed. */
export async function advanceWatermarks(
  rt: Runtime,
  input: RunInput & { windows: TableWindow[]; partitions: PartitionResult[] },
): Promise<{
  advanced: { source: string; table: string; to: string; moved: boolean }[];
  finishedAt: string;
}> {
  check(input);
  const advanced = [];
  for (const w of input.windows) {
    const rows = input.partitions.filter((p) => p.table === w.table).reduce((n, p) => n + p.rowsRead, 0);
    const moved = await rt.watermarks.advance(w.source, w.table, w.to, input.runId, rows);
    advanced.push({ source: w.source, table: w.table, to: w.to, moved });
  }
  return { advanced, finishedAt: now() };
}

export interface TableSummary {
  source: string;
  table: string;
  stagingTable: string;
  partitions: number;
  extracted: number;
  standardized: number;
  softDeleted: number;
  nonUsd: number;
  deadLettered: number;
  loaded: number;
  deleted: number;
  staleSkipped: number;
}

/** The outcome of a set of data-quality checks. */
export interface DqOutcome {
  results: DqResult[];
  passed: number;
  warned: number;
  failed: number;
  /** True when a pre-check FAILed: the run halts before matching. */
  halt: boolean;
  /** The failing checks in one line (the Fail state's cause), empty when none failed. */
  cause: string;
  startedAt: string;
  finishedAt: string;
}

/** A contiguous range of business dates. */
export interface DateRange {
  fromDate: string;
  toDate: string;
}

export interface MatchOutcome {
  /** The re-evaluation window D − extractionLookbackDays … D. */
  fromDate: string;
  toDate: string;
  /** The window without the dates left out, as contiguous ranges (matched, facts loaded, scanned). */
  ranges: DateRange[];
  /** Dates of the window left out because their latest data-quality pre-checks failed. */
  skipped: string[];
  rows: Record<Level, number>;
  facts: number;
  details: number;
  /** Seconds spent per level and on the facts, over all ranges. */
  seconds: Record<Level | 'facts', number>;
  startedAt: string;
  finishedAt: string;
}

export interface RunSummary {
  runId: string;
  reconDate: string;
  asOf: string;
  status: 'SUCCEEDED' | 'FAILED_DQ';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** Seconds per phase. */
  phases: Record<string, number>;
  /** The business dates re-evaluated by this run, and those left out because their checks failed (null when the run halted before matching). */
  window: { fromDate: string; toDate: string; skipped: string[] } | null;
  /** Level 1–3 figures for the business date (empty when the run halted before matching). */
  levels: LevelSummary[];
  /** Data-quality results of the business date (pre-checks, then DQ-07). */
  dq: DqResult[];
  /** Anomalies of the business date (null when the run halted before the scan). */
  anomalies: AnomalyFigures | null;
  tables: TableSummary[];
  totals: Omit<TableSummary, 'source' | 'table' | 'stagingTable'>;
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

function dqContext(rt: Runtime, input: RunInput, loadTables?: TableLoadResult[]): DqContext {
  return {
    reconDate: input.reconDate,
    asOf: input.asOf,
    settings: rt.settings,
    calendar: rt.calendar,
    ...(loadTables
      ? {
          loadStats: loadTables.map((t) => ({
            stagingTable: t.stagingTable,
            incoming: t.incomingLive,
            pkConflicts: t.pkConflicts,
          })),
        }
      : {}),
  };
}

function dqOutcome(results: DqResult[], startedAt: string, haltOnFail: boolean): DqOutcome {
  const failedRows = results.filter((r) => r.status === 'FAIL');
  return {
    results,
    passed: results.filter((r) => r.status === 'PASS').length,
    warned: results.filter((r) => r.status === 'WARN').length,
    failed: failedRows.length,
    halt: haltOnFail && failedRows.length > 0,
    cause: failedRows
      .map((r) => `${r.checkId} ${r.checkName} ${r.tableName}: ${r.detail}`)
      .join('; ')
      .slice(0, 2000),
    startedAt,
    finishedAt: now(),
  };
}

/** DQ-01…DQ-06 and DQ-08 on the business date's staging data; any FAIL halts the run. */
export async function dataQualityPreChecks(
  rt: Runtime,
  input: RunInput & { loadTables?: TableLoadResult[] },
): Promise<DqOutcome> {
  const startedAt = now();
  check(input);
  const results = await rt.warehouse.transaction(async (tx) => {
    const r = await runPreChecks(tx, dqContext(rt, input, input.loadTables));
    await saveResults(tx, input.runId, input.reconDate, PRE_CHECK_IDS, r);
    return r;
  });
  return dqOutcome(results, startedAt, true);
}

/** The business dates a run for D re-evaluates: D − extractionLookbackDays … D. */
export function reevaluationWindow(rt: Runtime, reconDate: string): { fromDate: string; toDate: string } {
  return { fromDate: addDays(reconDate, -rt.settings.extractionLookbackDays), toDate: reconDate };
}

/** Split sorted dates into contiguous ranges. */
export function contiguousRanges(dates: readonly string[]): DateRange[] {
  const ranges: DateRange[] = [];
  for (const d of dates) {
    const last = ranges.at(-1);
    if (last && addDays(last.toDate, 1) === d) last.toDate = d;
    else ranges.push({ fromDate: d, toDate: d });
  }
  return ranges;
}

/**
 * Level 1, 2 and 3 and the two fact tables for the re-evaluation window, in ONE transaction (results
 * and facts never disagree). Dates of the window whose stored pre-checks failed are left out.
 */
export async function matchLevels(rt: Runtime, input: RunInput): Promise<MatchOutcome> {
  const startedAt = now();
  check(input);
  const window = reevaluationWindow(rt, input.reconDate);
  const s = rt.settings;
  const outcome = await rt.warehouse.transaction(async (tx) => {
    await lockPipeline(tx);
    const failed = await tx.query<{ recon_date: string }>(
      modelSteps('dq/dq_failed_dates.sql')('failed_dates'),
      window,
    );
    const skipped = failed.map((f) => f.recon_date).filter((d) => d !== input.reconDate);
    const ranges = contiguousRanges(
      dateRange(window.fromDate, window.toDate).filter((d) => !skipped.includes(d)),
    );
    const rows: Record<Level, number> = { L1: 0, L2: 0, L3: 0 };
    const seconds = { L1: 0, L2: 0, L3: 0, facts: 0 };
    let facts = 0;
    let details = 0;
    for (const range of ranges) {
      const r = await runMatching(
        tx,
        {
          ...range,
          l1AmountTolerance: s.l1AmountTolerance,
          l2AmountTolerance: s.l2AmountTolerance,
          l3AmountTolerance: s.l3AmountTolerance,
          stripeFeeMin: s.stripeFeeMin,
          stripeFeeMax: s.stripeFeeMax,
        },
        seconds,
      );
      for (const level of ['L1', 'L2', 'L3'] as const) rows[level] += r[level];
      const factsStarted = performance.now();
      const f = await loadFacts(tx, range);
      seconds.facts += elapsed(factsStarted);
      facts += f.facts;
      details += f.details;
    }
    return { ...window, ranges, skipped, rows, facts, details, seconds, startedAt, finishedAt: now() };
  });
  // The anomaly scan and the reporting views are planned on these tables next: without fresh
  // statistics a table just rewritten looks empty to the planner, which then picks nested loops
  // that take minutes at a million orders (measured: ANO-01 ran > 2.5 min instead of 0.9 s).
  await analyzeTables(rt, MATCH_OUTPUT_TABLES);
  return { ...outcome, finishedAt: now() };
}

/** What MatchLevels rewrites: the three result tables and the facts. */
const MATCH_OUTPUT_TABLES = [
  'stg_recon_level1_results',
  'stg_recon_level2_results',
  'stg_recon_level3_results',
  'dwd_two_way_reconciliation',
  'dwd_two_way_reconciliation_detail',
] as const;

/** Refresh the planner statistics of `recon.<table>` for each table (outside any transaction). */
async function analyzeTables(rt: Runtime, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    await rt.warehouse.execute(
      modelSteps('staging/analyze_staging.sql', { target: `recon.${table}` })('analyze'),
    );
  }
}

/** DQ-07 on the business date's results: recorded and alerted, never halts. */
export async function dataQualityPostChecks(rt: Runtime, input: RunInput): Promise<DqOutcome> {
  const startedAt = now();
  check(input);
  const results = await rt.warehouse.transaction(async (tx) => {
    const r = await runPostChecks(tx, dqContext(rt, input));
    await saveResults(tx, input.runId, input.reconDate, POST_CHECK_IDS, r);
    return r;
  });
  return dqOutcome(results, startedAt, false);
}

export interface AnomalyOutcome {
  /** What applying this run's detection changed. */
  applied: ApplyResult;
  candidates: number;
  startedAt: string;
  finishedAt: string;
}

/** Anomalies of the business date, by type and severity, and the spike test (SPEC §7, §9). */
export interface AnomalyFigures {
  total: number;
  byType: Record<string, Record<string, number>>;
  /** Daily average over the successful runs of the 30 days before; null without history. */
  average30d: string | null;
  spike: boolean;
  openTotal: number;
  applied: ApplyResult | null;
}

/** Detect and apply ANO-01…ANO-07 for the re-evaluated dates, in one transaction. */
export async function anomalyScan(
  rt: Runtime,
  input: RunInput & { ranges: DateRange[] },
): Promise<AnomalyOutcome> {
  const startedAt = now();
  check(input);
  for (const r of input.ranges) {
    if (!isValidDate(r.fromDate) || !isValidDate(r.toDate) || r.fromDate > r.toDate) {
      throw new PipelineError(`invalid anomaly window ${r.fromDate} … ${r.toDate}`);
    }
  }
  const applied: ApplyResult = { detected: 0, escalated: 0, reopened: 0, autoResolved: 0, seen: 0 };
  let candidates = 0;
  await rt.warehouse.transaction(async (tx) => {
    await lockPipeline(tx);
    for (const range of input.ranges) {
      const params: ScanParams = {
        runId: input.runId,
        reconDate: input.reconDate,
        ...range,
        asOf: ts(input.asOf),
        settings: rt.settings,
      };
      candidates += await detectAnomalies(tx, params);
      const r = await applyCandidates(tx, params);
      for (const k of Object.keys(applied) as (keyof ApplyResult)[]) applied[k] += r[k];
    }
  });
  return { applied, candidates, startedAt, finishedAt: now() };
}

/** The anomaly figures of a business date (read after the scan). */
export async function anomalyFigures(
  db: SqlExecutor,
  reconDate: string,
  multiplier: string,
  applied: ApplyResult | null,
): Promise<AnomalyFigures> {
  const sql = modelSteps('anomalies/scan_figures.sql');
  const rows = await db.query<{ anomaly_type: string; severity: string; n: string | number }>(
    sql('count_by_type_severity'),
    { reconDate },
  );
  const byType: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const r of rows) {
    const n = Number(r.n);
    (byType[r.anomaly_type] ??= {})[r.severity] = n;
    total += n;
  }
  const [avg] = await db.query<{ days: string | number; average: string | null }>(sql('average_30d'), {
    reconDate,
  });
  const average30d = avg?.average ?? null;
  const [open] = await db.query<{ n: string | number }>(sql('open_total'));
  const spike =
    average30d !== null && new Decimal(total).greaterThan(new Decimal(multiplier).times(average30d));
  return { total, byType, average30d, spike, openTotal: Number(open?.n ?? 0), applied };
}

interface RecordInput extends RunInput {
  startedAt: string;
  plan: Plan;
  extracted: PartitionResult[];
  load: LoadResult;
  dq: DqOutcome;
  match?: MatchOutcome;
  dqPost?: DqOutcome;
  anomalies?: AnomalyOutcome;
  reporting?: RefreshOutcome;
}

/** Build the run summary from the task outputs (and the business date's level figures). */
export function summarize(
  input: RecordInput,
  finishedAt: string,
  levels: LevelSummary[],
  anomalies: AnomalyFigures | null = null,
): RunSummary {
  const tables: TableSummary[] = SOURCE_TABLES.map((spec) => {
    const parts = input.extracted.filter((p) => p.table === spec.table);
    const loaded = input.load.tables.find((t) => t.table === spec.table);
    return {
      source: spec.source,
      table: spec.table,
      stagingTable: spec.staging.name,
      partitions: input.plan.partitions.filter((p) => p.table === spec.table).length,
      extracted: parts.reduce((n, p) => n + p.rowsRead, 0),
      standardized: parts.reduce((n, p) => n + p.rowsStaged, 0),
      softDeleted: parts.reduce((n, p) => n + p.softDeleted, 0),
      nonUsd: parts.reduce((n, p) => n + p.nonUsd, 0),
      deadLettered: parts.reduce((n, p) => n + p.deadLettered, 0),
      loaded: loaded?.upserted ?? 0,
      deleted: loaded?.deleted ?? 0,
      staleSkipped: loaded?.staleSkipped ?? 0,
    };
  });
  const keys = [
    'partitions',
    'extracted',
    'standardized',
    'softDeleted',
    'nonUsd',
    'deadLettered',
    'loaded',
    'deleted',
    'staleSkipped',
  ] as const;
  const totals = Object.fromEntries(
    keys.map((k) => [k, tables.reduce((n, t) => n + t[k], 0)]),
  ) as RunSummary['totals'];
  const extractStart = input.extracted.map((p) => p.startedAt).sort()[0] ?? input.plan.finishedAt;
  const extractEnd =
    input.extracted
      .map((p) => p.finishedAt)
      .sort()
      .at(-1) ?? input.plan.finishedAt;
  const phases: Record<string, number> = {
    plan: seconds(input.plan.startedAt, input.plan.finishedAt),
    extract: seconds(extractStart, extractEnd),
    load: seconds(input.load.startedAt, input.load.finishedAt),
    dq: seconds(input.dq.startedAt, input.dq.finishedAt),
  };
  if (input.match) phases.match = seconds(input.match.startedAt, input.match.finishedAt);
  if (input.dqPost) phases.dqPost = seconds(input.dqPost.startedAt, input.dqPost.finishedAt);
  if (input.anomalies) phases.anomalies = seconds(input.anomalies.startedAt, input.anomalies.finishedAt);
  if (input.reporting) phases.views = seconds(input.reporting.startedAt, input.reporting.finishedAt);
  return {
    runId: input.runId,
    reconDate: input.reconDate,
    asOf: input.asOf,
    status: input.match ? 'SUCCEEDED' : 'FAILED_DQ',
    startedAt: input.startedAt,
    finishedAt,
    durationSeconds: seconds(input.startedAt, finishedAt),
    phases,
    window: input.match
      ? { fromDate: input.match.fromDate, toDate: input.match.toDate, skipped: input.match.skipped }
      : null,
    levels,
    dq: [...input.dq.results, ...(input.dqPost?.results ?? [])],
    anomalies,
    tables,
    totals,
  };
}

const RECORD_RUN_MODEL = 'runs/record_run.sql';

/** ISO instant → warehouse TIMESTAMP text (UTC). */
function ts(iso: string): string {
  return formatTimestamp(Date.parse(iso));
}

async function writeRunRecord(
  rt: Runtime,
  row: {
    runId: string;
    reconDate: string;
    startedAt: string;
    finishedAt: string;
    asOf: string;
    status: 'SUCCEEDED' | 'FAILED' | 'FAILED_DQ';
    failedStep: string | null;
    errorMessage: string | null;
    summary: RunSummary | null;
  },
): Promise<boolean> {
  const { summary } = row;
  const rate = (level: Level) => summary?.levels.find((l) => l.level === level)?.matchRate ?? null;
  const dq = summary?.dq ?? [];
  return rt.warehouse.transaction(async (tx) => {
    const sql = modelSteps(RECORD_RUN_MODEL);
    // The run lock orders this with the other writers; a failure never replaces a success.
    await lockPipeline(tx);
    // The outcome is recorded: the run gives up its date's lease in the same transaction.
    await releaseRunLease(tx, row);
    if (row.status === 'FAILED') {
      const stored = await tx.query<{ status: string }>(sql('stored_status'), { runId: row.runId });
      if (stored[0]?.status === 'SUCCEEDED') return false;
    }
    await tx.execute(sql('delete_run'), { runId: row.runId });
    await tx.execute(sql('insert_run'), {
      runId: row.runId,
      reconDate: row.reconDate,
      startedAt: ts(row.startedAt),
      finishedAt: ts(row.finishedAt),
      asOf: ts(row.asOf),
      status: row.status,
      failedStep: row.failedStep,
      errorMessage: row.errorMessage,
      rowsExtracted: summary ? String(summary.totals.extracted) : null,
      rowsLoaded: summary ? String(summary.totals.loaded) : null,
      rowsDeadLettered: summary ? String(summary.totals.deadLettered) : null,
      l1MatchRate: rate('L1'),
      l2MatchRate: rate('L2'),
      l3MatchRate: rate('L3'),
      totalOrdersProcessed: summary?.levels.length
        ? String(summary.levels.find((l) => l.level === 'L1')?.total ?? 0)
        : null,
      dqChecksPassed: summary ? String(dq.filter((d) => d.status !== 'FAIL').length) : null,
      dqChecksFailed: summary ? String(dq.filter((d) => d.status === 'FAIL').length) : null,
      phaseDurations: summary ? JSON.stringify(summary.phases) : null,
      totalAnomaliesDetected: summary?.anomalies ? String(summary.anomalies.total) : null,
      anomalyAverage30d: summary?.anomalies?.average30d ?? null,
      anomalySpike: summary?.anomalies ? summary.anomalies.spike : null,
      openAnomalies: summary?.anomalies ? String(summary.anomalies.openTotal) : null,
    });
    return true;
  });
}

/** Record a successful run (one row per run) and return its summary. */
export async function recordRun(rt: Runtime, input: RecordInput): Promise<RunSummary> {
  check(input);
  const levels = await levelSummaries(rt.warehouse, input.reconDate);
  const figures = await anomalyFigures(
    rt.warehouse,
    input.reconDate,
    rt.settings.anomalySpikeMultiplier,
    input.anomalies?.applied ?? null,
  );
  const summary = summarize(input, now(), levels, figures);
  await writeRunRecord(rt, {
    ...input,
    finishedAt: summary.finishedAt,
    status: 'SUCCEEDED',
    failedStep: null,
    errorMessage: null,
    summary,
  });
  return summary;
}

/** Record a run halted by a data-quality FAIL before matching (status FAILED_DQ). */
export async function recordHalt(rt: Runtime, input: RecordInput): Promise<RunSummary> {
  check(input);
  const summary = summarize(input, now(), []);
  await writeRunRecord(rt, {
    ...input,
    finishedAt: summary.finishedAt,
    status: 'FAILED_DQ',
    failedStep: 'DataQualityPreChecks',
    errorMessage: input.dq.cause,
    summary,
  });
  return summary;
}

/** Record a failed run with the failing step and the cause; returns what was recorded. */
export async function recordFailure(
  rt: Runtime,
  input: RunInput & { startedAt: string; failedStep: string; error: { Error: string; Cause?: string } },
): Promise<{ status: 'FAILED'; failedStep: string; error: string; recorded: boolean }> {
  const finishedAt = now();
  // A run refused because another held the date's lease did nothing: there is nothing to record,
  // and recording it would replace a redriven run's real failure with the refusal.
  if (input.error.Error === 'RunInProgressError') {
    return {
      status: 'FAILED',
      failedStep: input.failedStep,
      error: `${input.error.Error}: ${input.error.Cause ?? ''}`,
      recorded: false,
    };
  }
  // error_message is VARCHAR(2048), which Redshift counts in bytes.
  const error = truncateUtf8(`${input.error.Error}: ${input.error.Cause ?? ''}`, 2000);
  const recorded = await writeRunRecord(rt, {
    ...input,
    finishedAt,
    status: 'FAILED',
    failedStep: input.failedStep,
    errorMessage: error,
    summary: null,
  });
  return { status: 'FAILED', failedStep: input.failedStep, error, recorded };
}

/** Refresh the reporting materialized views (after the anomaly scan, before the run record). */
export async function refreshReporting(rt: Runtime, input: RunInput): Promise<RefreshOutcome> {
  check(input);
  return refreshReportingViews(rt.warehouse);
}

/** What the SendAlerts state did (it never fails the run). */
export interface AlertsOutcome {
  raised: number;
  sent: number;
  failed: number;
  /** Set when the alerts could not even be evaluated (e.g. the warehouse is unreachable). */
  error?: string;
}

/**
 * Evaluate the run's alert rules and send what they raise (once per run and rule; see
 * alerts/send.ts). Never throws: an alert that cannot be sent must not fail a run whose data is
 * already committed — the failure is recorded in the alert log or, if even that is impossible,
 * returned (and counted by the PipelineFailed/duration alarms that watch the run itself).
 */
export async function sendAlerts(rt: Runtime, input: Pick<RunInput, 'runId'>): Promise<AlertsOutcome> {
  try {
    const outcome = await sendRunAlerts(
      rt.warehouse,
      rt.settings,
      { runId: input.runId },
      { webhooks: await rt.webhooks() },
    );
    const count = (status: string) => outcome.results.filter((r) => r.status === status).length;
    return { raised: outcome.raised.length, sent: count('SENT'), failed: count('FAILED') };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { raised: 0, sent: 0, failed: 0, error: message.slice(0, 1000) };
  }
}

/**
 * Record a failed run, then send its alerts (pipeline failed, …) once — what happens when an
 * execution fails: locally from the runner, in AWS from the failed-execution rule.
 */
export async function recordFailureAndAlert(
  rt: Runtime,
  input: Parameters<typeof recordFailure>[1],
): Promise<Awaited<ReturnType<typeof recordFailure>> & { alerts: AlertsOutcome | null }> {
  const recorded = await recordFailure(rt, input);
  return { ...recorded, alerts: recorded.recorded ? await sendAlerts(rt, input) : null };
}
