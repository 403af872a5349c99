/**
 * The bad-input corpus (test/fixtures/bad-input/corpus.ts) through the real pipeline: MariaDB
 * sources whose columns are looser than the spec schema (text ids and amounts, wider decimals,
 * fractional seconds, zero dates, no primary keys), a small clean synthetic background, the local
 * state-machine runner, Parquet staging and a PostgreSQL warehouse — business time zone
 * America/New_York, business date 2026-03-08 (the spring-forward day), 12-hour extraction slices.
 *
 * Every corpus row is either reconciled correctly (staged with exact values, level results as the
 * product defines) or dead-lettered with its reason; the run goes on and succeeds; the dead-letter
 * table, the run record, the run summary and the DeadLetterCount metric all count exactly the
 * expected dead letters; a second run of the same date changes nothing. Each bad-input class has
 * its own test, so a broken guarantee fails a named test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Decimal } from 'decimal.js';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { type PipelineOutcome, runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import {
  extractPartition,
  type PartitionResult,
  type RunSummary,
} from '../packages/core/src/pipeline/tasks.ts';
import { SOURCE_IDS, sourceTable } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import type { Row, Warehouse } from '../packages/core/src/warehouse/types.ts';
import { taskHandler } from '../packages/functions/src/handler.ts';
import { createMetrics } from '../packages/functions/src/observability.ts';
import {
  type BadInputClass,
  CLASSES,
  CORPUS,
  type CorpusRow,
  D,
  LEVELS,
  LOOSEN,
  SHOP,
  stagingOf,
  V1,
  V2,
} from './fixtures/bad-input/corpus.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';
import { reconSnapshot } from './support/recon-snapshot.ts';

const gen = generate({ startDate: D, days: 1, ordersPerDay: 400, seed: 20260308 });
const asOf = toIso(gen.batchEndOf(D));

type Dead = Extract<CorpusRow['outcome'], { kind: 'dead' }>;
const deadRows = CORPUS.filter((r): r is CorpusRow & { outcome: Dead } => r.outcome.kind === 'dead');

interface DeadLetter extends Row {
  run_id: string;
  recon_date: string;
  source_name: string;
  table_name: string;
  source_pk: string | null;
  source_version: string | null;
  reason: string;
  raw_row: string;
  created_at: string;
}

/** One pipeline run with what its ExtractPartition Lambda handlers returned and emitted. */
interface CapturedRun {
  outcome: PipelineOutcome;
  partitions: PartitionResult[];
  /** DeadLetterCount datapoints of the EMF documents the handlers printed. */
  deadLetterMetric: number[];
}

const drops: (() => Promise<void>)[] = [];
let app: App;
let first: CapturedRun;
/** The first run's summary (a data-quality halt has one too; a failed run does not). */
let summary: RunSummary;
let deadLetters: DeadLetter[];

/** Insert the corpus: parameterized, in a session that accepts zero dates (sql_mode ''). */
async function insertCorpus(urls: Record<string, string>): Promise<void> {
  for (const source of SOURCE_IDS) {
    const conn = await mysql.createConnection(urls[source]!);
    try {
      for (const statement of LOOSEN[source] ?? []) await conn.query(statement);
      await conn.query("SET SESSION sql_mode = ''");
      for (const row of CORPUS) {
        const spec = sourceTable(row.table);
        if (spec.source !== source) continue;
        const names = spec.columns.map((c) => c.name);
        await conn.execute(
          `INSERT INTO ${row.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
          names.map((n) => row.values[n] ?? null),
        );
      }
    } finally {
      await conn.end();
    }
  }
}

/**
 * Run the pipeline with ExtractPartition served by its real Lambda handler (`taskHandler`, the
 * Powertools Metrics it publishes as EMF on stdout captured here), so the DeadLetterCount metric
 * is the one AWS would receive.
 */
async function capturedRun(runId: string): Promise<CapturedRun> {
  const partitions: PartitionResult[] = [];
  const deadLetterMetric: number[] = [];
  const logger = new Logger({ serviceName: 'recon-pipeline', logLevel: 'ERROR' });
  const context = { functionName: 'recon-test-ExtractPartition', awsRequestId: runId };
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    let emf = false;
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      emf = true;
      const doc = JSON.parse(line) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
      };
      for (const directive of doc._aws.CloudWatchMetrics) {
        for (const m of directive.Metrics) {
          if (m.Name === 'DeadLetterCount') deadLetterMetric.push(...[doc[m.Name]].flat().map(Number));
        }
      }
    }
    return emf ? true : write(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    const outcome = await runPipeline(
      app.runtime,
      { reconDate: D, asOf, runId },
      {
        retryIntervalMs: 0,
        handlers: {
          ExtractPartition: async (input) => {
            const handler = taskHandler('ExtractPartition', extractPartition, {
              runtime: async () => app.runtime,
              logger,
              metrics: createMetrics({ RECON_STAGE: 'test' }),
            });
            const out = await handler(input as Parameters<typeof handler>[0], context as never);
            partitions.push(out);
            return JSON.parse(JSON.stringify(out)) as unknown;
          },
        },
      },
    );
    return { outcome, partitions, deadLetterMetric };
  } finally {
    spy.mockRestore();
  }
}

async function allDeadLetters(wh: Warehouse): Promise<DeadLetter[]> {
  return wh.query<DeadLetter>(
    `SELECT run_id, recon_date, source_name, table_name, source_pk, source_version, reason, raw_row, created_at
     FROM recon.dwd_recon_dead_letter
     ORDER BY table_name, source_pk, source_version, reason, raw_row`,
  );
}

/** Does a stored dead letter stand for this corpus row? (Keyless rows: by their raw values.) */
function isLetterOf(letter: DeadLetter, row: CorpusRow & { outcome: Dead }): boolean {
  if (letter.table_name !== row.table || letter.source_pk !== row.outcome.pk) return false;
  if (letter.source_version !== row.outcome.version) return false;
  if (row.outcome.pk === null) {
    const raw = JSON.parse(letter.raw_row) as Record<string, unknown>;
    return Object.entries(row.values).every(([k, v]) => String(raw[k] ?? null).startsWith(String(v)));
  }
  return true;
}

function reasonMatches(reason: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? reason === expected : expected.test(reason);
}

/** The staging rows of a source key, any version. */
async function stagedRows(table: string, pk: string): Promise<Row[]> {
  const { name, pk: column } = stagingOf(table);
  return app.warehouse.query(`SELECT * FROM recon.${name} WHERE ${column} = CAST(:pk AS BIGINT)`, { pk });
}

const canonicalId = (id: unknown): string | null => {
  const t = id === null || id === undefined ? '' : String(id).trim();
  return /^\d{1,19}$/.test(t) ? BigInt(t).toString() : null;
};

/** Keys (table:pk) that some corpus row leaves staged. */
const STAGED_KEYS = new Set(
  CORPUS.filter((r) => r.outcome.kind === 'staged').map((r) => `${r.table}:${canonicalId(r.values.id)}`),
);

/** Everything a class guarantees, checked one corpus row and one order at a time. */
async function checkClass(cls: BadInputClass): Promise<void> {
  const rows = CORPUS.filter((r) => r.cls === cls);
  expect(rows.length, `corpus rows of ${cls}`).toBeGreaterThan(0);
  for (const row of rows) {
    const what = `${cls}: ${row.note}`;
    const pk = canonicalId(row.values.id);
    switch (row.outcome.kind) {
      case 'dead': {
        const letters = deadLetters.filter((l) => isLetterOf(l, row as CorpusRow & { outcome: Dead }));
        expect(letters, `${what}: one dead letter`).toHaveLength(1);
        const letter = letters[0]!;
        expect(reasonMatches(letter.reason, row.outcome.reason), `${what}: reason "${letter.reason}"`).toBe(
          true,
        );
        expect(letter).toMatchObject({
          run_id: 'bad-input-1',
          recon_date: D,
          source_name: sourceTable(row.table).source,
        });
        // The raw row is kept as read, every column named.
        expect(Object.keys(JSON.parse(letter.raw_row) as object)).toEqual(
          sourceTable(row.table).columns.map((c) => c.name),
        );
        if (pk !== null && !STAGED_KEYS.has(`${row.table}:${pk}`)) {
          expect(await stagedRows(row.table, pk), `${what}: not staged`).toEqual([]);
        }
        break;
      }
      case 'staged': {
        expect(pk, `${what}: has a BIGINT id`).not.toBeNull();
        const staged = await stagedRows(row.table, pk!);
        expect(staged, `${what}: staged exactly once`).toHaveLength(1);
        expect(staged[0], what).toMatchObject(row.outcome.staging);
        break;
      }
      case 'removed':
      case 'nonUsd':
        expect(await stagedRows(row.table, pk!), `${what}: not staged`).toEqual([]);
        expect(
          deadLetters.filter(
            (l) => l.table_name === row.table && l.source_pk === pk && l.source_version === null,
          ),
          `${what}: not dead-lettered`,
        ).toEqual([]);
        break;
      case 'superseded':
        // The later version's own expectation (staged, exactly once) covers the key.
        expect(STAGED_KEYS.has(`${row.table}:${pk}`), `${what}: a later version is staged`).toBe(true);
        break;
    }
  }
  for (const exp of LEVELS.filter((l) => l.cls === cls)) {
    for (const level of ['L1', 'L2'] as const) {
      const table = level === 'L1' ? 'stg_recon_level1_results' : 'stg_recon_level2_results';
      const found = await app.warehouse.query(
        `SELECT * FROM recon.${table} WHERE order_id = CAST(:id AS BIGINT) ORDER BY recon_date`,
        { id: exp.orderId },
      );
      const expected = exp[level];
      if (expected === null) {
        expect(found, `${cls}: order ${exp.orderId} has no ${level} result`).toEqual([]);
      } else {
        expect(found, `${cls}: order ${exp.orderId} has one ${level} result`).toHaveLength(1);
        expect(found[0], `${cls}: ${level} of order ${exp.orderId}`).toMatchObject({
          recon_date: D,
          shop_id: SHOP,
          ...expected,
        });
      }
    }
  }
}

/** What a rerun must leave unchanged: staging, results, facts, dead letters (every column). */
async function frozen(wh: Warehouse): Promise<Record<string, unknown>> {
  const snapshot = await reconSnapshot(wh);
  const kept = Object.fromEntries(
    Object.entries(snapshot).filter(([t]) => t.startsWith('stg_recon_') || t.startsWith('dwd_two_way')),
  );
  return { ...kept, dead_letters: await allDeadLetters(wh) };
}

beforeAll(async () => {
  const sources = await createTestMysqlSources('tbad');
  drops.push(sources.drop);
  const wh = await createTestPgDatabase('tbad');
  drops.push(wh.drop);
  const home = mkdtempSync(join(tmpdir(), 'recon-bad-input-'));
  app = await openApp({
    home,
    env: {
      RECON_SALESORDER_URL: sources.urls.salesorder,
      RECON_SALESPAYMENT_URL: sources.urls.salespayment,
      RECON_IFIACCOUNTING_URL: sources.urls.ifiaccounting,
      RECON_IUNIFIEDRECONCILE_URL: sources.urls.iunifiedreconcile,
      RECON_WAREHOUSE_URL: wh.url,
      RECON_STAGING_URL: `file://${join(home, 'staging')}`,
      RECON_BUSINESS_TIME_ZONE: 'America/New_York',
      // Two versions of a key 14 hours apart land in different partitions.
      RECON_EXTRACTION_SLICE_HOURS: '12',
    },
  });
  await writeToSinks(gen, app.sinks());
  await insertCorpus(sources.urls);
  // Whatever the outcome, the tests below say what went wrong (a failed run has no summary).
  first = await capturedRun('bad-input-1');
  if (first.outcome.status !== 'FAILED') summary = first.outcome.summary;
  deadLetters = await allDeadLetters(app.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  for (const drop of drops.reverse()) await drop().catch(() => undefined);
});

const TITLES: Record<BadInputClass, string> = {
  'null-keys': 'NULL and empty keys: keyless rows dead-lettered; empty join keys staged and never matched',
  amounts: 'negative and absurd amounts: dead-lettered where impossible, staged exactly where allowed',
  decimals: 'amounts with more than 2 decimals: dead-lettered, never rounded; trailing zeros are exact',
  'status-codes': 'unknown status codes: loaded, and simply not completed / successful / active / valid',
  timestamps:
    'timestamps at the DST switch and day boundaries get the right business date; zero, NULL and pre-1970 values handled, in the watermark column too',
  'sql-ids':
    'ids and keys with quotes, semicolons and SQL fragments: stored verbatim and matched, or dead-lettered',
  'non-ascii': 'non-ASCII text: stored verbatim (bytes counted as Redshift does)',
  'duplicate-keys': 'duplicate primary keys across partitions: exactly one row, the latest version',
  'receipt-order-id':
    'a receipt whose order id is not a number: staged as text, matched by trade number or not at all',
};

describe('bad-input corpus through the real pipeline', () => {
  it('the run goes on and succeeds: data-quality warnings, no FAIL', () => {
    expect(first.outcome, 'the run outcome').toMatchObject({ status: 'SUCCEEDED' });
    const dq = (id: string, table: string) =>
      summary.dq.find((d) => d.checkId === id && d.tableName === table)?.status;
    expect(summary.dq.filter((d) => d.status === 'FAIL')).toEqual([]);
    // The empty keys are staged and counted, the absurd order amount is flagged.
    expect(dq('DQ-02', 'stg_recon_payments')).toBe('WARN');
    expect(dq('DQ-02', 'stg_recon_trades')).toBe('WARN');
    expect(dq('DQ-02', 'stg_recon_receipts')).toBe('WARN');
    expect(dq('DQ-03', 'stg_recon_orders')).toBe('WARN');
    expect(dq('DQ-04', 'stg_recon_orders')).toBe('PASS');
    for (const table of ['stg_recon_orders', 'stg_recon_payments', 'stg_recon_trades']) {
      expect(dq('DQ-05', table), table).toBe('PASS');
    }
  });

  it('dead letters: exactly the expected set — table, source key, version and reason; no more, no fewer', () => {
    const unexplained = deadLetters.filter((l) => !deadRows.some((r) => isLetterOf(l, r)));
    expect(unexplained, 'dead letters no corpus row expects').toEqual([]);
    for (const row of deadRows) {
      const letters = deadLetters.filter((l) => isLetterOf(l, row));
      expect(letters, `${row.table} ${row.note}`).toHaveLength(1);
      expect(letters[0]!.reason, `${row.table} ${row.note}`).toSatisfy((r: string) =>
        reasonMatches(r, row.outcome.reason),
      );
    }
    expect(deadLetters).toHaveLength(deadRows.length);
  });

  it('the run record, the run summary and the DeadLetterCount metric count exactly those dead letters', async () => {
    const n = deadRows.length;
    expect(summary.totals.deadLettered).toBe(n);
    for (const t of summary.tables) {
      expect(t.deadLettered, t.table).toBe(deadRows.filter((r) => r.table === t.table).length);
    }
    const record = await app.warehouse.query<{ status: string; rows_dead_lettered: string }>(
      'SELECT status, rows_dead_lettered FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = :id',
      { id: 'bad-input-1' },
    );
    expect(record).toEqual([{ status: 'SUCCEEDED', rows_dead_lettered: String(n) }]);
    // One datapoint per partition, from the handler's EMF output.
    expect(first.deadLetterMetric).toHaveLength(first.partitions.length);
    expect(first.deadLetterMetric.reduce((a, b) => a + b, 0)).toBe(n);
    // The non-USD order is excluded and counted, not dead-lettered.
    const orders = summary.tables.find((t) => t.table === 't_order')!;
    expect(orders.nonUsd).toBeGreaterThanOrEqual(CORPUS.filter((r) => r.outcome.kind === 'nonUsd').length);
  });

  for (const cls of CLASSES) {
    it(TITLES[cls], async () => {
      await checkClass(cls);
      if (cls === 'duplicate-keys') {
        // The two versions of each key were read by two different partitions of the run.
        const covering = (table: string, at: string) =>
          first.partitions.filter((p) => p.table === table && p.partition.from <= at && at < p.partition.to);
        for (const table of ['t_order', 't_trade']) {
          const [a, b] = [covering(table, V1), covering(table, V2)];
          expect(a, `${table} partitions covering ${V1}`).toHaveLength(1);
          expect(b, `${table} partitions covering ${V2}`).toHaveLength(1);
          expect(a[0]!.partition.index).not.toBe(b[0]!.partition.index);
          expect(a[0]!.rowsRead).toBeGreaterThan(0);
          expect(b[0]!.rowsRead).toBeGreaterThan(0);
        }
      }
      if (cls === 'timestamps') {
        // The business date follows New York's clock across the switch: the day is 23 hours long.
        expect(app.runtime.calendar.dateOf(Date.parse('2026-03-09T03:59:59.999Z'))).toBe(D);
        expect(app.runtime.calendar.dateOf(Date.parse('2026-03-08T04:59:59Z'))).toBe('2026-03-07');
      }
    });
  }

  it('level 3 for the corpus shop sums exactly the staged active receipts, valid bills and completed orders', async () => {
    const staged = (table: string) =>
      CORPUS.filter((r) => r.table === table && r.outcome.kind === 'staged').map((r) => ({
        values: r.values,
        staging: (r.outcome as { staging: Record<string, unknown> }).staging,
      }));
    const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), new Decimal(0)).toFixed(2);
    const receipts = staged('t_finance_receipt').filter((r) => r.values.receipt_status === 1);
    const bills = staged('t_acc_income_bill').filter((r) => r.values.bill_status === 1);
    const orders = staged('t_order').filter(
      (r) => [5, 6, 7].includes(Number(r.values.order_status)) && (r.staging.biz_date ?? D) === D,
    );
    const gross = sum(receipts.map((r) => String(r.staging.receipt_amount_usd ?? r.values.receipt_amount)));
    const fees = sum(receipts.map((r) => String(r.staging.stripe_fee_usd ?? r.values.difference_amount)));
    const income = sum(bills.map((r) => String(r.staging.amount_usd ?? r.values.amount)));
    const orderTotal = sum(orders.map((r) => String(r.staging.pay_amount_usd ?? r.values.pay_money)));
    const l3 = await app.warehouse.query(
      'SELECT * FROM recon.stg_recon_level3_results WHERE shop_id = CAST(:shop AS BIGINT) ORDER BY recon_date',
      { shop: SHOP },
    );
    expect(l3).toHaveLength(1);
    expect(l3[0]).toMatchObject({
      recon_date: D,
      receipt_count: receipts.length,
      total_receipt_amount: gross,
      total_stripe_fees: fees,
      total_net_receipt: new Decimal(gross).minus(fees).toFixed(2),
      bill_count: bills.length,
      total_income_amount: income,
      order_count: orders.length,
      total_order_amount: orderTotal,
      variance_amount: new Decimal(gross).minus(income).toFixed(2),
      match_status: 'AMOUNT_MISMATCH',
    });
  });

  it('a second run of the same date and as-of changes nothing and adds no dead letter', async () => {
    const before = await frozen(app.warehouse);
    const second = await capturedRun('bad-input-2');
    expect(second.outcome.status).toBe('SUCCEEDED');
    expect(await frozen(app.warehouse)).toEqual(before);
    // Every watermark is at the as-of already: nothing is read again, nothing dead-lettered.
    if (second.outcome.status !== 'SUCCEEDED') return;
    expect(second.outcome.summary.totals.deadLettered).toBe(0);
    expect(second.deadLetterMetric.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('extracting the whole window again from scratch meets every bad row again but stores nothing twice', async () => {
    const before = await frozen(app.warehouse);
    // The watermarks lost: the next run reads the whole look-back window of every table again,
    // which must give the warehouse an incremental run gave it (SPEC §4).
    await app.warehouse.execute('DELETE FROM recon.etl_watermarks');
    const again = await capturedRun('bad-input-3');
    expect(again.outcome.status).toBe('SUCCEEDED');
    expect(await frozen(app.warehouse)).toEqual(before);
    if (again.outcome.status !== 'SUCCEEDED') return;
    // This run met — and counts — every bad row again; the dead-letter store kept the first ones.
    expect(again.outcome.summary.totals.deadLettered).toBe(deadRows.length);
    expect(again.deadLetterMetric.reduce((a, b) => a + b, 0)).toBe(deadRows.length);
    const record = await app.warehouse.query<{ rows_dead_lettered: string }>(
      'SELECT rows_dead_lettered FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = :id',
      { id: 'bad-input-3' },
    );
    expect(record).toEqual([{ rows_dead_lettered: String(deadRows.length) }]);
  });
});
