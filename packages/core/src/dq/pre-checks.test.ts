/**
 * DQ-01…DQ-06 and DQ-08 (runPreChecks) on real PostgreSQL and PGlite, over hand-built staging rows
 * for business date 2026-11-20 (a Friday) in America/New_York.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settingsSchema } from '../settings.ts';
import { SOURCE_TABLES, sourceTableByStaging } from '../sources/spec.ts';
import { addDays, BusinessCalendar } from '../time.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { runPreChecks } from './checks.ts';
import type { DqCheckId, DqContext, DqResult, LoadDuplicateStats } from './types.ts';

const D = '2026-11-20';
const settings = settingsSchema.parse({});
const calendar = new BusinessCalendar('America/New_York');

function ctx(over: Partial<DqContext> = {}): DqContext {
  return { reconDate: D, asOf: '2026-11-21T11:00:00Z', settings, calendar, ...over };
}

/** Column values for {@link insertRows}: text bound and cast to the column's type; null is NULL. */
type Values = Readonly<Record<string, string | null>>;

let nextId = 1;

/**
 * Insert `n` rows into a staging table with one parameterized INSERT … SELECT over
 * generate_series (test code only; the product's SQL never uses it). Every column gets a value:
 * the primary key a fresh id, text columns `<column>-<id>` (unique), money 10.00, timestamps
 * noon in New York on `bizDate`, the business date `bizDate` — unless given in `values`.
 */
async function insertRows(
  wh: Warehouse,
  table: string,
  n: number,
  bizDate = D,
  values: Values = {},
): Promise<void> {
  if (n === 0) return;
  const spec = sourceTableByStaging(table).staging;
  const params: Record<string, unknown> = { start: nextId, last: n - 1 };
  nextId += n;
  const id = 'CAST(:start AS BIGINT) + s.g';
  const exprs = spec.columns.map((c) => {
    const p = `v_${c.name}`;
    if (Object.hasOwn(values, c.name)) {
      params[p] = values[c.name];
      return `CAST(:${p} AS ${c.sqlType})`;
    }
    if (c.name === spec.primaryKey) return id;
    switch (c.kind) {
      case 'text':
        if (c.name === 'currency_code') return `CAST('USD' AS ${c.sqlType})`;
        params[p] = `${c.name}-`;
        return `CAST(CAST(:${p} AS VARCHAR(32)) || CAST(${id} AS VARCHAR(20)) AS ${c.sqlType})`;
      case 'bigint':
      case 'int':
        return `CAST(1 AS ${c.sqlType})`;
      case 'money':
        return `CAST('10.00' AS ${c.sqlType})`;
      case 'rate':
        return `CAST('0.029' AS ${c.sqlType})`;
      case 'timestamp':
        params[p] = `${bizDate} 17:00:00`;
        return `CAST(:${p} AS TIMESTAMP)`;
      case 'date':
        params[p] = bizDate;
        return `CAST(:${p} AS DATE)`;
      default:
        throw new Error(`no default for ${c.name}`);
    }
  });
  await wh.execute(
    `INSERT INTO recon.${table} (${spec.columns.map((c) => c.name).join(', ')})
     SELECT ${exprs.join(', ')} FROM generate_series(0, CAST(:last AS INTEGER)) AS s(g)`,
    params,
  );
}

function pick(results: readonly DqResult[], checkId: DqCheckId, tableName: string): DqResult {
  const found = results.filter((r) => r.checkId === checkId && r.tableName === tableName);
  expect(found, `${checkId} ${tableName}`).toHaveLength(1);
  return found[0]!;
}

describe.each(engineCases())('data-quality pre-checks on $name', (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    for (const t of SOURCE_TABLES) await wh.execute(`DELETE FROM recon.${t.staging.name}`);
  });

  const run = (over: Partial<DqContext> = {}) => runPreChecks(wh, ctx(over));

  describe('every check on an empty warehouse', () => {
    it('returns one row per check × table, in check order; only freshness fails (no data for D)', async () => {
      const results = await run();
      expect([...new Set(results.map((r) => r.checkId))]).toEqual([
        'DQ-01',
        'DQ-02',
        'DQ-03',
        'DQ-04',
        'DQ-05',
        'DQ-06',
        'DQ-08',
      ]);
      const keys = results.map((r) => `${r.checkId} ${r.tableName}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(
        results.filter((r) => r.status !== 'PASS').map((r) => `${r.checkId} ${r.tableName} ${r.status}`),
      ).toEqual(['DQ-06 stg_recon_orders FAIL', 'DQ-06 stg_recon_trades FAIL']);
      expect(pick(results, 'DQ-06', 'stg_recon_orders').detail).toBe(
        `stg_recon_orders has no rows for ${D}: no data has arrived for that business day.`,
      );
      for (const r of results) {
        expect(r.detail.length).toBeGreaterThan(20);
        expect(r.checkName).toMatch(/^[A-Z_]+$/);
      }
    });
  });

  describe('DQ-01 RECORD_COUNT', () => {
    const orders = async (byDate: Record<string, number>) => {
      for (const [date, n] of Object.entries(byDate)) await insertRows(wh, 'stg_recon_orders', n, date);
    };
    const check = async () => pick(await run(), 'DQ-01', 'stg_recon_orders');

    it('passes with no baseline on the first days, saying so', async () => {
      await orders({ [D]: 30, [addDays(D, -7)]: 40 });
      const r = await check();
      expect(r).toMatchObject({ status: 'PASS', measuredValue: null, threshold: 'warn > 5 %, fail > 20 %' });
      expect(r.detail).toContain('no baseline yet');
      expect(r.detail).toContain('stg_recon_orders has 30 rows for 2026-11-20');
    });

    it('falls back to the previous day: exactly 5 % passes, 6 % warns', async () => {
      await orders({ [addDays(D, -1)]: 100, [D]: 105 });
      let r = await check();
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '5.00' });
      expect(r.detail).toBe(
        'stg_recon_orders has 105 rows for 2026-11-20, 5 % above the baseline 100 (the previous day, 2026-11-19).',
      );
      await insertRows(wh, 'stg_recon_orders', 1, D);
      r = await check();
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '6.00' });
    });

    it('uses the previous day when only one same weekday has rows', async () => {
      await orders({ [addDays(D, -7)]: 500, [addDays(D, -1)]: 100, [D]: 100 });
      const r = await check();
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '0.00' });
      expect(r.detail).toContain('equal to the baseline 100 (the previous day, 2026-11-19)');
    });

    it('exactly 20 % warns, beyond it fails, in both directions', async () => {
      await orders({ [addDays(D, -1)]: 100, [D]: 80 });
      let r = await check();
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '-20.00' });
      expect(r.detail).toContain('20 % below the baseline 100');
      await wh.execute(
        'DELETE FROM recon.stg_recon_orders WHERE order_id = (SELECT MIN(order_id) FROM recon.stg_recon_orders WHERE biz_date = CAST(:d AS DATE))',
        { d: D },
      );
      r = await check();
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '-21.00' });
      await insertRows(wh, 'stg_recon_orders', 41, D); // 79 + 41 = 120
      r = await check();
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '20.00' });
      await insertRows(wh, 'stg_recon_orders', 1, D);
      r = await check();
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '21.00' });
      expect(r.detail).toContain('21 % above');
    });

    it('a day with no rows at all against a baseline fails', async () => {
      await orders({ [addDays(D, -1)]: 100 });
      const r = await check();
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '-100.00' });
      expect(r.detail).toContain('has 0 rows for 2026-11-20, 100 % below the baseline 100');
    });

    it('median of 4 same weekdays (even count: mean of the middle two), ignoring the previous day', async () => {
      await orders({
        [addDays(D, -7)]: 100,
        [addDays(D, -14)]: 90,
        [addDays(D, -21)]: 111,
        [addDays(D, -28)]: 1000,
        [addDays(D, -1)]: 5,
        [D]: 100,
      });
      const r = await check();
      // median(90, 100, 111, 1000) = 105.5; (100 − 105.5) / 105.5 = −5.21 %
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '-5.21' });
      expect(r.detail).toBe(
        'stg_recon_orders has 100 rows for 2026-11-20, 5.21 % below the baseline 105.5 (median of 4 previous Fridays).',
      );
    });

    it('median of 2 same weekdays: 5 % exactly passes, 5.01 % warns', async () => {
      await orders({ [addDays(D, -7)]: 9_000, [addDays(D, -21)]: 11_000, [addDays(D, -1)]: 1, [D]: 10_500 });
      let r = await check();
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '5.00' });
      expect(r.detail).toBe(
        'stg_recon_orders has 10,500 rows for 2026-11-20, 5 % above the baseline 10,000 (median of 2 previous Fridays).',
      );
      await insertRows(wh, 'stg_recon_orders', 1, D);
      r = await check();
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '5.01' });
    });

    it('checks payments, trades and receipts the same way, each on its own counts', async () => {
      await insertRows(wh, 'stg_recon_payments', 10, addDays(D, -1));
      await insertRows(wh, 'stg_recon_payments', 10, D);
      await insertRows(wh, 'stg_recon_trades', 10, addDays(D, -1));
      await insertRows(wh, 'stg_recon_trades', 13, D);
      await insertRows(wh, 'stg_recon_receipts', 10, addDays(D, -1));
      await insertRows(wh, 'stg_recon_receipts', 7, D);
      const results = await run();
      expect(pick(results, 'DQ-01', 'stg_recon_payments').status).toBe('PASS');
      expect(pick(results, 'DQ-01', 'stg_recon_trades')).toMatchObject({
        status: 'FAIL',
        measuredValue: '30.00',
      });
      expect(pick(results, 'DQ-01', 'stg_recon_receipts')).toMatchObject({
        status: 'FAIL',
        measuredValue: '-30.00',
      });
      expect(pick(results, 'DQ-01', 'stg_recon_orders').measuredValue).toBeNull();
    });
  });

  describe('DQ-02 NULL_KEY', () => {
    it('passes when every join key is present; a receipt with only a trade number is legitimate', async () => {
      await insertRows(wh, 'stg_recon_payments', 50);
      await insertRows(wh, 'stg_recon_receipts', 5, D, { order_id_str: null });
      await insertRows(wh, 'stg_recon_receipts', 5, D, { order_id_str: '' });
      const results = await run();
      expect(pick(results, 'DQ-02', 'stg_recon_payments')).toMatchObject({
        status: 'PASS',
        measuredValue: '0.00',
        threshold: 'fail > 1.0 %, warn > 0 %',
      });
      expect(pick(results, 'DQ-02', 'stg_recon_receipts')).toMatchObject({
        status: 'PASS',
        measuredValue: '0.00',
      });
      expect(pick(results, 'DQ-02', 'stg_recon_trades')).toMatchObject({
        status: 'PASS',
        measuredValue: null,
      });
    });

    it('warns on any empty key (0.5 %), still warns at exactly the 1.0 % limit, fails above it', async () => {
      await insertRows(wh, 'stg_recon_payments', 199);
      await insertRows(wh, 'stg_recon_payments', 1, D, { trade_no: '' });
      await insertRows(wh, 'stg_recon_trades', 99);
      await insertRows(wh, 'stg_recon_trades', 1, D, { trade_no: '' });
      let results = await run();
      const r = pick(results, 'DQ-02', 'stg_recon_payments');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '0.50' });
      expect(r.detail).toBe(
        '1 of 200 rows of stg_recon_payments for 2026-11-20 have an empty trade_no (0.5 %, limit 1.0 %).',
      );
      expect(pick(results, 'DQ-02', 'stg_recon_trades')).toMatchObject({
        status: 'WARN',
        measuredValue: '1.00',
      });

      await insertRows(wh, 'stg_recon_trades', 1, D, { trade_no: '   ' }); // blank counts as empty: 2 of 101
      results = await run();
      expect(pick(results, 'DQ-02', 'stg_recon_trades')).toMatchObject({
        status: 'FAIL',
        measuredValue: '1.98',
      });
    });

    it('fails receipts with neither an order id nor a trade number; other dates do not count', async () => {
      await insertRows(wh, 'stg_recon_receipts', 48);
      await insertRows(wh, 'stg_recon_receipts', 1, D, { order_id_str: null, tp_serial_no: null });
      await insertRows(wh, 'stg_recon_receipts', 1, D, { order_id_str: '', tp_serial_no: '' });
      await insertRows(wh, 'stg_recon_receipts', 9, addDays(D, -1), {
        order_id_str: null,
        tp_serial_no: null,
      });
      const r = pick(await run(), 'DQ-02', 'stg_recon_receipts');
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '4.00' });
      expect(r.detail).toContain(
        '2 of 50 rows of stg_recon_receipts for 2026-11-20 have neither an order id',
      );
    });
  });

  describe('DQ-03 AMOUNT_RANGE', () => {
    it('passes from 0 up to exactly the limit, measuring the largest', async () => {
      await insertRows(wh, 'stg_recon_orders', 3, D, { pay_amount_usd: '0.00' });
      await insertRows(wh, 'stg_recon_orders', 1, D, { pay_amount_usd: '10000.00' });
      const r = pick(await run(), 'DQ-03', 'stg_recon_orders');
      expect(r).toMatchObject({
        status: 'PASS',
        measuredValue: '10000.00',
        threshold: 'fail < 0, warn > 10000',
      });
      expect(r.detail).toBe(
        'stg_recon_orders.pay_amount_usd for 2026-11-20 ranges from 0.00 to 10,000.00 over 4 rows: within 0 to 10,000.',
      );
    });

    it('warns one cent above the limit', async () => {
      await insertRows(wh, 'stg_recon_trades', 2, D, { trade_amount_usd: '4.66' });
      await insertRows(wh, 'stg_recon_trades', 1, D, { trade_amount_usd: '10000.01' });
      const r = pick(await run(), 'DQ-03', 'stg_recon_trades');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '10000.01' });
      expect(r.detail).toContain('ranges from 4.66 to 10,000.01');
    });

    it('fails on a negative amount (even one cent), naming min and max', async () => {
      await insertRows(wh, 'stg_recon_receipts', 2, D, { receipt_amount_usd: '25.00' });
      await insertRows(wh, 'stg_recon_receipts', 1, D, { receipt_amount_usd: '-0.01' });
      await insertRows(wh, 'stg_recon_payments', 1, D, { pay_amount_usd: '12000.00' });
      await insertRows(wh, 'stg_recon_payments', 1, D, { pay_amount_usd: '-3.00' });
      const results = await run();
      const r = pick(results, 'DQ-03', 'stg_recon_receipts');
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '25.00' });
      expect(r.detail).toContain('ranges from -0.01 to 25.00');
      expect(pick(results, 'DQ-03', 'stg_recon_payments')).toMatchObject({
        status: 'FAIL',
        measuredValue: '12000.00',
      });
      expect(pick(results, 'DQ-03', 'stg_recon_orders')).toMatchObject({
        status: 'PASS',
        measuredValue: null,
      });
    });
  });

  describe('DQ-04 CURRENCY_FILTER', () => {
    it('passes when every order of D is in USD (other dates are not looked at)', async () => {
      await insertRows(wh, 'stg_recon_orders', 5);
      await insertRows(wh, 'stg_recon_orders', 1, addDays(D, -1), { currency_code: 'NZD' });
      const r = pick(await run(), 'DQ-04', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '0', threshold: 'fail > 0' });
    });

    it('fails on any non-USD order, counting them by currency', async () => {
      await insertRows(wh, 'stg_recon_orders', 5);
      await insertRows(wh, 'stg_recon_orders', 2, D, { currency_code: 'NZD' });
      await insertRows(wh, 'stg_recon_orders', 1, D, { currency_code: 'AUD' });
      const r = pick(await run(), 'DQ-04', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '3' });
      expect(r.detail).toContain('3 rows of stg_recon_orders for 2026-11-20 are not in USD (AUD 1, NZD 2)');
    });
  });

  describe('DQ-05 DUPLICATE', () => {
    it('passes with unique business keys; without loadStats the primary-key part is not evaluated', async () => {
      await insertRows(wh, 'stg_recon_orders', 20);
      await insertRows(wh, 'stg_recon_trades', 20);
      const results = (await run()).filter((r) => r.checkId === 'DQ-05');
      expect(results.map((r) => r.tableName)).toEqual(SOURCE_TABLES.map((t) => t.staging.name));
      const orders = pick(results, 'DQ-05', 'stg_recon_orders');
      expect(orders).toMatchObject({
        status: 'PASS',
        measuredValue: '0.00',
        threshold: 'fail > 0.1 %, warn > 0 %',
      });
      expect(orders.detail).toBe(
        'stg_recon_orders: every order_no of the 20 rows for 2026-11-20 is unique; records extracted twice ' +
          'with different content are counted by a pipeline run only, not evaluated here.',
      );
      expect(pick(results, 'DQ-05', 'stg_recon_trades').status).toBe('PASS');
      expect(pick(results, 'DQ-05', 'stg_recon_receipts')).toMatchObject({
        status: 'PASS',
        measuredValue: null,
      });
    });

    it('an order_no shared by two order ids: 2 of 2,000 rows (0.1 %) warns, 3 (0.15 %) fails', async () => {
      await insertRows(wh, 'stg_recon_orders', 1_998);
      await insertRows(wh, 'stg_recon_orders', 2, D, { order_no: 'ORD-DUP-1' });
      await insertRows(wh, 'stg_recon_orders', 5, addDays(D, -1), { order_no: 'ORD-DUP-1' });
      let r = pick(await run({ loadStats: [] }), 'DQ-05', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '0.10' });
      expect(r.detail).toBe(
        'stg_recon_orders: 1 order_no value is shared by more than one record, 2 of 2,000 rows for ' +
          '2026-11-20 (0.1 %, limit 0.1 %); no record was extracted twice with different content.',
      );
      await insertRows(wh, 'stg_recon_orders', 1, D, { order_no: 'ORD-DUP-1' });
      r = pick(await run(), 'DQ-05', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '0.15' });
    });

    it('duplicated trade numbers fail above the limit', async () => {
      await insertRows(wh, 'stg_recon_trades', 8);
      await insertRows(wh, 'stg_recon_trades', 2, D, { trade_no: 'T-1' });
      const r = pick(await run(), 'DQ-05', 'stg_recon_trades');
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '20.00' });
      expect(r.detail).toContain('1 trade_no value is shared by more than one record, 2 of 10 rows');
    });

    it('counts primary keys extracted twice with different content from loadStats', async () => {
      await insertRows(wh, 'stg_recon_orders', 10);
      const stats = (pkConflicts: number): LoadDuplicateStats[] => [
        { stagingTable: 'stg_recon_orders', incoming: 1_000, pkConflicts },
        { stagingTable: 'stg_recon_trades', incoming: 0, pkConflicts: 0 },
        { stagingTable: 'stg_recon_fees', incoming: 500, pkConflicts: 0 },
      ];
      let results = await run({ loadStats: stats(0) });
      expect(pick(results, 'DQ-05', 'stg_recon_orders')).toMatchObject({
        status: 'PASS',
        measuredValue: '0.00',
      });
      // Whatever the volume extracted (none, 500, or a table the run did not load), a clean table reads the same.
      const clean = 'no record was extracted twice with different content.';
      expect(pick(results, 'DQ-05', 'stg_recon_fees').detail).toBe(`stg_recon_fees: ${clean}`);
      expect(pick(results, 'DQ-05', 'stg_recon_refunds')).toMatchObject({
        status: 'PASS',
        measuredValue: '0.00',
        detail: `stg_recon_refunds: ${clean}`,
      });
      expect(pick(results, 'DQ-05', 'stg_recon_trades').detail).toContain(clean);

      results = await run({ loadStats: stats(1) });
      const warn = pick(results, 'DQ-05', 'stg_recon_orders');
      expect(warn).toMatchObject({ status: 'WARN', measuredValue: '0.10' });
      expect(warn.detail).toBe(
        'stg_recon_orders: every order_no of the 10 rows for 2026-11-20 is unique; 1 of the 1,000 records ' +
          'this run extracted came twice with different content at the same update_time (0.1 %, limit 0.1 %).',
      );

      results = await run({ loadStats: stats(2) });
      expect(pick(results, 'DQ-05', 'stg_recon_orders')).toMatchObject({
        status: 'FAIL',
        measuredValue: '0.20',
      });
    });

    it('one row per table takes the worse of both parts and measures the higher rate', async () => {
      await insertRows(wh, 'stg_recon_trades', 98);
      await insertRows(wh, 'stg_recon_trades', 2, D, { trade_no: 'T-2' }); // 2 % → FAIL
      const r = pick(
        await run({ loadStats: [{ stagingTable: 'stg_recon_trades', incoming: 1_000, pkConflicts: 1 }] }),
        'DQ-05',
        'stg_recon_trades',
      );
      expect(r).toMatchObject({ status: 'FAIL', measuredValue: '2.00' });
      expect(r.detail).toContain('(2 %, limit 0.1 %); 1 of the 1,000 records this run extracted');
    });
  });

  describe('DQ-06 FRESHNESS', () => {
    const latest = async (table: string, createTime: string, bizDate = D) => {
      await insertRows(wh, table, 1, bizDate, { create_time: '2026-10-31 00:00:00' });
      await insertRows(wh, table, 1, bizDate, { create_time: createTime });
    };

    it('a quiet night does not make the day stale: measured to the end of the business day', async () => {
      // Last order 19:30 New York (00:30 UTC next day); the run is at 06:00 New York next morning.
      await latest('stg_recon_orders', '2026-11-21 00:30:00');
      await latest('stg_recon_trades', '2026-11-21 00:30:00');
      const r = pick(await run({ asOf: '2026-11-21T11:00:00Z' }), 'DQ-06', 'stg_recon_orders');
      expect(r).toMatchObject({
        status: 'PASS',
        measuredValue: '4.50',
        threshold: 'warn > 6 h, fail > 24 h',
      });
      expect(r.detail).toBe(
        'The latest stg_recon_orders row for 2026-11-20 was created at 2026-11-21 00:30:00 UTC, ' +
          '4.5 h before the end of business day 2026-11-20 (2026-11-21 05:00:00 UTC).',
      );
    });

    it('warns when the last row is 7 h before the end of the day', async () => {
      await latest('stg_recon_orders', '2026-11-20 22:00:00');
      const results = await run({ asOf: '2026-11-21T11:00:00Z' });
      expect(pick(results, 'DQ-06', 'stg_recon_orders')).toMatchObject({
        status: 'WARN',
        measuredValue: '7.00',
      });
      const trades = pick(results, 'DQ-06', 'stg_recon_trades');
      expect(trades).toMatchObject({ status: 'FAIL', measuredValue: null });
      expect(trades.detail).toContain('no rows for 2026-11-20');
    });

    it('during the day measures to the as-of: exactly 6 h passes, 6 h 1 s warns', async () => {
      await latest('stg_recon_orders', '2026-11-20 14:00:00');
      const asOf = '2026-11-20T20:00:00Z';
      let r = pick(await run({ asOf }), 'DQ-06', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '6.00' });
      expect(r.detail).toContain("6 h before the run's as-of (2026-11-20 20:00:00 UTC)");
      r = pick(await run({ asOf: '2026-11-20T20:00:01Z' }), 'DQ-06', 'stg_recon_orders');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '6.00' });
    });

    it('on the 25-hour day a row from the first minute is > 24 h stale: fails; exactly 24 h warns', async () => {
      const day = '2026-11-01'; // US DST ends: 2026-11-01 04:00 UTC … 2026-11-02 05:00 UTC
      await latest('stg_recon_orders', '2026-11-01 04:00:00', day);
      await latest('stg_recon_trades', '2026-11-01 05:00:00', day);
      const results = await run({ reconDate: day, asOf: '2026-11-03T00:00:00Z' });
      expect(pick(results, 'DQ-06', 'stg_recon_orders')).toMatchObject({
        status: 'FAIL',
        measuredValue: '25.00',
      });
      expect(pick(results, 'DQ-06', 'stg_recon_trades')).toMatchObject({
        status: 'WARN',
        measuredValue: '24.00',
      });
    });
  });

  describe('DQ-08 VOUCHER_BALANCE', () => {
    const entry = (voucherId: string, debit: string, credit: string, bizDate = D) =>
      insertRows(wh, 'stg_recon_voucher_entries', 1, bizDate, {
        voucher_id: voucherId,
        debit_amount_usd: debit,
        credit_amount_usd: credit,
      });

    it('passes when no entries exist and when every voucher balances', async () => {
      let r = pick(await run(), 'DQ-08', 'stg_recon_voucher_entries');
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '0' });
      await entry('1', '100.00', '0.00');
      await entry('1', '0.00', '60.00');
      await entry('1', '0.00', '40.00');
      await entry('2', '4.66', '4.66');
      await entry('3', '7.00', '0.00', addDays(D, -1)); // another business date: not checked
      r = pick(await run(), 'DQ-08', 'stg_recon_voucher_entries');
      expect(r).toMatchObject({ status: 'PASS', measuredValue: '0', threshold: 'warn if debits <> credits' });
      expect(r.detail).toBe('All 2 vouchers for 2026-11-20 balance: debits equal credits.');
    });

    it('warns with the number of unbalanced vouchers and the largest gap', async () => {
      await entry('1', '100.00', '0.00');
      await entry('1', '0.00', '100.00');
      await entry('2', '50.00', '0.00');
      await entry('2', '0.00', '49.99');
      await entry('3', '0.00', '1200.00');
      await entry('3', '1195.00', '0.00');
      const r = pick(await run(), 'DQ-08', 'stg_recon_voucher_entries');
      expect(r).toMatchObject({ status: 'WARN', measuredValue: '2' });
      expect(r.detail).toBe(
        '2 of 3 vouchers for 2026-11-20 do not balance; the largest gap is 5.00 ' +
          '(voucher 3 has debits 1,195.00 and credits 1,200.00).',
      );
      await wh.execute('DELETE FROM recon.stg_recon_voucher_entries WHERE voucher_id = 2');
      expect(pick(await run(), 'DQ-08', 'stg_recon_voucher_entries').detail).toMatch(
        /^1 of 2 vouchers for 2026-11-20 does not balance; the largest gap is 5.00/,
      );
    });
  });
});
