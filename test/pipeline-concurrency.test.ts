/**
 * Two executions at once (a backfill with concurrency 2: dates whose re-evaluation windows overlap)
 * never write a row twice. Two runs of the same date are refused by the date's run lease
 * (test/run-lease.test.ts); the tasks here are called directly, without the lease, so the pipeline
 * lock is shown to hold even then. Redshift does not enforce primary keys, so the test drops them on
 * PostgreSQL to behave the same way: without the pipeline lock the two matching transactions
 * interleave their delete-then-insert windows and every order gets two result rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { anomalyScan, matchLevels } from '../packages/core/src/pipeline/tasks.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { createTestPgDatabase } from './support/databases.ts';

const KEYED = [
  'stg_recon_level1_results',
  'stg_recon_level2_results',
  'stg_recon_level3_results',
  'dwd_two_way_reconciliation',
  'dwd_two_way_reconciliation_detail',
  'dwd_recon_anomalies',
  'dwd_recon_anomaly_events',
];
const AS_OF = '2026-11-22T02:00:00Z';

let app: App;
let db: Awaited<ReturnType<typeof createTestPgDatabase>>;

beforeAll(async () => {
  db = await createTestPgDatabase('conc');
  app = await openApp({
    env: { RECON_WAREHOUSE_URL: db.url },
    home: mkdtempSync(join(tmpdir(), 'recon-conc-')),
  });
  const sinks = app.sinks();
  for (const s of SOURCE_IDS) await sinks[s].createTables();
  for (const chunk of generate({ startDate: '2026-11-15', days: 6, ordersPerDay: 80, seed: 5 }).days()) {
    await writeChunk(chunk, sinks);
  }
  const first = await runPipeline(app.runtime, { reconDate: '2026-11-20', asOf: AS_OF, runId: 'load-all' });
  expect(first.status).toBe('SUCCEEDED');
  // As on Redshift: primary keys informational only.
  for (const t of KEYED)
    await app.warehouse.execute(`ALTER TABLE recon.${t} DROP CONSTRAINT IF EXISTS ${t}_pkey`);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

async function duplicates(table: string, key: string): Promise<number> {
  const rows = await app.warehouse.query<{ n: string }>(
    `SELECT COUNT(*) AS n FROM (SELECT ${key} FROM recon.${table} GROUP BY ${key} HAVING COUNT(*) > 1) d`,
  );
  return Number(rows[0]!.n);
}

describe('two executions at once', () => {
  it('match overlapping windows one after the other: one result row per order and date', async () => {
    await Promise.all(
      ['2026-11-19', '2026-11-20', '2026-11-19', '2026-11-20'].map((reconDate, i) =>
        matchLevels(app.runtime, { runId: `exec-${i}`, reconDate, asOf: AS_OF }),
      ),
    );
    expect(await duplicates('stg_recon_level1_results', 'recon_date, order_id')).toBe(0);
    expect(await duplicates('stg_recon_level2_results', 'recon_date, order_id')).toBe(0);
    expect(await duplicates('stg_recon_level3_results', 'recon_date, shop_id')).toBe(0);
    expect(await duplicates('dwd_two_way_reconciliation', 'recon_date, recon_level')).toBe(0);
  });

  it('scan for anomalies one after the other: one anomaly per identity', async () => {
    const ranges = [{ fromDate: '2026-11-16', toDate: '2026-11-20' }];
    await Promise.all(
      [0, 1, 2].map((i) =>
        anomalyScan(app.runtime, { runId: `scan-${i}`, reconDate: '2026-11-20', asOf: AS_OF, ranges }),
      ),
    );
    expect(await duplicates('dwd_recon_anomalies', 'anomaly_id')).toBe(0);
    expect(await duplicates('dwd_recon_anomaly_events', 'event_id')).toBe(0);
  });
});
