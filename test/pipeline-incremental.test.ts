/**
 * End to end over five generated days, on both stacks: embedded sources + PGlite warehouse, and
 * MariaDB sources + PostgreSQL warehouse — the pipeline definition run by the local state-machine
 * runner, with Parquet staging files in between.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { duck } from '../packages/core/src/staging/duck.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';
import { counts, deadLetterSnapshot, type Snapshot, stagingSnapshot } from './support/snapshot.ts';
import { asOfOf } from './support/cli-io.ts';

const DAYS = 5;

interface Stack {
  /** Environment for the day-by-day app and for the fresh "full" app. */
  env(): Promise<{ incremental: NodeJS.ProcessEnv; full: NodeJS.ProcessEnv; cleanup(): Promise<void> }>;
}

const stacks: [string, Stack][] = [
  [
    'embedded sources + PGlite warehouse',
    {
      async env() {
        const dir = mkdtempSync(join(tmpdir(), 'recon-inc-'));
        return {
          incremental: {},
          full: {
            RECON_WAREHOUSE_URL: `pglite://${join(dir, 'full-warehouse')}`,
            RECON_STAGING_URL: `file://${join(dir, 'full-staging')}`,
          },
          cleanup: async () => undefined,
        };
      },
    },
  ],
  [
    'MariaDB sources + PostgreSQL warehouse',
    {
      async env() {
        const dir = mkdtempSync(join(tmpdir(), 'recon-inc-'));
        const sources = await createTestMysqlSources('ti');
        const a = await createTestPgDatabase('tia');
        const b = await createTestPgDatabase('tib');
        const src = {
          RECON_SALESORDER_URL: sources.urls.salesorder,
          RECON_SALESPAYMENT_URL: sources.urls.salespayment,
          RECON_IFIACCOUNTING_URL: sources.urls.ifiaccounting,
          RECON_IUNIFIEDRECONCILE_URL: sources.urls.iunifiedreconcile,
        };
        return {
          incremental: {
            ...src,
            RECON_WAREHOUSE_URL: a.url,
            RECON_STAGING_URL: `file://${join(dir, 'staging')}`,
          },
          full: {
            ...src,
            RECON_WAREHOUSE_URL: b.url,
            RECON_STAGING_URL: `file://${join(dir, 'full-staging')}`,
          },
          cleanup: async () => {
            await sources.drop();
            await a.drop();
            await b.drop();
          },
        };
      },
    },
  ],
];

describe.each(stacks)('pipeline day by day on %s', (_name, stack) => {
  // 2026-03-05 … 03-09 crosses the spring-forward change on 03-08.
  const generator = generate({ startDate: '2026-03-05', days: DAYS, ordersPerDay: 300, seed: 7 });
  const home = mkdtempSync(join(tmpdir(), 'recon-e2e-'));
  let app: App;
  let envs: Awaited<ReturnType<Stack['env']>>;
  const asOfs: { date: string; asOf: string }[] = [];
  let incremental: Snapshot;
  let incrementalDead: unknown[];

  beforeAll(async () => {
    envs = await stack.env();
    app = await openApp({ env: envs.incremental, home });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of generator.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const asOf = asOfOf(chunk.batchEnd);
      asOfs.push({ date: chunk.date, asOf });
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`${chunk.date}: ${outcome.status}: ${outcome.cause}`);
    }
    incremental = await stagingSnapshot(app.warehouse);
    incrementalDead = await deadLetterSnapshot(app.warehouse);
  });

  afterAll(async () => {
    await app?.close();
    await envs?.cleanup();
  });

  it('stages every live USD order, and no NZD or soft-deleted one', async () => {
    expect(asOfs).toHaveLength(DAYS);
    const key = generator.answerKey();
    const orders = incremental.stg_recon_orders as { currency_code: string; order_id: string }[];
    expect(orders.every((o) => o.currency_code === 'USD')).toBe(true);
    expect(orders.length).toBe(key.orders - key.nzdOrders - (key.lateSoftDeleted.t_order ?? 0));
    const runs = await app.warehouse.query<{ status: string }>(
      'SELECT status FROM recon.dwd_recon_anomaly_metrics',
    );
    expect(runs).toHaveLength(DAYS);
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
  });

  it('writes staging Parquet laid out stg_recon_<table>/dt=D/ with the exact types Redshift COPY reads', async () => {
    const keys = await app.staging.list('stg_recon_receipts/');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /^stg_recon_receipts\/dt=\d{4}-\d{2}-\d{2}\/part-.+\.parquet$/.test(k))).toBe(
      true,
    );
    const path = await app.staging.localCopy(keys[0]!, home);
    const db = await duck();
    const schema = await db.runAndReadAll(
      `SELECT name, type, converted_type, scale, precision FROM parquet_schema('${path}') WHERE name IN ('receipt_id', 'receipt_amount_usd', 'create_time', 'biz_date', 'order_id_str')`,
    );
    const byName = Object.fromEntries(
      schema
        .getRowObjects()
        .map((r) => [String(r.name), [r.type, r.converted_type, r.scale, r.precision].map(String)]),
    );
    expect(byName.receipt_id).toEqual(['INT64', 'INT_64', 'null', 'null']);
    expect(byName.receipt_amount_usd).toEqual(['INT64', 'DECIMAL', '2', '12']);
    expect(byName.create_time).toEqual(['INT64', 'TIMESTAMP_MICROS', 'null', 'null']);
    expect(byName.biz_date).toEqual(['INT32', 'DATE', 'null', 'null']);
    expect(byName.order_id_str).toEqual(['BYTE_ARRAY', 'UTF8', 'null', 'null']);
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
      env: envs.full,
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
