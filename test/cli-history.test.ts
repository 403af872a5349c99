/**
 * `recon runs` and `recon dead-letters`: the run records (a failed run's step and error) and a
 * date's dead letters, on a real PostgreSQL warehouse after real runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { main } from '../packages/core/src/cli/main.ts';
import { WarehouseError } from '../packages/core/src/errors.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import { insertDeadLetters } from '../packages/core/src/warehouse/load.ts';
import { io } from './support/cli-io.ts';
import { createTestPgDatabase } from './support/databases.ts';

const gen = generate({ startDate: '2026-10-12', days: 2, ordersPerDay: 60, seed: 31 });
const D = gen.dates.at(-1)!;
const asOf = toIso(gen.batchEndOf(D));
let app: App;
let home: string;
let db: Awaited<ReturnType<typeof createTestPgDatabase>>;

beforeAll(async () => {
  db = await createTestPgDatabase('hist');
  home = mkdtempSync(join(tmpdir(), 'recon-hist-'));
  app = await openApp({ env: { RECON_WAREHOUSE_URL: db.url }, home });
  const sinks = app.sinks();
  for (const s of SOURCE_IDS) await sinks[s].createTables();
  for (const chunk of gen.days()) await writeChunk(chunk, sinks);
  expect((await runPipeline(app.runtime, { reconDate: D, asOf, runId: 'hist-ok' })).status).toBe('SUCCEEDED');
  const failed = await runPipeline(
    app.runtime,
    { reconDate: D, asOf, runId: 'hist-failed' },
    {
      retryIntervalMs: 0,
      handlers: {
        MatchLevels: async () => {
          throw new WarehouseError('the warehouse went away');
        },
      },
    },
  );
  expect(failed.status).toBe('FAILED');
  await app.warehouse.transaction((tx) =>
    insertDeadLetters(
      tx,
      ['101', '102', '103'].map((pk, i) => ({
        runId: 'hist-ok',
        reconDate: D,
        sourceName: 'salespayment',
        tableName: i < 2 ? 't_order_pay' : 't_trade',
        sourcePk: pk,
        sourceVersion: `${D} 10:00:0${i}`,
        reason: i < 2 ? 'negative amount -1.00 in pay_amount' : 'amount "12.345" has more than 2 decimals',
        rawRow: JSON.stringify({ id: pk, pay_money: i < 2 ? '-100' : '12.345' }),
      })),
    ),
  );
  await app.close();
}, 300_000);

afterAll(async () => {
  await db?.drop();
});

async function recon(argv: string[]) {
  const x = io({ RECON_HOME: home, RECON_WAREHOUSE_URL: db.url });
  return { code: await main(argv, x), out: x.stdout(), err: x.stderr() };
}

describe('recon runs', () => {
  it('lists the runs newest first, a failed one with its step and error', async () => {
    const r = await recon(['runs']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.indexOf('hist-failed')).toBeLessThan(r.out.indexOf('hist-ok'));
    expect(r.out).toMatch(/hist-ok\s+│ 2026-10-13 │ SUCCEEDED/);
    expect(r.out).toContain('hist-failed FAILED in MatchLevels: WarehouseError: the warehouse went away');
  });

  it('filters by status and date, and limits', async () => {
    const failed = JSON.parse((await recon(['runs', '--status', 'failed', '--json'])).out) as {
      run_id: string;
    }[];
    expect(failed.map((r) => r.run_id)).toEqual(['hist-failed']);
    const one = JSON.parse((await recon(['runs', '--date', D, '--limit', '1', '--json'])).out) as {
      run_id: string;
      status: string;
      failed_step: string;
    }[];
    expect(one).toEqual([expect.objectContaining({ run_id: 'hist-failed', failed_step: 'MatchLevels' })]);
    expect((await recon(['runs', '--date', '2026-10-01'])).out).toBe('No run recorded.\n');
  });

  it('refuses a bad status, date or limit', async () => {
    expect(await recon(['runs', '--status', 'DONE'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--status must be one of SUCCEEDED, FAILED, FAILED_DQ, got "DONE"/),
    });
    expect((await recon(['runs', '--date', '2026-02-30'])).code).toBe(2);
    expect((await recon(['runs', '--limit', '0'])).code).toBe(2);
  });
});

describe('recon dead-letters', () => {
  it('shows the date’s dead letters with their reason and raw row', async () => {
    const r = await recon(['dead-letters', '--date', D]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /t_order_pay\s+│ 101\s+│ 2026-10-13 10:00:00 │ negative amount -1.00 in pay_amount/,
    );
    expect(r.out).toContain('{"id":"103","pay_money":"12.345"}');
    expect(r.out).toMatch(/3 row\(s\) dead-lettered for 2026-10-13\.\n$/);
  });

  it('filters by table and limits, saying how many there are', async () => {
    const t = JSON.parse(
      (await recon(['dead-letters', '--date', D, '--table', 't_trade', '--json'])).out,
    ) as {
      total: number;
      rows: { source_pk: string }[];
    };
    expect(t.total).toBe(1);
    expect(t.rows.map((x) => x.source_pk)).toEqual(['103']);
    expect((await recon(['dead-letters', '--date', D, '--limit', '1'])).out).toMatch(
      /3 row\(s\) dead-lettered for 2026-10-13 \(1 shown; --limit for more\)\.\n$/,
    );
    expect((await recon(['dead-letters', '--date', '2026-10-01'])).out).toBe(
      'No row was dead-lettered for 2026-10-01.\n',
    );
  });

  it('refuses an unknown table and a missing date', async () => {
    expect(await recon(['dead-letters', '--date', D, '--table', 'orders'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--table must be a source table \(t_order, /),
    });
    expect((await recon(['dead-letters'])).code).toBe(2);
  });
});
