/**
 * The reconciliation engine end to end (embedded sources, PGlite warehouse, the pipeline
 * definition): one result row per eligible order, late arrivals clearing exceptions, idempotent
 * runs and backfills, and the data-quality halt.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { backfillCommand, dqCommand } from '../packages/core/src/cli/run-commands.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS, sourceTable } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import type { GeneratedChunk } from '../packages/core/src/synthetic/types.ts';
import { reconSnapshot } from './support/recon-snapshot.ts';
import { asOfOf, io } from './support/cli-io.ts';

/** Write the chunks of each day and run the pipeline after each day; returns the runs' as-of. */
async function runDays(app: App, chunks: Iterable<GeneratedChunk>, onDay?: (date: string) => Promise<void>) {
  const sinks = app.sinks();
  for (const s of SOURCE_IDS) await sinks[s].createTables();
  const days: { date: string; asOf: string }[] = [];
  for (const chunk of chunks) {
    await writeChunk(chunk, sinks);
    if (!chunk.lastOfDay) continue;
    const asOf = asOfOf(chunk.batchEnd);
    days.push({ date: chunk.date, asOf });
    const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`${chunk.date}: ${outcome.status}: ${outcome.cause}`);
    await onDay?.(chunk.date);
  }
  return days;
}

describe('one result row per eligible order', () => {
  it('holds for random generated days: L1 and L2 have exactly the eligible orders', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('2026-03-06', '2026-07-02', '2026-10-30'),
        async (seed, startDate) => {
          const app = await openApp({
            env: {},
            home: mkdtempSync(join(tmpdir(), 'recon-prop-')),
            embeddedOnly: true,
          });
          try {
            const gen = generate({ startDate, days: 2, ordersPerDay: 120, seed });
            await runDays(app, gen.days());
            const eligible = await app.warehouse.query<{ order_id: string }>(
              `SELECT order_id FROM recon.stg_recon_orders
               WHERE order_status IN (5, 6, 7) AND currency_code = 'USD' AND biz_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)
               ORDER BY order_id`,
              { from: gen.dates[0]!, to: gen.dates.at(-1)! },
            );
            expect(eligible.length).toBeGreaterThan(50);
            for (const table of ['stg_recon_level1_results', 'stg_recon_level2_results']) {
              const rows = await app.warehouse.query<{ order_id: string }>(
                `SELECT order_id FROM recon.${table} ORDER BY order_id`,
              );
              expect(rows, table).toEqual(eligible);
            }
            const mismatch = await app.warehouse.query<{ n: string }>(
              `SELECT COUNT(*) AS n FROM recon.stg_recon_level1_results r
               JOIN recon.stg_recon_orders o ON o.order_id = r.order_id WHERE r.recon_date <> o.biz_date`,
            );
            expect(mismatch[0]!.n).toBe('0');
          } finally {
            await app.close();
          }
        },
      ),
      { numRuns: 3, seed: 20261122 },
    );
  });
});

describe('day by day over generated data', () => {
  const gen = generate({ startDate: '2026-11-02', days: 5, ordersPerDay: 250, seed: 11 });
  const home = mkdtempSync(join(tmpdir(), 'recon-e2e3-'));
  let app: App;
  let days: { date: string; asOf: string }[];
  const l1After = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    app = await openApp({ env: {}, home, embeddedOnly: true });
    days = await runDays(app, gen.days(), async (date) => {
      const rows = await app.warehouse.query<{ order_id: string; match_status: string }>(
        'SELECT order_id, match_status FROM recon.stg_recon_level1_results',
      );
      l1After.set(date, new Map(rows.map((r) => [r.order_id, r.match_status])));
    });
  });
  afterAll(async () => app?.close());

  it('records every run with its match rates', async () => {
    const runs = await app.warehouse.query<{
      status: string;
      l1_match_rate: string;
      total_orders_processed: string;
    }>(
      'SELECT status, l1_match_rate, total_orders_processed FROM recon.dwd_recon_anomaly_metrics ORDER BY recon_date',
    );
    expect(runs).toHaveLength(5);
    for (const r of runs) {
      expect(r.status).toBe('SUCCEEDED');
      expect(Number(r.total_orders_processed)).toBeGreaterThan(100);
      expect(r.l1_match_rate).toMatch(/^\d+\.\d{4}$/);
    }
    const view = await app.warehouse.query<{ pipeline_status: string }>(
      'SELECT pipeline_status FROM recon.v_recon_pipeline_runs',
    );
    expect(view).toHaveLength(5);
  });

  it('turns a MISSING_PAYMENT into MATCHED when the late payment arrives with the next day', () => {
    const late = gen.answerKey().conditions.filter((c) => c.kind === 'LATE_PAYMENT');
    expect(late.length).toBeGreaterThan(0);
    for (const c of late) {
      const next = days[days.findIndex((d) => d.date === c.date) + 1];
      if (!next) continue;
      expect(l1After.get(c.date)!.get(c.entityKey), `order ${c.entityKey} on ${c.date}`).toBe(
        'MISSING_PAYMENT',
      );
      expect(l1After.get(next.date)!.get(c.entityKey), `order ${c.entityKey} after ${next.date}`).toBe(
        'MATCHED',
      );
    }
  });

  it('leaves every recon table identical when a date runs again and when the range is backfilled', async () => {
    const before = await reconSnapshot(app.warehouse);
    expect(before.stg_recon_level1_results!.length).toBeGreaterThan(500);
    expect(before.dwd_two_way_reconciliation!.length).toBeGreaterThan(0);
    const last = days.at(-1)!;
    const again = await runPipeline(app.runtime, { reconDate: last.date, asOf: last.asOf });
    expect(again.status).toBe('SUCCEEDED');
    expect(await reconSnapshot(app.warehouse)).toEqual(before);

    const backfill = async () => {
      // The command itself, on this test's open app (one PGlite per data directory).
      const x = io({ RECON_HOME: home });
      const code = await backfillCommand(app, x, {
        from: days[0]!.date,
        to: last.date,
        asOf: last.asOf,
        json: true,
      });
      expect(x.stderr()).toBe('');
      expect(code).toBe(EXIT.OK);
      expect(JSON.parse(x.stdout())).toMatchObject({ status: 'COMPLETED' });
      return reconSnapshot(app.warehouse);
    };
    const first = await backfill();
    // Results and facts are a function of the staging data: the backfill reproduces them exactly.
    for (const t of [
      'stg_recon_level1_results',
      'stg_recon_level2_results',
      'stg_recon_level3_results',
      'dwd_two_way_reconciliation',
      'dwd_two_way_reconciliation_detail',
    ]) {
      expect(first[t], t).toEqual(before[t]);
    }
    // A second backfill of the same range changes nothing at all.
    expect(await backfill()).toEqual(first);
  });
});

describe('data-quality halt', () => {
  it('halts on a duplicate-key batch: exit 3, FAILED_DQ, earlier results byte-identical', async () => {
    const home = mkdtempSync(join(tmpdir(), 'recon-halt-'));
    const gen = generate({ startDate: '2026-11-09', days: 3, ordersPerDay: 200, seed: 5 });
    const chunks = [...gen.days()];
    const app = await openApp({ env: {}, home, embeddedOnly: true });
    let days: { date: string; asOf: string }[] = [];
    try {
      const firstDay = chunks.filter((c) => c.date === gen.dates[0]);
      days = await runDays(app, firstDay);
      // Day 2 arrives with a batch of orders whose order_no repeats other orders' numbers.
      const day2 = chunks.filter((c) => c.date === gen.dates[1]);
      const orders = sourceTable('t_order');
      const noIdx = orders.columns.findIndex((c) => c.name === 'order_no');
      const rows = day2[0]!.inserts.get('t_order')!;
      for (let i = 1; i <= 4; i++) rows[i * 10]![noIdx] = rows[0]![noIdx]!;
      for (const c of day2) await writeChunk(c, app.sinks());
    } finally {
      await app.close();
    }
    const env = { RECON_HOME: home };
    const reopened = await openApp({ env: {}, home, embeddedOnly: true });
    const before = await reconSnapshot(reopened.warehouse);
    await reopened.close();
    const x = io(env);
    const code = await main(
      [
        'run',
        '--date',
        gen.dates[1]!,
        '--as-of',
        asOfOf(chunks.find((c) => c.date === gen.dates[1] && c.lastOfDay)!.batchEnd),
      ],
      x,
    );
    expect(code).toBe(EXIT.DQ_HALT);
    expect(x.stderr()).toMatch(/halted by data quality: .*DQ-05 DUPLICATE on stg_recon_orders/);
    const after = await openApp({ env: {}, home, embeddedOnly: true });
    try {
      const now = await reconSnapshot(after.warehouse);
      for (const t of [
        'stg_recon_level1_results',
        'stg_recon_level2_results',
        'stg_recon_level3_results',
        'dwd_two_way_reconciliation',
        'dwd_two_way_reconciliation_detail',
      ]) {
        expect(now[t], t).toEqual(before[t]);
      }
      const runs = await after.warehouse.query<{
        recon_date: string;
        status: string;
        failed_step: string | null;
      }>('SELECT recon_date, status, failed_step FROM recon.dwd_recon_anomaly_metrics ORDER BY recon_date');
      expect(runs).toEqual([
        { recon_date: days[0]!.date, status: 'SUCCEEDED', failed_step: null },
        { recon_date: gen.dates[1], status: 'FAILED_DQ', failed_step: 'DataQualityPreChecks' },
      ]);
      const dq = await after.warehouse.query<{ status: string }>(
        "SELECT status FROM recon.dwd_recon_dq_results WHERE check_id = 'DQ-05' AND table_name = 'stg_recon_orders' AND recon_date = CAST(:d AS DATE)",
        { d: gen.dates[1]! },
      );
      expect(dq.map((d) => d.status)).toContain('FAIL');
      // The next day arrives and passes its checks: its run re-evaluates the window but leaves
      // out the halted date, which is never matched on the data that failed.
      for (const c of chunks.filter((c) => c.date === gen.dates[2])) await writeChunk(c, after.sinks());
    } finally {
      await after.close();
    }
    const y = io(env);
    const day3AsOf = asOfOf(chunks.find((c) => c.date === gen.dates[2] && c.lastOfDay)!.batchEnd);
    expect(await main(['run', '--date', gen.dates[2]!, '--as-of', day3AsOf, '--json'], y)).toBe(EXIT.OK);
    const doc = JSON.parse(y.stdout()) as { window: { skipped: string[] } };
    expect(doc.window.skipped).toEqual([gen.dates[1]]);
    const last = await openApp({ env: {}, home, embeddedOnly: true });
    try {
      const halted = await last.warehouse.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM recon.stg_recon_level1_results WHERE recon_date = CAST(:d AS DATE)',
        { d: gen.dates[1]! },
      );
      expect(halted[0]!.n).toBe('0');
      const day3 = await last.warehouse.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM recon.stg_recon_level1_results WHERE recon_date = CAST(:d AS DATE)',
        { d: gen.dates[2]! },
      );
      expect(Number(day3[0]!.n)).toBeGreaterThan(100);
    } finally {
      await last.close();
    }
  });
});

describe('recon backfill and recon dq', () => {
  it('stops at a halted date and, started again, finishes the rest without redoing finished dates', async () => {
    const home = mkdtempSync(join(tmpdir(), 'recon-bf-'));
    const gen = generate({ startDate: '2026-11-09', days: 3, ordersPerDay: 150, seed: 9 });
    const chunks = [...gen.days()];
    const orders = sourceTable('t_order');
    const noIdx = orders.columns.findIndex((c) => c.name === 'order_no');
    const idIdx = orders.columns.findIndex((c) => c.name === 'id');
    const updIdx = orders.columns.findIndex((c) => c.name === 'update_time');
    const delIdx = orders.columns.findIndex((c) => c.name === 'is_del');
    const day2Orders = chunks.find((c) => c.date === gen.dates[1])!.inserts.get('t_order')!;
    const dupes = [10, 20, 30, 40].map((i) => day2Orders[i]!);
    for (const row of dupes) row[noIdx] = day2Orders[0]![noIdx]!;
    const lastAsOf = asOfOf(chunks.at(-1)!.batchEnd);
    const app = await openApp({ env: {}, home, embeddedOnly: true });
    try {
      const sinks = app.sinks();
      for (const s of SOURCE_IDS) await sinks[s].createTables();
      for (const c of chunks) await writeChunk(c, sinks);
      const range = { from: gen.dates[0]!, to: gen.dates[2]!, asOf: lastAsOf };
      const first = io({ RECON_HOME: home });
      expect(await backfillCommand(app, first, range)).toBe(EXIT.DQ_HALT);
      expect(first.stderr()).toMatch(new RegExp(`backfill bf-\\w+ stopped at ${gen.dates[1]}`));
      // The source fixes the duplicates (soft-deletes them, later than the extraction).
      const fixed = dupes.map((row) => {
        const r = [...row];
        r[delIdx] = 1;
        r[updIdx] = '2026-11-12 12:00:00';
        return r;
      });
      await sinks.salesorder.upsert(orders, fixed);
      const fixedAsOf = '2026-11-12T13:00:00Z';
      const second = io({ RECON_HOME: home });
      expect(await backfillCommand(app, second, { ...range, asOf: fixedAsOf })).toBe(EXIT.OK);
      expect(second.stderr()).toMatch(new RegExp(`resuming backfill bf-\\w+ at ${gen.dates[1]}`));
      const runs = await app.warehouse.query<{ recon_date: string; status: string }>(
        'SELECT recon_date, status FROM recon.dwd_recon_anomaly_metrics ORDER BY pipeline_start_time, recon_date',
      );
      expect(runs).toEqual([
        { recon_date: gen.dates[0], status: 'SUCCEEDED' },
        { recon_date: gen.dates[1], status: 'FAILED_DQ' },
        { recon_date: gen.dates[1], status: 'SUCCEEDED' },
        { recon_date: gen.dates[2], status: 'SUCCEEDED' },
      ]);
      const staged = await app.warehouse.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM recon.stg_recon_orders WHERE order_id IN (:a, :b, :c, :d)',
        { a: dupes[0]![idIdx], b: dupes[1]![idIdx], c: dupes[2]![idIdx], d: dupes[3]![idIdx] },
      );
      expect(staged[0]!.n).toBe('0');
      // Nothing left: a third start with the same range finds no unfinished backfill and starts anew.
      const done = await app.warehouse.query<{ status: string }>('SELECT status FROM recon.etl_backfills');
      expect(done).toEqual([{ status: 'COMPLETED' }]);

      // recon dq: the checks of a date on the warehouse as it is, changing nothing.
      const before = await reconSnapshot(app.warehouse);
      const dq = io({ RECON_HOME: home });
      expect(await dqCommand(app, dq, { date: gen.dates[2]!, asOf: fixedAsOf, json: true })).toBe(EXIT.OK);
      const doc = JSON.parse(dq.stdout()) as { results: { checkId: string; status: string }[] };
      expect(new Set(doc.results.map((r) => r.checkId))).toEqual(
        new Set(['DQ-01', 'DQ-02', 'DQ-03', 'DQ-04', 'DQ-05', 'DQ-06', 'DQ-07', 'DQ-08']),
      );
      expect(await reconSnapshot(app.warehouse)).toEqual(before);
    } finally {
      await app.close();
    }
  });
});
