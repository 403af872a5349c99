/**
 * Faults injected on purpose (issue: reliability and security), on real MariaDB sources and real
 * PostgreSQL warehouses. Every faulty run is compared with a clean run of the same data (same
 * as-of) on its own warehouse: the warehouse contents must end exactly equal — no row lost,
 * none doubled — and while a step is broken nothing partial may be visible.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnectionError, WarehouseError } from '../packages/core/src/errors.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { localHandlers, runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import type { Runtime } from '../packages/core/src/pipeline/runtime.ts';
import type { SourceReader } from '../packages/core/src/sources/types.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import type { Warehouse, WarehouseTx } from '../packages/core/src/warehouse/types.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';
import { reconSnapshot } from './support/recon-snapshot.ts';

const gen = generate({ startDate: '2026-09-14', days: 1, ordersPerDay: 600, seed: 21 });
const date = gen.dates[0]!;
const asOf = toIso(gen.batchEndOf(date));
const drops: (() => Promise<void>)[] = [];
let sourceEnv: Record<string, string>;
let clean: Record<string, string[]>;

/**
 * The warehouse contents without the wall-clock instants a run stamps on what it writes
 * (`detected_at`, `created_at`, …), which differ between two runs of the same data; rows sorted.
 */
async function contents(wh: Warehouse): Promise<Record<string, string[]>> {
  const snapshot = await reconSnapshot(wh);
  return Object.fromEntries(
    Object.entries(snapshot).map(([table, rows]) => [
      table,
      rows
        .map((r) =>
          JSON.stringify(
            Object.entries(r as Record<string, unknown>).filter(
              ([k]) => !k.endsWith('_at') && k !== 'event_id',
            ),
          ),
        )
        .sort(),
    ]),
  );
}

/** A fresh PostgreSQL warehouse over the shared sources; reads batches of `batchSize` rows. */
async function freshApp(batchSize?: number): Promise<App> {
  const wh = await createTestPgDatabase('tflt');
  drops.push(wh.drop);
  const home = mkdtempSync(join(tmpdir(), 'recon-faults-'));
  return openApp({
    home,
    env: { ...sourceEnv, RECON_WAREHOUSE_URL: wh.url, RECON_STAGING_URL: `file://${join(home, 'staging')}` },
    ...(batchSize ? { batchSize } : {}),
  });
}

/** A warehouse whose transactions' statements pass through `onExecute` first. */
function faultyWarehouse(wh: Warehouse, onExecute: (sql: string) => void): Warehouse {
  const wrapTx = (tx: WarehouseTx): WarehouseTx =>
    new Proxy(tx, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === 'execute' || prop === 'query' || prop === 'copyCsvFile') {
          return (...args: unknown[]) => {
            onExecute(String(args[0]));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return new Proxy(wh, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'transaction') {
        return <T>(fn: (tx: WarehouseTx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

beforeAll(async () => {
  const sources = await createTestMysqlSources('tflt');
  drops.push(sources.drop);
  sourceEnv = {
    RECON_SALESORDER_URL: sources.urls.salesorder,
    RECON_SALESPAYMENT_URL: sources.urls.salespayment,
    RECON_IFIACCOUNTING_URL: sources.urls.ifiaccounting,
    RECON_IUNIFIEDRECONCILE_URL: sources.urls.iunifiedreconcile,
  };
  const app = await freshApp();
  try {
    await writeToSinks(gen, app.sinks());
    const outcome = await runPipeline(app.runtime, { reconDate: date, asOf, runId: 'clean-run' });
    expect(outcome.status).toBe('SUCCEEDED');
    clean = await contents(app.warehouse);
    expect(clean.stg_recon_orders!.length).toBeGreaterThan(100);
    expect(clean.stg_recon_level1_results!.length).toBeGreaterThan(100);
  } finally {
    await app.close();
  }
}, 180_000);

afterAll(async () => {
  for (const drop of drops.reverse()) await drop().catch(() => undefined);
});

describe('faults', () => {
  it('a source connection lost in the middle of a partition: the partition is retried, the run equals the clean one', async () => {
    // Small batches, so the stream is still open when its connection is killed.
    const app = await freshApp(20);
    try {
      let killed = 0;
      const rt: Runtime = {
        ...app.runtime,
        reader: (source) => {
          const reader = app.runtime.reader(source);
          if (source !== 'salesorder') return reader;
          const wrapped: SourceReader = Object.create(reader) as SourceReader;
          wrapped.readPartition = async function* (spec, partition, options) {
            let batches = 0;
            for await (const batch of reader.readPartition(spec, partition, options)) {
              yield batch;
              if (spec.table === 't_order_pay' && killed === 0 && ++batches === 2) {
                // The connection is lost with the partition half read (rows already handed on).
                killed++;
                throw new SourceConnectionError(
                  `read failed for source salesorder table t_order_pay: connection lost (injected)`,
                );
              }
            }
          };
          return wrapped;
        },
      };
      let retried = 0;
      const outcome = await runPipeline(
        rt,
        { reconDate: date, asOf, runId: 'dropped-run' },
        {
          retryIntervalMs: 0,
          onProgress: (e) => {
            if (e.type === 'state-retried') retried++;
          },
        },
      );
      expect(killed).toBeGreaterThan(0);
      expect(retried).toBeGreaterThan(0);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(await contents(app.warehouse)).toEqual(clean);
    } finally {
      await app.close();
    }
  }, 180_000);

  it('the warehouse failing in the middle of the load: nothing partial is visible, a rerun equals the clean run', async () => {
    const app = await freshApp();
    try {
      const empty = await contents(app.warehouse);
      // The receipts' merge fails after the orders and payments were merged inside the load
      // transaction — on every attempt, so the execution fails at LoadStaging.
      const broken = faultyWarehouse(app.warehouse, (sql) => {
        if (sql.includes('step: insert_latest') && sql.includes('recon.stg_recon_receipts')) {
          throw new WarehouseError('connection to the warehouse lost (injected)');
        }
      });
      const rt: Runtime = { ...app.runtime, warehouse: broken };
      const base = localHandlers(rt);
      const failed = await runPipeline(
        app.runtime,
        { reconDate: date, asOf, runId: 'broken-load' },
        {
          retryIntervalMs: 0,
          handlers: { LoadStaging: base.LoadStaging },
        },
      );
      expect(failed).toMatchObject({ status: 'FAILED', failedStep: 'LoadStaging', error: 'WarehouseError' });
      const after = await contents(app.warehouse);
      // Nothing of the load is visible, no watermark moved; only the failure record was written.
      for (const table of Object.keys(empty)) {
        if (table === 'dwd_recon_alerts') continue;
        expect(after[table], table).toEqual(empty[table]);
      }
      const rerun = await runPipeline(app.runtime, { reconDate: date, asOf, runId: 'rerun-after-load' });
      expect(rerun.status).toBe('SUCCEEDED');
      expect(await contents(app.warehouse)).toEqual(clean);
    } finally {
      await app.close();
    }
  }, 180_000);

  it('killed between the staging load and the watermark advance: the next run neither misses nor doubles a row', async () => {
    const app = await freshApp();
    try {
      const died = await runPipeline(
        app.runtime,
        { reconDate: date, asOf, runId: 'died-run' },
        {
          retryIntervalMs: 0,
          handlers: {
            AdvanceWatermarks: async () => {
              throw new Error('process killed (injected)');
            },
          },
        },
      );
      expect(died).toMatchObject({ status: 'FAILED', failedStep: 'AdvanceWatermarks' });
      const staged = await app.warehouse.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM recon.stg_recon_orders',
      );
      expect(Number(staged[0]!.n)).toBe(clean.stg_recon_orders!.length);
      const next = await runPipeline(app.runtime, { reconDate: date, asOf, runId: 'next-run' });
      expect(next.status).toBe('SUCCEEDED');
      expect(await contents(app.warehouse)).toEqual(clean);
    } finally {
      await app.close();
    }
  }, 180_000);

  it('matching that exhausts its retries: recorded FAILED with step and cause, no result table half-written', async () => {
    const app = await freshApp();
    try {
      let attempts = 0;
      const broken = faultyWarehouse(app.warehouse, (sql) => {
        // Level 1 is written, then Level 2 fails — on every attempt.
        if (sql.includes('INSERT INTO recon.stg_recon_level2_results')) {
          attempts++;
          throw new WarehouseError('statement timeout (injected)');
        }
      });
      const base = localHandlers({ ...app.runtime, warehouse: broken });
      const failed = await runPipeline(
        app.runtime,
        { reconDate: date, asOf, runId: 'broken-match' },
        {
          retryIntervalMs: 0,
          handlers: { MatchLevels: base.MatchLevels },
        },
      );
      expect(failed).toMatchObject({ status: 'FAILED', failedStep: 'MatchLevels', error: 'WarehouseError' });
      expect(attempts).toBe(3);
      for (const table of [
        'stg_recon_level1_results',
        'stg_recon_level2_results',
        'dwd_two_way_reconciliation',
      ]) {
        const rows = await app.warehouse.query<{ n: string }>(`SELECT COUNT(*) AS n FROM recon.${table}`);
        expect(Number(rows[0]!.n), table).toBe(0);
      }
      const [run] = await app.warehouse.query<{ status: string; failed_step: string; error_message: string }>(
        "SELECT status, failed_step, error_message FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = 'broken-match'",
      );
      expect(run).toMatchObject({ status: 'FAILED', failed_step: 'MatchLevels' });
      expect(run!.error_message).toMatch(/^WarehouseError: .*statement timeout \(injected\)/);
      const alerts = await app.warehouse.query<{ alert_rule: string }>(
        "SELECT alert_rule FROM recon.dwd_recon_alerts WHERE run_id = 'broken-match'",
      );
      expect(alerts.map((a) => a.alert_rule)).toContain('PIPELINE_FAILED');
    } finally {
      await app.close();
    }
  }, 180_000);
});
