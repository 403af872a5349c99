/**
 * One run at a time per business date (issue: reliability — concurrency), on a real PostgreSQL
 * warehouse: a second run for a date being reconciled is refused with a message naming the
 * holder and changes nothing; the lease is released when a run fails; a holder killed without
 * recording anything keeps the date only until its lease expires; and a person's triage made
 * while a run is scanning anomalies is never lost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, investigate, resolve } from '../packages/core/src/anomalies/workflow.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { main } from '../packages/core/src/cli/main.ts';
import { RunInProgressError, WarehouseError } from '../packages/core/src/errors.ts';
import { holdRunLease, leaseHolder, releaseRunLease } from '../packages/core/src/pipeline/lease.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { io } from './support/cli-io.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';

const AS_OF = '2026-11-22T02:00:00Z';
const D = '2026-11-20';

let app: App;
let home: string;
let env: Record<string, string>;
const drops: (() => Promise<void>)[] = [];

const openOurs = () => openApp({ env, home });

beforeAll(async () => {
  const [sources, db] = await Promise.all([createTestMysqlSources('lease'), createTestPgDatabase('lease')]);
  drops.push(sources.drop, db.drop);
  env = {
    RECON_SALESORDER_URL: sources.urls.salesorder,
    RECON_SALESPAYMENT_URL: sources.urls.salespayment,
    RECON_IFIACCOUNTING_URL: sources.urls.ifiaccounting,
    RECON_IUNIFIEDRECONCILE_URL: sources.urls.iunifiedreconcile,
    RECON_WAREHOUSE_URL: db.url,
  };
  home = mkdtempSync(join(tmpdir(), 'recon-lease-'));
  app = await openOurs();
  await writeToSinks(generate({ startDate: '2026-11-15', days: 6, ordersPerDay: 80, seed: 8 }), app.sinks());
}, 300_000);

afterAll(async () => {
  await app?.close();
  for (const drop of drops) await drop();
});

async function leases(): Promise<{ recon_date: string; run_id: string }[]> {
  return app.warehouse.query('SELECT recon_date, run_id FROM recon.etl_run_leases ORDER BY recon_date');
}

async function recordedRuns(runId: string): Promise<number> {
  const rows = await app.warehouse.query<{ n: string }>(
    'SELECT COUNT(*) AS n FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = :runId',
    { runId },
  );
  return Number(rows[0]!.n);
}

/** Pretend `minutes` passed on the warehouse clock for the lease of `date`. */
async function age(date: string, minutes: number): Promise<void> {
  await app.warehouse.execute(
    `UPDATE recon.etl_run_leases
     SET expires_at = expires_at - CAST(:m AS INTEGER) * INTERVAL '1 minute'
     WHERE recon_date = CAST(:d AS DATE)`,
    { d: date, m: String(minutes) },
  );
}

describe('the lease of a business date', () => {
  const date = '2026-01-05';
  afterAll(async () => {
    await app.warehouse.execute("DELETE FROM recon.etl_run_leases WHERE recon_date < DATE '2026-02-01'");
  });

  it('is taken by the first run, renewed by it, refused to a second with the holder named', async () => {
    await holdRunLease(app.warehouse, { runId: 'first', reconDate: date }, 60);
    const taken = await leaseHolder(app.warehouse, date);
    expect(taken).toMatchObject({ runId: 'first', live: true });
    await new Promise((r) => setTimeout(r, 20));
    await holdRunLease(app.warehouse, { runId: 'first', reconDate: date }, 60);
    const renewed = await leaseHolder(app.warehouse, date);
    expect(renewed!.acquiredAt).toBe(taken!.acquiredAt);
    expect(renewed!.expiresAt > taken!.expiresAt).toBe(true);

    const refused = await holdRunLease(app.warehouse, { runId: 'second', reconDate: date }, 60).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RunInProgressError);
    expect((refused as Error).message).toMatch(
      /^business date 2026-01-05 is being reconciled by run first \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; its lease runs until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC unless renewed\)\. Run second was refused and changed nothing/,
    );
    // Another date is independent.
    await holdRunLease(app.warehouse, { runId: 'second', reconDate: '2026-01-06' }, 60);
    expect((await leaseHolder(app.warehouse, date))!.runId).toBe('first');
  });

  it('is released only by its holder', async () => {
    await app.warehouse.transaction((tx) => releaseRunLease(tx, { runId: 'second', reconDate: date }));
    expect((await leaseHolder(app.warehouse, date))!.runId).toBe('first');
    await app.warehouse.transaction((tx) => releaseRunLease(tx, { runId: 'first', reconDate: date }));
    expect(await leaseHolder(app.warehouse, date)).toBeNull();
    await holdRunLease(app.warehouse, { runId: 'second', reconDate: date }, 60);
    expect((await leaseHolder(app.warehouse, date))!.runId).toBe('second');
  });

  it('expires when its holder stops renewing it, and is then taken over', async () => {
    await age(date, 59);
    await expect(holdRunLease(app.warehouse, { runId: 'third', reconDate: date }, 60)).rejects.toThrow(
      RunInProgressError,
    );
    await age(date, 2);
    expect((await leaseHolder(app.warehouse, date))!.live).toBe(false);
    await holdRunLease(app.warehouse, { runId: 'third', reconDate: date }, 60);
    expect(await leaseHolder(app.warehouse, date)).toMatchObject({ runId: 'third', live: true });
  });

  it('refuses a malformed run id or date before any SQL', async () => {
    await expect(holdRunLease(app.warehouse, { runId: "x' OR 1=1", reconDate: date }, 60)).rejects.toThrow(
      /invalid run id/,
    );
    await expect(holdRunLease(app.warehouse, { runId: 'x', reconDate: '2026-02-30' }, 60)).rejects.toThrow(
      /invalid recon date "2026-02-30"/,
    );
  });
});

describe('two runs of one business date at once', () => {
  it('one reconciles the date; the other is refused at its first task, naming the holder, and records nothing', async () => {
    const [a, b] = await Promise.all([
      runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'lease-a' }),
      runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'lease-b' }),
    ]);
    const outcomes = [a, b].sort((x, y) => x.status.localeCompare(y.status));
    expect(outcomes.map((o) => o.status)).toEqual(['FAILED', 'SUCCEEDED']);
    const [refused, done] = outcomes as [
      Extract<typeof a, { status: 'FAILED' }>,
      Extract<typeof a, { status: 'SUCCEEDED' }>,
    ];
    expect(refused.failedStep).toBe('PlanExtraction');
    expect(refused.error).toBe('RunInProgressError');
    expect(refused.cause).toContain(`business date ${D} is being reconciled by run ${done.runId}`);
    // The refusal is not a pipeline failure: no run record, no alert; the holder's record stands.
    expect(await recordedRuns(refused.runId)).toBe(0);
    expect(await recordedRuns(done.runId)).toBe(1);
    const alerts = await app.warehouse.query('SELECT * FROM recon.dwd_recon_alerts WHERE run_id = :r', {
      r: refused.runId,
    });
    expect(alerts).toEqual([]);
    // The holder released the date when it recorded its outcome.
    expect((await leases()).filter((l) => l.recon_date === D)).toEqual([]);
    const dup = await app.warehouse.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM (SELECT order_id FROM recon.stg_recon_level1_results
         WHERE recon_date = CAST(:d AS DATE) GROUP BY order_id HAVING COUNT(*) > 1) x`,
      { d: D },
    );
    expect(dup[0]!.n).toBe('0');
  }, 120_000);

  it('`recon run` says the run was refused and who holds the date (exit 1)', async () => {
    await holdRunLease(app.warehouse, { runId: 'operator-run', reconDate: D }, 60);
    try {
      const x = io({ ...env, RECON_HOME: home });
      const code = await main(['run', '--date', D, '--as-of', AS_OF], x);
      expect(code).toBe(1);
      expect(x.stderr()).toMatch(
        new RegExp(
          `error: run refused: business date ${D} is being reconciled by run operator-run \\(since `,
        ),
      );
      expect(x.stderr()).not.toMatch(/failed in/);
    } finally {
      await app.warehouse.transaction((tx) => releaseRunLease(tx, { runId: 'operator-run', reconDate: D }));
    }
  }, 120_000);
});

describe('a run that fails or dies', () => {
  it('gives the date back when it fails: the failure is recorded and the next run goes ahead at once', async () => {
    const failed = await runPipeline(
      app.runtime,
      { reconDate: D, asOf: AS_OF, runId: 'lease-fails' },
      {
        retryIntervalMs: 0,
        handlers: {
          MatchLevels: async () => {
            throw new WarehouseError('the warehouse went away');
          },
        },
      },
    );
    expect(failed).toMatchObject({ status: 'FAILED', failedStep: 'MatchLevels' });
    expect(await recordedRuns('lease-fails')).toBe(1);
    expect((await leases()).filter((l) => l.recon_date === D)).toEqual([]);
    const next = await runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'lease-after-failure' });
    expect(next.status).toBe('SUCCEEDED');
  }, 120_000);

  it('killed without recording anything, it holds the date until its lease expires', async () => {
    const child = spawn(
      process.execPath,
      ['packages/core/bin/recon.mjs', 'run', '--date', D, '--as-of', AS_OF, '--json'],
      {
        env: { ...process.env, ...env, RECON_HOME: home },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until the child holds the date, then kill it mid-run.
    let holder: string | null = null;
    for (let i = 0; i < 600 && holder === null; i++) {
      holder = (await leaseHolder(app.warehouse, D))?.runId ?? null;
      if (holder === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(holder, stderr).not.toBeNull();
    child.kill('SIGKILL');
    await exited;
    expect(await recordedRuns(holder!)).toBe(0);

    const refused = await runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'after-kill' });
    expect(refused).toMatchObject({ status: 'FAILED', error: 'RunInProgressError' });
    expect((refused as { cause: string }).cause).toContain(`reconciled by run ${holder}`);

    await age(D, app.settings.runLeaseMinutes + 1);
    const taken = await runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'after-expiry' });
    expect(taken.status).toBe('SUCCEEDED');
    expect((await leases()).filter((l) => l.recon_date === D)).toEqual([]);
  }, 180_000);
});

describe('recon lease', () => {
  it('lists who holds which date, and gives back a dead run’s date only when named as its holder', async () => {
    await holdRunLease(app.warehouse, { runId: 'dead-run', reconDate: D }, 60);
    const cli = async (argv: string[]) => {
      const x = io({ ...env, RECON_HOME: home });
      return { code: await main(argv, x), out: x.stdout(), err: x.stderr() };
    };
    const listed = await cli(['lease', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`${D} +│? *dead-run .* held`));
    const json = await cli(['lease', 'list', '--json']);
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ reconDate: D, runId: 'dead-run', live: true }),
    ]);

    const wrong = await cli(['lease', 'release', '--date', D, '--run', 'some-other-run']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(
      `error: business date ${D} is held by run dead-run, not some-other-run: nothing released\n`,
    );
    expect(await cli(['lease', 'release', '--date', D, '--run', "x' OR '1'='1"])).toMatchObject({ code: 2 });
    expect((await leaseHolder(app.warehouse, D))!.runId).toBe('dead-run');

    const released = await cli(['lease', 'release', '--date', D, '--run', 'dead-run']);
    expect(released.code).toBe(0);
    expect(released.out).toMatch(new RegExp(`^Released business date ${D} from run dead-run \\(held since `));
    expect((await cli(['lease', 'list'])).out).toBe('No business date is being reconciled.\n');
    expect(await cli(['lease', 'release', '--date', D, '--run', 'dead-run'])).toMatchObject({
      code: 1,
      err: `error: nobody holds business date ${D}: nothing to release\n`,
    });
    const next = await runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'after-release' });
    expect(next.status).toBe('SUCCEEDED');
  }, 120_000);
});

describe('a run and a triage command at once', () => {
  it('never loses the person’s change', async () => {
    const open = await app.warehouse.query<{ anomaly_id: string }>(
      `SELECT anomaly_id FROM recon.dwd_recon_anomalies
       WHERE status = 'OPEN' AND recon_date BETWEEN CAST(:f AS DATE) AND CAST(:t AS DATE)
       ORDER BY anomaly_id LIMIT 6`,
      { f: '2026-11-17', t: D },
    );
    expect(open.length).toBeGreaterThanOrEqual(3);
    const ids = open.map((o) => o.anomaly_id);
    const run = runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'run-during-triage' });
    const triage = (async () => {
      for (const [i, id] of ids.entries()) {
        await assign(app.warehouse, id, { by: 'analyst', to: `owner-${i}` });
        if (i % 2 === 0) await investigate(app.warehouse, id, { by: 'analyst' });
        else await resolve(app.warehouse, id, { by: 'analyst', note: `checked ${i}` });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const [outcome] = await Promise.all([run, triage]);
    expect(outcome.status).toBe('SUCCEEDED');
    const rows = await app.warehouse.query<{
      anomaly_id: string;
      status: string;
      assigned_to: string;
      status_set_by: string;
    }>(
      `SELECT anomaly_id, status, assigned_to, status_set_by FROM recon.dwd_recon_anomalies
       WHERE anomaly_id IN (${ids.map((_, i) => `:id${i}`).join(', ')}) ORDER BY anomaly_id`,
      Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
    );
    for (const [i, id] of ids.entries()) {
      const row = rows.find((r) => r.anomaly_id === id)!;
      expect(row.assigned_to).toBe(`owner-${i}`);
      expect(row.status).toBe(i % 2 === 0 ? 'INVESTIGATING' : 'RESOLVED');
      expect(row.status_set_by).toBe('PERSON');
    }
    // Every triage command left its event, with its actor.
    const events = await app.warehouse.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM recon.dwd_recon_anomaly_events
       WHERE actor = 'analyst' AND anomaly_id IN (${ids.map((_, i) => `:id${i}`).join(', ')})`,
      Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
    );
    expect(Number(events[0]!.n)).toBe(ids.length * 2);
    // A later run does not undo them either.
    const again = await runPipeline(app.runtime, { reconDate: D, asOf: AS_OF, runId: 'run-after-triage' });
    expect(again.status).toBe('SUCCEEDED');
    const after = await app.warehouse.query<{ status: string }>(
      `SELECT status FROM recon.dwd_recon_anomalies WHERE anomaly_id IN (${ids.map((_, i) => `:id${i}`).join(', ')})
       ORDER BY anomaly_id`,
      Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
    );
    expect(after.map((r) => r.status)).toEqual(rows.map((r) => r.status));
  }, 180_000);
});
