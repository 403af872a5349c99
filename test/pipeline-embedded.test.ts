/**
 * End to end on the embedded components: synthetic sources in PGlite, the pipeline definition run
 * by the local state-machine runner, Parquet staging files, and the PGlite warehouse.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { counts, deadLetterSnapshot, type Snapshot, stagingSnapshot } from './support/snapshot.ts';

const DAYS = 5;
// 2026-03-05 … 03-09 crosses the spring-forward change on 03-08.
const generator = generate({ startDate: '2026-03-05', days: DAYS, ordersPerDay: 300, seed: 7 });
const asOfOf = (batchEnd: string) => `${batchEnd.replace(' ', 'T')}Z`;

describe('pipeline on embedded sources and the PGlite warehouse', () => {
  const home = mkdtempSync(join(tmpdir(), 'recon-e2e-'));
  let app: App;
  const asOfs: { date: string; asOf: string }[] = [];
  let incremental: Snapshot;
  let incrementalDead: unknown[];

  beforeAll(async () => {
    app = await openApp({ env: {}, home, embeddedOnly: true });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of generator.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const asOf = asOfOf(chunk.batchEnd);
      asOfs.push({ date: chunk.date, asOf });
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`${chunk.date}: ${outcome.error}: ${outcome.cause}`);
    }
    incremental = await stagingSnapshot(app.warehouse);
    incrementalDead = await deadLetterSnapshot(app.warehouse);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs day by day and stages every USD order, and no NZD or soft-deleted one', async () => {
    expect(asOfs).toHaveLength(DAYS);
    const key = generator.answerKey();
    const orders = incremental.stg_recon_orders as { currency_code: string; order_id: string }[];
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((o) => o.currency_code === 'USD')).toBe(true);
    const liveUsd = key.orders - key.nzdOrders - (key.lateSoftDeleted.t_order ?? 0);
    expect(orders.length).toBe(liveUsd);
    const deleted = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.stg_recon_orders WHERE order_status = 8',
    );
    expect(Number(deleted[0]!.n)).toBeGreaterThanOrEqual(0);
    const runs = await app.warehouse.query<{ status: string }>(
      'SELECT status FROM recon.dwd_recon_anomaly_metrics',
    );
    expect(runs).toHaveLength(DAYS);
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
  });

  it('writes Parquet staging files laid out stg_recon_<table>/dt=YYYY-MM-DD/', async () => {
    const keys = await app.staging.list('stg_recon_orders/');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^stg_recon_orders\/dt=\d{4}-\d{2}-\d{2}\/part-.+\.parquet$/.test(k))).toBe(
      true,
    );
  });

  it('is idempotent: running the same date again changes nothing', async () => {
    const last = asOfs.at(-1)!;
    const again = await runPipeline(app.runtime, { reconDate: last.date, asOf: last.asOf });
    expect(again.status).toBe('SUCCEEDED');
    const after = await stagingSnapshot(app.warehouse);
    expect(counts(after)).toEqual(counts(incremental));
    expect(after).toEqual(incremental);
    expect(await deadLetterSnapshot(app.warehouse)).toEqual(incrementalDead);
  });

  it('incremental equals full: day-by-day staging equals one fresh extraction of everything', async () => {
    const last = asOfs.at(-1)!;
    const full = await openApp({
      env: {
        RECON_WAREHOUSE_URL: `pglite://${join(home, 'full-warehouse')}`,
        RECON_STAGING_URL: `file://${join(home, 'full-staging')}`,
      },
      home,
      settings: { extractionLookbackDays: DAYS + 5 },
      embeddedSources: app.embedded,
    });
    try {
      const outcome = await runPipeline(full.runtime, { reconDate: last.date, asOf: last.asOf });
      expect(outcome.status).toBe('SUCCEEDED');
      const fresh = await stagingSnapshot(full.warehouse);
      expect(counts(fresh)).toEqual(counts(incremental));
      for (const table of Object.keys(fresh)) expect(fresh[table], table).toEqual(incremental[table]);
      expect(await deadLetterSnapshot(full.warehouse)).toEqual(incrementalDead);
    } finally {
      await full.close();
    }
  });
});
