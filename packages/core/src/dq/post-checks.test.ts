/**
 * DQ-07 (runPostChecks) over the level result tables, and saveResults over
 * recon.dwd_recon_dq_results, on real PostgreSQL and PGlite.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReconError } from '../errors.ts';
import { settingsSchema } from '../settings.ts';
import { BusinessCalendar } from '../time.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { PRE_CHECK_IDS, runPostChecks, runPreChecks, saveResults } from './checks.ts';
import type { DqCheckId, DqContext, DqResult } from './types.ts';

const D = '2026-11-20';
const settings = settingsSchema.parse({});
const ctx: DqContext = {
  reconDate: D,
  asOf: '2026-11-21T11:00:00Z',
  settings,
  calendar: new BusinessCalendar('America/New_York'),
};

const LEVEL_TABLES = {
  L1: { table: 'stg_recon_level1_results', key: 'order_id' },
  L2: { table: 'stg_recon_level2_results', key: 'order_id' },
  L3: { table: 'stg_recon_level3_results', key: 'shop_id' },
} as const;
type Level = keyof typeof LEVEL_TABLES;

interface ColumnInfo {
  column_name: string;
  data_type: string;
  [key: string]: unknown;
}

/**
 * The level tables come from ddl/008_level_results.sql; if a checkout lacks it, create the minimal
 * shape DQ-07 reads (this test only).
 */
async function ensureLevelTables(wh: Warehouse): Promise<void> {
  for (const { table, key } of Object.values(LEVEL_TABLES)) {
    await wh.execute(
      `CREATE TABLE IF NOT EXISTS recon.${table} (
         recon_date DATE NOT NULL, ${key} BIGINT NOT NULL, match_status VARCHAR(32) NOT NULL)`,
    );
  }
}

let nextKey = 1;

/**
 * Insert one result row per status for `date`. Whatever other NOT NULL columns the real table has
 * get a neutral value of their type, so the test does not depend on the full column list.
 */
async function insertResults(
  wh: Warehouse,
  level: Level,
  statuses: readonly string[],
  date = D,
): Promise<void> {
  const { table, key } = LEVEL_TABLES[level];
  const required = await wh.query<ColumnInfo>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = 'recon' AND table_name = :table AND is_nullable = 'NO' AND column_default IS NULL`,
    { table },
  );
  for (const status of statuses) {
    const id = String(nextKey++);
    const names: string[] = [];
    const exprs: string[] = [];
    const params: Record<string, unknown> = {};
    const set = (name: string, expr: string, value: unknown) => {
      names.push(name);
      exprs.push(expr);
      params[`p${names.length}`] = value;
    };
    set('recon_date', `CAST(:p1 AS DATE)`, date);
    set(key, `CAST(:p2 AS BIGINT)`, id);
    set('match_status', `CAST(:p3 AS VARCHAR(32))`, status);
    for (const c of required) {
      if (names.includes(c.column_name)) continue;
      const p = `:p${names.length + 1}`;
      if (c.data_type === 'date') set(c.column_name, `CAST(${p} AS DATE)`, date);
      else if (c.data_type.startsWith('timestamp'))
        set(c.column_name, `CAST(${p} AS TIMESTAMP)`, `${date} 17:00:00`);
      else if (c.data_type === 'character varying') set(c.column_name, `CAST(${p} AS VARCHAR(8))`, `x${id}`);
      else if (c.data_type === 'boolean') set(c.column_name, `CAST(${p} AS BOOLEAN)`, 'false');
      else if (c.data_type === 'numeric') set(c.column_name, `CAST(${p} AS DECIMAL(12,2))`, '0');
      else set(c.column_name, `CAST(${p} AS BIGINT)`, id); // integer, bigint
    }
    await wh.execute(`INSERT INTO recon.${table} (${names.join(', ')}) VALUES (${exprs.join(', ')})`, params);
  }
}

const repeat = (status: string, n: number): string[] => Array.from({ length: n }, () => status);

function pick(results: readonly DqResult[], tableName: string): DqResult {
  const found = results.filter((r) => r.tableName === tableName);
  expect(found, tableName).toHaveLength(1);
  return found[0]!;
}

interface StoredRow {
  run_id: string;
  recon_date: string;
  check_id: string;
  check_name: string;
  table_name: string;
  measured_value: string | null;
  threshold: string | null;
  status: string;
  detail: string;
  [key: string]: unknown;
}

describe.each(engineCases())('data-quality post-checks and storage on $name', (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    await ensureLevelTables(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    for (const { table } of Object.values(LEVEL_TABLES)) await wh.execute(`DELETE FROM recon.${table}`);
    await wh.execute('DELETE FROM recon.dwd_recon_dq_results');
  });

  describe('DQ-07 MATCH_RATE', () => {
    it('a level with no rows passes with "no rows"; other dates are not counted', async () => {
      await insertResults(wh, 'L1', repeat('MISSING_PAYMENT', 3), '2026-11-19');
      const results = await runPostChecks(wh, ctx);
      expect(results.map((r) => `${r.checkId} ${r.checkName} ${r.tableName} ${r.status}`)).toEqual([
        'DQ-07 MATCH_RATE L1 PASS',
        'DQ-07 MATCH_RATE L2 PASS',
        'DQ-07 MATCH_RATE L3 PASS',
      ]);
      for (const r of results) {
        expect(r.measuredValue).toBeNull();
        expect(r.detail).toContain('no rows for 2026-11-20');
      }
    });

    it('L1: 95 % passes, 94 % warns, exactly 90 % warns, 89 % fails', async () => {
      const l1 = async (matched: number) => {
        await wh.execute('DELETE FROM recon.stg_recon_level1_results');
        await insertResults(wh, 'L1', [
          ...repeat('MATCHED', matched),
          ...repeat('MISSING_TRADE', 100 - matched),
        ]);
        return pick(await runPostChecks(wh, ctx), 'L1');
      };
      const pass = await l1(95);
      expect(pass).toMatchObject({
        status: 'PASS',
        measuredValue: '95.00',
        threshold: 'fail < 90 %, warn < 95 %',
      });
      expect(pass.detail).toBe(
        'Level 1 (order to payment to trade) matched 95 of 100 orders for 2026-11-20: 95.00 % (fail < 90 %, warn < 95 %).',
      );
      expect(await l1(94)).toMatchObject({ status: 'WARN', measuredValue: '94.00' });
      expect(await l1(90)).toMatchObject({ status: 'WARN', measuredValue: '90.00' });
      expect(await l1(89)).toMatchObject({ status: 'FAIL', measuredValue: '89.00' });
    });

    it('L2: exactly 95 % passes, below fails; rates are exact (2 of 3 = 66.67)', async () => {
      await insertResults(wh, 'L2', [...repeat('MATCHED', 19), 'MISSING_RECEIPT']);
      expect(pick(await runPostChecks(wh, ctx), 'L2')).toMatchObject({
        status: 'PASS',
        measuredValue: '95.00',
        threshold: 'fail < 95 %',
      });
      await insertResults(wh, 'L2', ['AMOUNT_MISMATCH']);
      expect(pick(await runPostChecks(wh, ctx), 'L2')).toMatchObject({
        status: 'FAIL',
        measuredValue: '90.48',
      });
      await wh.execute('DELETE FROM recon.stg_recon_level2_results');
      await insertResults(wh, 'L2', ['MATCHED', 'MATCHED', 'MISSING_RECEIPT']);
      expect(pick(await runPostChecks(wh, ctx), 'L2')).toMatchObject({
        status: 'FAIL',
        measuredValue: '66.67',
      });
    });

    it('L3 counts MATCHED and MATCHED_NET: exactly 50 % passes, below warns', async () => {
      await insertResults(wh, 'L3', ['MATCHED', 'MATCHED_NET', 'AMOUNT_MISMATCH', 'MISSING_INCOME_BILL']);
      let r = pick(await runPostChecks(wh, ctx), 'L3');
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '50.00', threshold: 'warn < 50 %' });
      expect(r.detail).toContain('matched 2 of 4 shops');
      await insertResults(wh, 'L3', ['MISSING_RECEIPTS']);
      r = pick(await runPostChecks(wh, ctx), 'L3');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '40.00' });
    });

    it('thresholds are settings', async () => {
      await insertResults(wh, 'L1', [...repeat('MATCHED', 97), ...repeat('MISSING_PAYMENT', 3)]);
      const strict = {
        ...ctx,
        settings: settingsSchema.parse({ l1MatchRateCritical: '97.5', l1MatchRateWarning: '99' }),
      };
      expect(pick(await runPostChecks(wh, strict), 'L1')).toMatchObject({
        status: 'FAIL',
        threshold: 'fail < 97.5 %, warn < 99 %',
      });
    });
  });

  describe('saveResults', () => {
    const row = (checkId: DqCheckId, tableName: string, over: Partial<DqResult> = {}): DqResult => ({
      checkId,
      checkName: 'RECORD_COUNT',
      tableName,
      measuredValue: '-25.10',
      threshold: 'warn > 5 %, fail > 20 %',
      status: 'FAIL',
      detail: `detail of ${checkId} ${tableName}`,
      ...over,
    });
    const stored = () =>
      wh.query<StoredRow>(
        `SELECT run_id, recon_date, check_id, check_name, table_name, measured_value, threshold, status, detail
         FROM recon.dwd_recon_dq_results ORDER BY recon_date, check_id, table_name`,
      );

    it('stores every field, measured values as exact decimals and NULL when nothing was measured', async () => {
      await saveResults(
        wh,
        'run-1',
        D,
        ['DQ-01', 'DQ-03'],
        [
          row('DQ-01', 'stg_recon_orders'),
          row('DQ-03', 'stg_recon_trades', {
            checkName: 'AMOUNT_RANGE',
            measuredValue: '10000.01',
            status: 'WARN',
          }),
          row('DQ-01', 'stg_recon_payments', { measuredValue: null, threshold: null, status: 'PASS' }),
        ],
      );
      expect(await stored()).toEqual([
        {
          run_id: 'run-1',
          recon_date: D,
          check_id: 'DQ-01',
          check_name: 'RECORD_COUNT',
          table_name: 'stg_recon_orders',
          measured_value: '-25.1000',
          threshold: 'warn > 5 %, fail > 20 %',
          status: 'FAIL',
          detail: 'detail of DQ-01 stg_recon_orders',
        },
        {
          run_id: 'run-1',
          recon_date: D,
          check_id: 'DQ-01',
          check_name: 'RECORD_COUNT',
          table_name: 'stg_recon_payments',
          measured_value: null,
          threshold: null,
          status: 'PASS',
          detail: 'detail of DQ-01 stg_recon_payments',
        },
        {
          run_id: 'run-1',
          recon_date: D,
          check_id: 'DQ-03',
          check_name: 'AMOUNT_RANGE',
          table_name: 'stg_recon_trades',
          measured_value: '10000.0100',
          threshold: 'warn > 5 %, fail > 20 %',
          status: 'WARN',
          detail: 'detail of DQ-03 stg_recon_trades',
        },
      ]);
    });

    it('replaces only the given checks of the given date; other checks and dates stay', async () => {
      await saveResults(
        wh,
        'run-1',
        D,
        ['DQ-01', 'DQ-02'],
        [row('DQ-01', 'a'), row('DQ-01', 'b'), row('DQ-02', 'a')],
      );
      await saveResults(wh, 'run-1', '2026-11-19', ['DQ-01'], [row('DQ-01', 'a')]);
      await saveResults(
        wh,
        'run-2',
        D,
        ['DQ-01', 'DQ-07'],
        [row('DQ-01', 'a', { status: 'PASS' }), row('DQ-07', 'L1')],
      );
      const rows = (await stored()).map(
        (r) => `${r.recon_date} ${r.check_id} ${r.table_name} ${r.run_id} ${r.status}`,
      );
      expect(rows).toEqual([
        '2026-11-19 DQ-01 a run-1 FAIL',
        '2026-11-20 DQ-01 a run-2 PASS', // DQ-01 'b' is gone: the latest run that evaluated DQ-01 did not report it
        '2026-11-20 DQ-02 a run-1 FAIL',
        '2026-11-20 DQ-07 L1 run-2 FAIL',
      ]);
    });

    it('is idempotent, and a check saved with no results is cleared', async () => {
      const results = [row('DQ-04', 'stg_recon_orders'), row('DQ-08', 'stg_recon_voucher_entries')];
      await saveResults(wh, 'run-1', D, ['DQ-04', 'DQ-08'], results);
      const first = await stored();
      await saveResults(wh, 'run-1', D, ['DQ-04', 'DQ-08'], results);
      expect(await stored()).toEqual(first);
      await saveResults(wh, 'run-2', D, ['DQ-08'], []);
      expect((await stored()).map((r) => r.check_id)).toEqual(['DQ-04']);
    });

    it("runs in the caller's transaction: a rollback keeps the previous results", async () => {
      await saveResults(wh, 'run-1', D, ['DQ-01'], [row('DQ-01', 'a')]);
      await expect(
        wh.transaction(async (tx) => {
          await saveResults(tx, 'run-2', D, ['DQ-01'], [row('DQ-01', 'b')]);
          throw new Error('halted');
        }),
      ).rejects.toThrow('halted');
      expect((await stored()).map((r) => `${r.table_name} ${r.run_id}`)).toEqual(['a run-1']);
    });

    it('refuses results of checks not being replaced, or twice the same check × table, writing nothing', async () => {
      await expect(saveResults(wh, 'r', D, ['DQ-01'], [row('DQ-02', 'a')])).rejects.toThrow(ReconError);
      await expect(
        saveResults(wh, 'r', D, ['DQ-01'], [row('DQ-01', 'a'), row('DQ-01', 'a')]),
      ).rejects.toThrow(/appears twice/);
      expect(await stored()).toEqual([]);
    });

    it('round-trips the real pre-check results of a run (and re-running replaces them)', async () => {
      const results = await runPreChecks(wh, ctx);
      await saveResults(wh, 'run-1', D, PRE_CHECK_IDS, results);
      await saveResults(wh, 'run-2', D, PRE_CHECK_IDS, await runPreChecks(wh, ctx));
      const rows = await stored();
      expect(rows).toHaveLength(results.length);
      expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set(['run-2']));
      const freshness = rows.find((r) => r.check_id === 'DQ-06' && r.table_name === 'stg_recon_orders');
      expect(freshness).toMatchObject({
        status: 'FAIL',
        measured_value: null,
        threshold: 'warn > 6 h, fail > 24 h',
      });
      const vouchers = rows.find((r) => r.check_id === 'DQ-08');
      expect(vouchers?.measured_value).toBe('0.0000');
    });
  });
});
