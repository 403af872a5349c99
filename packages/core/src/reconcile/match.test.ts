/**
 * Level 1–3 matching (SPEC §5) on real PostgreSQL and PGlite: every status of every level from a
 * hand-built fixture, split tenders, double charges, fallback and summed receipts, business dates,
 * exclusions, tolerance boundaries, idempotent re-runs and window replacement.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Row, Warehouse } from '../warehouse/types.ts';
import { runMatching } from './match.ts';
import { D, Fixture, matchParams } from './test-fixtures.ts';
import { L1_STATUSES, L2_FEE_STATUSES, L2_STATUSES, L3_STATUSES } from './types.ts';

const D1 = '2024-03-11';
const D0 = '2024-03-09';

const RESULT_TABLES = {
  L1: { table: 'recon.stg_recon_level1_results', key: 'recon_date, order_id' },
  L2: { table: 'recon.stg_recon_level2_results', key: 'recon_date, order_id' },
  L3: { table: 'recon.stg_recon_level3_results', key: 'recon_date, shop_id' },
} as const;

describe.each(engineCases())('reconciliation matching on $name', (engine) => {
  let wh: Warehouse;
  let f: Fixture;

  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    f = new Fixture(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    await f.clear();
    for (const { table } of Object.values(RESULT_TABLES)) await wh.execute(`DELETE FROM ${table}`);
  });

  const run = (from = D, to = from) => wh.transaction((tx) => runMatching(tx, matchParams(from, to)));

  /** The only result row of an order at L1 / L2 (fails when there is not exactly one). */
  async function orderRow(level: 'L1' | 'L2', orderId: number): Promise<Row> {
    const rows = await wh.query(
      `SELECT * FROM ${RESULT_TABLES[level].table} WHERE order_id = CAST(:id AS BIGINT)`,
      {
        id: orderId,
      },
    );
    expect(rows, `${level} rows of order ${orderId}`).toHaveLength(1);
    return rows[0] as Row;
  }
  async function shopDay(shopId: number, date = D): Promise<Row> {
    const rows = await wh.query(
      `SELECT * FROM ${RESULT_TABLES.L3.table} WHERE shop_id = CAST(:id AS BIGINT) AND recon_date = CAST(:d AS DATE)`,
      { id: shopId, d: date },
    );
    expect(rows, `L3 rows of shop ${shopId} on ${date}`).toHaveLength(1);
    return rows[0] as Row;
  }
  async function orderIds(level: 'L1' | 'L2'): Promise<string[]> {
    const rows = await wh.query<{ order_id: string }>(
      `SELECT order_id FROM ${RESULT_TABLES[level].table} ORDER BY order_id`,
    );
    return rows.map((r) => r.order_id);
  }
  /** Full contents of every result table, in key order. */
  async function snapshot(): Promise<Record<string, Row[]>> {
    const out: Record<string, Row[]> = {};
    for (const [level, { table, key }] of Object.entries(RESULT_TABLES)) {
      out[level] = await wh.query(`SELECT * FROM ${table} ORDER BY ${key}`);
    }
    return out;
  }

  describe('level 1: order ↔ payment ↔ trade', () => {
    it('MATCHED: one payment and one trade of the order amount, with every column', async () => {
      await f.paidOrder(1, '10.00');
      expect(await run()).toEqual({ L1: 1, L2: 1, L3: 1 });
      expect(await orderRow('L1', 1)).toEqual({
        recon_date: D,
        order_id: '1',
        order_id_str: '1',
        order_no: 'NO1',
        shop_id: '1',
        order_amount: '10.00',
        payment_amount: '10.00',
        trade_amount: '10.00',
        payment_count: 1,
        trade_count: 1,
        payments_missing_trade: 0,
        match_status: 'MATCHED',
        diff_order_payment: '0.00',
        diff_order_trade: '0.00',
        diff_payment_trade: '0.00',
        order_create_time: `${D} 15:00:00`,
        payment_create_time: `${D} 15:00:30`,
        trade_complete_time: `${D} 15:01:00`,
        order_to_payment_sec: '30',
        trade_no: 'T1',
        channel_type: 1,
        channel_trade_no: 'ch_T1',
      });
    });

    it('MISSING_PAYMENT: no successful payment (a pay_status 0 payment does not count)', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.order({ id: 2, amount: '12.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '12.00', status: 0 });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '12.00' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'MISSING_PAYMENT',
        payment_amount: null,
        trade_amount: null,
        payment_count: 0,
        trade_count: 0,
        diff_order_payment: '10.00',
        payment_create_time: null,
        order_to_payment_sec: null,
        trade_no: null,
      });
      expect(await orderRow('L1', 2)).toMatchObject({ match_status: 'MISSING_PAYMENT', payment_count: 0 });
    });

    it('MISSING_TRADE: a successful payment whose trade is absent or not successful', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 1, orderId: 1, tradeNo: 'T1', amount: '10.00' });
      await f.order({ id: 2, amount: '10.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '10.00' });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '10.00', status: 0 });
      // Split tender with one half's trade missing.
      await f.order({ id: 3, amount: '10.00' });
      await f.payment({ id: 31, orderId: 3, tradeNo: 'T31', amount: '6.00' });
      await f.payment({ id: 32, orderId: 3, tradeNo: 'T32', amount: '4.00' });
      await f.trade({ id: 31, tradeNo: 'T31', amount: '6.00' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'MISSING_TRADE',
        payment_count: 1,
        trade_count: 0,
        payments_missing_trade: 1,
        trade_amount: null,
      });
      expect(await orderRow('L1', 2)).toMatchObject({
        match_status: 'MISSING_TRADE',
        payments_missing_trade: 1,
      });
      expect(await orderRow('L1', 3)).toMatchObject({
        match_status: 'MISSING_TRADE',
        payment_count: 2,
        trade_count: 1,
        payments_missing_trade: 1,
        payment_amount: '10.00',
        trade_amount: '6.00',
        diff_payment_trade: '4.00',
      });
    });

    it('MISSING_TRADE: an empty or blank trade number finds no trade, not even a trade numbered the same', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 1, orderId: 1, tradeNo: '', amount: '10.00' });
      await f.trade({ id: 1, tradeNo: '', amount: '10.00' });
      await f.order({ id: 2, amount: '10.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: '  ', amount: '10.00' });
      await f.trade({ id: 2, tradeNo: '  ', amount: '10.00' });
      // A receipt with a blank serial number is not found through the order's blank trade number.
      await f.receipt({ id: 2, orderIdStr: null, tpSerialNo: '  ', amount: '10.00', fee: '4.66' });
      await run();
      for (const id of [1, 2]) {
        expect(await orderRow('L1', id)).toMatchObject({
          match_status: 'MISSING_TRADE',
          payment_count: 1,
          trade_count: 0,
          payments_missing_trade: 1,
          trade_amount: null,
        });
        expect(await orderRow('L2', id)).toMatchObject({ match_status: 'MISSING_RECEIPT', receipt_count: 0 });
      }
    });

    it('AMOUNT_MISMATCH_ORDER_PAY, _ORDER_TRADE and _PAY_TRADE, first that applies', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 1, orderId: 1, tradeNo: 'T1', amount: '9.00' });
      await f.trade({ id: 1, tradeNo: 'T1', amount: '9.00' });
      await f.order({ id: 2, amount: '10.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '10.00' });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '9.50' });
      // Each side within 0.01 of the order, but 0.02 apart from each other.
      await f.order({ id: 3, amount: '10.00' });
      await f.payment({ id: 3, orderId: 3, tradeNo: 'T3', amount: '10.01' });
      await f.trade({ id: 3, tradeNo: 'T3', amount: '9.99' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH_ORDER_PAY',
        diff_order_payment: '1.00',
        diff_order_trade: '1.00',
        diff_payment_trade: '0.00',
      });
      expect(await orderRow('L1', 2)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH_ORDER_TRADE',
        diff_order_payment: '0.00',
        diff_order_trade: '0.50',
        diff_payment_trade: '0.50',
      });
      expect(await orderRow('L1', 3)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH_PAY_TRADE',
        diff_order_payment: '-0.01',
        diff_order_trade: '0.01',
        diff_payment_trade: '0.02',
      });
    });

    it('split tender: two payments and two trades are summed to MATCHED, one row', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 11, orderId: 1, tradeNo: 'T12', amount: '6.00', createTime: `${D} 15:00:40` });
      await f.payment({ id: 12, orderId: 1, tradeNo: 'T11', amount: '4.00', createTime: `${D} 15:00:20` });
      await f.trade({ id: 11, tradeNo: 'T11', amount: '4.00', completeTime: `${D} 15:02:00` });
      await f.trade({ id: 12, tradeNo: 'T12', amount: '6.00', completeTime: `${D} 15:03:00` });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'MATCHED',
        payment_count: 2,
        trade_count: 2,
        payment_amount: '10.00',
        trade_amount: '10.00',
        payment_create_time: `${D} 15:00:20`,
        trade_complete_time: `${D} 15:03:00`,
        order_to_payment_sec: '20',
        trade_no: 'T11',
        channel_trade_no: 'ch_T11',
      });
    });

    it('a trade referenced by two payments of the order is counted once', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 11, orderId: 1, tradeNo: 'T1', amount: '5.00' });
      await f.payment({ id: 12, orderId: 1, tradeNo: 'T1', amount: '5.00' });
      await f.trade({ id: 1, tradeNo: 'T1', amount: '10.00' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'MATCHED',
        payment_count: 2,
        trade_count: 1,
        trade_amount: '10.00',
      });
    });

    it('double charge: two successful payments of the full amount → AMOUNT_MISMATCH_ORDER_PAY', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 11, orderId: 1, tradeNo: 'T11', amount: '10.00' });
      await f.payment({ id: 12, orderId: 1, tradeNo: 'T12', amount: '10.00' });
      await f.trade({ id: 11, tradeNo: 'T11', amount: '10.00' });
      await f.trade({ id: 12, tradeNo: 'T12', amount: '10.00' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH_ORDER_PAY',
        payment_count: 2,
        payment_amount: '20.00',
        trade_amount: '20.00',
        diff_order_payment: '-10.00',
      });
    });

    it('a failed payment beside a successful one is ignored', async () => {
      await f.paidOrder(1, '10.00');
      await f.payment({ id: 99, orderId: 1, tradeNo: 'T99', amount: '10.00', status: 0 });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({ match_status: 'MATCHED', payment_count: 1 });
    });

    it('tolerance: a 0.01 difference is MATCHED, 0.02 is not', async () => {
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 1, orderId: 1, tradeNo: 'T1', amount: '10.01' });
      await f.trade({ id: 1, tradeNo: 'T1', amount: '10.01' });
      await f.order({ id: 2, amount: '10.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '10.02' });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '10.02' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({ match_status: 'MATCHED', diff_order_payment: '-0.01' });
      expect(await orderRow('L1', 2)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH_ORDER_PAY',
        diff_order_payment: '-0.02',
      });
    });

    it('produces each of the six statuses', async () => {
      await f.paidOrder(1, '10.00'); // MATCHED
      await f.order({ id: 2, amount: '10.00' }); // MISSING_PAYMENT
      await f.order({ id: 3, amount: '10.00' }); // MISSING_TRADE
      await f.payment({ id: 3, orderId: 3, tradeNo: 'T3', amount: '10.00' });
      await f.order({ id: 4, amount: '10.00' }); // ORDER_PAY
      await f.payment({ id: 4, orderId: 4, tradeNo: 'T4', amount: '8.00' });
      await f.trade({ id: 4, tradeNo: 'T4', amount: '8.00' });
      await f.order({ id: 5, amount: '10.00' }); // ORDER_TRADE
      await f.payment({ id: 5, orderId: 5, tradeNo: 'T5', amount: '10.00' });
      await f.trade({ id: 5, tradeNo: 'T5', amount: '8.00' });
      await f.order({ id: 6, amount: '10.00' }); // PAY_TRADE
      await f.payment({ id: 6, orderId: 6, tradeNo: 'T6', amount: '10.01' });
      await f.trade({ id: 6, tradeNo: 'T6', amount: '9.99' });
      await run();
      const rows = await wh.query<{ match_status: string }>(
        'SELECT match_status FROM recon.stg_recon_level1_results ORDER BY order_id',
      );
      expect(rows.map((r) => r.match_status)).toEqual([
        'MATCHED',
        'MISSING_PAYMENT',
        'MISSING_TRADE',
        'AMOUNT_MISMATCH_ORDER_PAY',
        'AMOUNT_MISMATCH_ORDER_TRADE',
        'AMOUNT_MISMATCH_PAY_TRADE',
      ]);
      expect(new Set(rows.map((r) => r.match_status))).toEqual(new Set(L1_STATUSES));
    });
  });

  describe('level 2: order ↔ finance receipt', () => {
    it('MATCHED by order id with NORMAL_FEE, with every column', async () => {
      await f.paidOrder(1, '10.00', { fee: '4.66' });
      await run();
      expect(await orderRow('L2', 1)).toEqual({
        recon_date: D,
        order_id: '1',
        order_id_str: '1',
        order_no: 'NO1',
        shop_id: '1',
        order_amount: '10.00',
        trade_no: 'T1',
        receipt_id: '1',
        receipt_count: 1,
        match_key: 'ORDER_ID',
        receipt_amount_usd: '10.00',
        stripe_fee_usd: '4.66',
        net_receipt_usd: '5.34',
        match_status: 'MATCHED',
        diff_order_receipt: '0.00',
        fee_status: 'NORMAL_FEE',
        receipt_create_time: `${D} 16:00:00`,
      });
    });

    it('MISSING_RECEIPT / NO_RECEIPT: no active receipt (a cancelled one does not count)', async () => {
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.paidOrder(2, '10.00', { receipt: false });
      await f.receipt({ id: 2, orderIdStr: '2', amount: '10.00', fee: '4.00', status: 0 });
      await run();
      for (const id of [1, 2]) {
        expect(await orderRow('L2', id)).toMatchObject({
          match_status: 'MISSING_RECEIPT',
          fee_status: 'NO_RECEIPT',
          match_key: null,
          receipt_count: 0,
          receipt_id: null,
          receipt_amount_usd: null,
          diff_order_receipt: '10.00',
          trade_no: `T${id}`,
        });
      }
    });

    it('AMOUNT_MISMATCH beyond the tolerance: 0.05 is MATCHED, 0.06 is not', async () => {
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.receipt({ id: 1, orderIdStr: '1', amount: '9.95', fee: '3.00' });
      await f.paidOrder(2, '10.00', { receipt: false });
      await f.receipt({ id: 2, orderIdStr: '2', amount: '9.94', fee: '3.00' });
      await f.paidOrder(3, '10.00', { receipt: false });
      await f.receipt({ id: 3, orderIdStr: '3', amount: '5.00', fee: '3.00' });
      await run();
      expect(await orderRow('L2', 1)).toMatchObject({ match_status: 'MATCHED', diff_order_receipt: '0.05' });
      expect(await orderRow('L2', 2)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH',
        diff_order_receipt: '0.06',
      });
      expect(await orderRow('L2', 3)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH',
        diff_order_receipt: '5.00',
      });
    });

    it('fee_status: ZERO_FEE, LOW_FEE, NORMAL_FEE (both band edges), HIGH_FEE', async () => {
      const fees: [number, string, string][] = [
        [1, '0.00', 'ZERO_FEE'],
        [2, '0.01', 'LOW_FEE'],
        [3, '1.99', 'LOW_FEE'],
        [4, '2.00', 'NORMAL_FEE'],
        [5, '8.00', 'NORMAL_FEE'],
        [6, '8.01', 'HIGH_FEE'],
      ];
      for (const [id, fee] of fees) await f.paidOrder(id, '20.00', { fee });
      await run();
      for (const [id, fee, status] of fees) {
        expect(await orderRow('L2', id), `fee ${fee}`).toMatchObject({
          match_status: 'MATCHED',
          stripe_fee_usd: fee,
          fee_status: status,
        });
      }
      const statuses = await wh.query<{ fee_status: string }>(
        'SELECT DISTINCT fee_status FROM recon.stg_recon_level2_results',
      );
      await f.paidOrder(7, '20.00', { receipt: false });
      await run();
      const all = await wh.query<{ fee_status: string }>(
        'SELECT DISTINCT fee_status FROM recon.stg_recon_level2_results',
      );
      expect(statuses).toHaveLength(4);
      expect(new Set(all.map((r) => r.fee_status))).toEqual(new Set(L2_FEE_STATUSES));
    });

    it('fallback: a receipt found only by trade number → match_key TRADE_NO, MATCHED', async () => {
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.receipt({ id: 1, orderIdStr: null, tpSerialNo: 'T1', amount: '10.00', fee: '3.00' });
      await run();
      expect(await orderRow('L2', 1)).toMatchObject({
        match_status: 'MATCHED',
        match_key: 'TRADE_NO',
        receipt_count: 1,
        receipt_id: '1',
        receipt_amount_usd: '10.00',
        fee_status: 'NORMAL_FEE',
      });
    });

    it('two receipts by order id are summed to MATCHED with receipt_count 2', async () => {
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.receipt({ id: 12, orderIdStr: '1', amount: '6.00', fee: '2.50', createTime: `${D} 17:00:00` });
      await f.receipt({ id: 11, orderIdStr: '1', amount: '4.00', fee: '1.50', createTime: `${D} 18:00:00` });
      await run();
      expect(await orderRow('L2', 1)).toMatchObject({
        match_status: 'MATCHED',
        match_key: 'ORDER_ID',
        receipt_count: 2,
        receipt_id: '11',
        receipt_amount_usd: '10.00',
        stripe_fee_usd: '4.00',
        net_receipt_usd: '6.00',
        fee_status: 'NORMAL_FEE',
        receipt_create_time: `${D} 17:00:00`,
      });
    });

    it('split tender matched by two trade numbers sums each receipt once', async () => {
      await f.order({ id: 1, amount: '10.00' });
      // Three successful payments, two of them sharing trade T11.
      await f.payment({ id: 11, orderId: 1, tradeNo: 'T11', amount: '3.00' });
      await f.payment({ id: 13, orderId: 1, tradeNo: 'T11', amount: '3.00' });
      await f.payment({ id: 12, orderId: 1, tradeNo: 'T12', amount: '4.00' });
      await f.trade({ id: 11, tradeNo: 'T11', amount: '6.00' });
      await f.trade({ id: 12, tradeNo: 'T12', amount: '4.00' });
      await f.receipt({ id: 21, tpSerialNo: 'T11', amount: '6.00', fee: '2.00' });
      await f.receipt({ id: 22, tpSerialNo: 'T12', amount: '4.00', fee: '1.00' });
      await run();
      expect(await orderRow('L1', 1)).toMatchObject({
        match_status: 'MATCHED',
        payment_count: 3,
        trade_count: 2,
      });
      expect(await orderRow('L2', 1)).toMatchObject({
        match_status: 'MATCHED',
        match_key: 'TRADE_NO',
        receipt_count: 2,
        receipt_amount_usd: '10.00',
        stripe_fee_usd: '3.00',
        trade_no: 'T11',
        receipt_id: '21',
      });
    });

    it('a receipt by order id wins: trade-number receipts are then not added', async () => {
      await f.paidOrder(1, '10.00');
      await f.receipt({ id: 2, tpSerialNo: 'T1', amount: '10.00', fee: '3.00' });
      await run();
      expect(await orderRow('L2', 1)).toMatchObject({
        match_status: 'MATCHED',
        match_key: 'ORDER_ID',
        receipt_count: 1,
        receipt_id: '1',
      });
    });

    it('a receipt of another business date still matches its order', async () => {
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.receipt({ id: 1, orderIdStr: '1', amount: '10.00', fee: '3.00', bizDate: D1 });
      await run();
      expect(await orderRow('L2', 1)).toMatchObject({ match_status: 'MATCHED', recon_date: D });
    });

    it('produces each of the three statuses', async () => {
      await f.paidOrder(1, '10.00');
      await f.paidOrder(2, '10.00', { receipt: false });
      await f.paidOrder(3, '10.00', { receipt: false });
      await f.receipt({ id: 3, orderIdStr: '3', amount: '1.00', fee: '0.10' });
      await run();
      const rows = await wh.query<{ match_status: string }>(
        'SELECT match_status FROM recon.stg_recon_level2_results ORDER BY order_id',
      );
      expect(rows.map((r) => r.match_status)).toEqual(['MATCHED', 'MISSING_RECEIPT', 'AMOUNT_MISMATCH']);
      expect(new Set(rows.map((r) => r.match_status))).toEqual(new Set(L2_STATUSES));
    });
  });

  describe('level 3: receipts ↔ income bills per shop × business date', () => {
    it('MATCHED on gross, with every column', async () => {
      await f.paidOrder(1, '60.00', { shopId: 10, fee: '2.00' });
      await f.paidOrder(2, '40.00', { shopId: 10, fee: '1.00' });
      await f.bill({ id: 1, shopId: 10, amount: '70.00' });
      await f.bill({ id: 2, shopId: 10, amount: '30.50' });
      await run();
      expect(await shopDay(10)).toEqual({
        recon_date: D,
        shop_id: '10',
        receipt_count: 2,
        total_receipt_amount: '100.00',
        total_stripe_fees: '3.00',
        total_net_receipt: '97.00',
        bill_count: 2,
        total_income_amount: '100.50',
        order_count: 2,
        total_order_amount: '100.00',
        match_status: 'MATCHED',
        variance_amount: '-0.50',
        variance_pct: '-0.4975',
        diff_net: '-3.50',
        diff_receipt_order: '0.00',
        diff_income_order: '0.50',
      });
    });

    it('MATCHED_NET, AMOUNT_MISMATCH, MISSING_INCOME_BILL, MISSING_RECEIPTS', async () => {
      // shop 11: gross 100 vs income 95 (off by 5), net 95 → MATCHED_NET.
      await f.receipt({ id: 1, shopId: 11, amount: '100.00', fee: '5.00' });
      await f.bill({ id: 1, shopId: 11, amount: '95.00' });
      // shop 12: gross 100, net 97, income 90 → AMOUNT_MISMATCH, variance 10 = 11.1111 %.
      await f.receipt({ id: 2, shopId: 12, amount: '100.00', fee: '3.00' });
      await f.bill({ id: 2, shopId: 12, amount: '90.00' });
      // shop 13: receipts only; shop 15: a completed order only → MISSING_INCOME_BILL.
      await f.receipt({ id: 3, shopId: 13, amount: '20.00', fee: '1.00' });
      await f.order({ id: 5, shopId: 15, amount: '7.00' });
      // shop 14: a bill only (and an invalid bill that is ignored) → MISSING_RECEIPTS.
      await f.bill({ id: 4, shopId: 14, amount: '50.00' });
      await f.bill({ id: 5, shopId: 14, amount: '999.00', status: 0 });
      // shop 16: only a cancelled receipt and an invalid bill → no row at all.
      await f.receipt({ id: 6, shopId: 16, amount: '5.00', fee: '0.00', status: 0 });
      await f.bill({ id: 6, shopId: 16, amount: '5.00', status: 0 });
      await run();
      expect(await shopDay(11)).toMatchObject({
        match_status: 'MATCHED_NET',
        variance_amount: '5.00',
        diff_net: '0.00',
      });
      expect(await shopDay(12)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH',
        variance_amount: '10.00',
        variance_pct: '11.1111',
        diff_net: '7.00',
      });
      expect(await shopDay(13)).toMatchObject({
        match_status: 'MISSING_INCOME_BILL',
        bill_count: 0,
        total_income_amount: '0.00',
        variance_amount: '20.00',
        variance_pct: null,
      });
      expect(await shopDay(15)).toMatchObject({
        match_status: 'MISSING_INCOME_BILL',
        receipt_count: 0,
        order_count: 1,
        total_order_amount: '7.00',
        diff_receipt_order: '-7.00',
        variance_pct: null,
      });
      expect(await shopDay(14)).toMatchObject({
        match_status: 'MISSING_RECEIPTS',
        receipt_count: 0,
        total_receipt_amount: '0.00',
        bill_count: 1,
        total_income_amount: '50.00',
        variance_amount: '-50.00',
        variance_pct: '-100.0000',
      });
      const rows = await wh.query<{ shop_id: string; match_status: string }>(
        'SELECT shop_id, match_status FROM recon.stg_recon_level3_results ORDER BY shop_id',
      );
      expect(rows.map((r) => r.shop_id)).toEqual(['11', '12', '13', '14', '15']);
    });

    it('produces each of the five statuses', async () => {
      await f.receipt({ id: 1, shopId: 1, amount: '10.00', fee: '0.50' });
      await f.bill({ id: 1, shopId: 1, amount: '10.00' });
      await f.receipt({ id: 2, shopId: 2, amount: '10.00', fee: '3.00' });
      await f.bill({ id: 2, shopId: 2, amount: '7.00' });
      await f.receipt({ id: 3, shopId: 3, amount: '10.00', fee: '0.50' });
      await f.bill({ id: 3, shopId: 3, amount: '5.00' });
      await f.receipt({ id: 4, shopId: 4, amount: '10.00', fee: '0.50' });
      await f.bill({ id: 5, shopId: 5, amount: '10.00' });
      await run();
      const rows = await wh.query<{ match_status: string }>(
        'SELECT match_status FROM recon.stg_recon_level3_results ORDER BY shop_id',
      );
      expect(rows.map((r) => r.match_status)).toEqual([
        'MATCHED',
        'MATCHED_NET',
        'AMOUNT_MISMATCH',
        'MISSING_INCOME_BILL',
        'MISSING_RECEIPTS',
      ]);
      expect(new Set(rows.map((r) => r.match_status))).toEqual(new Set(L3_STATUSES));
    });

    it('tolerance: 1.00 apart is MATCHED, 1.01 is not; variance_pct rounds to 4 decimals', async () => {
      await f.receipt({ id: 1, shopId: 1, amount: '100.00', fee: '0.00' });
      await f.bill({ id: 1, shopId: 1, amount: '99.00' });
      await f.receipt({ id: 2, shopId: 2, amount: '100.00', fee: '0.00' });
      await f.bill({ id: 2, shopId: 2, amount: '98.99' });
      await f.receipt({ id: 3, shopId: 3, amount: '1.00', fee: '0.00' });
      await f.bill({ id: 3, shopId: 3, amount: '3.00' });
      await run();
      expect(await shopDay(1)).toMatchObject({
        match_status: 'MATCHED',
        variance_amount: '1.00',
        variance_pct: '1.0101',
      });
      expect(await shopDay(2)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH',
        variance_amount: '1.01',
        variance_pct: '1.0203',
      });
      expect(await shopDay(3)).toMatchObject({
        match_status: 'AMOUNT_MISMATCH',
        variance_amount: '-2.00',
        variance_pct: '-66.6667',
      });
    });
  });

  describe('universe, business dates and windows', () => {
    it('an evening order whose UTC time is on D+1 counts on its business date D only', async () => {
      // 21:30 in New York on D is 01:30 UTC on D+1; staging already says biz_date D.
      await f.order({ id: 1, amount: '10.00', shopId: 7, createTime: `${D1} 01:30:00`, bizDate: D });
      await f.payment({
        id: 1,
        orderId: 1,
        tradeNo: 'T1',
        amount: '10.00',
        createTime: `${D1} 01:30:20`,
        bizDate: D,
      });
      await f.trade({ id: 1, tradeNo: 'T1', amount: '10.00', completeTime: `${D1} 01:31:00`, bizDate: D });
      await f.receipt({
        id: 1,
        orderIdStr: '1',
        amount: '10.00',
        fee: '3.00',
        shopId: 7,
        createTime: `${D1} 02:00:00`,
        bizDate: D,
      });
      await f.bill({ id: 1, shopId: 7, amount: '10.00', bizDate: D });
      await run(D, D1);
      for (const level of ['L1', 'L2'] as const) {
        expect(await orderRow(level, 1)).toMatchObject({ recon_date: D, match_status: 'MATCHED' });
        const onD1 = await wh.query(
          `SELECT * FROM ${RESULT_TABLES[level].table} WHERE recon_date = CAST(:d AS DATE)`,
          {
            d: D1,
          },
        );
        expect(onD1).toEqual([]);
      }
      expect(await shopDay(7, D)).toMatchObject({
        match_status: 'MATCHED',
        order_count: 1,
        receipt_count: 1,
      });
      expect(
        await wh.query(`SELECT * FROM ${RESULT_TABLES.L3.table} WHERE recon_date = CAST(:d AS DATE)`, {
          d: D1,
        }),
      ).toEqual([]);
    });

    it('excludes NZD orders, statuses other than 5/6/7 and orders outside the window', async () => {
      await f.paidOrder(1, '10.00'); // status 5
      await f.order({ id: 2, amount: '10.00', status: 6 });
      await f.order({ id: 3, amount: '10.00', status: 7 });
      await f.order({ id: 4, amount: '10.00', status: 8 });
      await f.order({ id: 5, amount: '10.00', status: 9 });
      await f.order({ id: 6, amount: '10.00', status: 0 });
      await f.order({ id: 7, amount: '10.00', currency: 'NZD', shopId: 99 });
      await f.payment({ id: 7, orderId: 7, tradeNo: 'T7', amount: '10.00' });
      await f.trade({ id: 7, tradeNo: 'T7', amount: '10.00' });
      await f.order({ id: 8, amount: '10.00', bizDate: D1 });
      await f.order({ id: 9, amount: '10.00', bizDate: D0 });
      await run();
      expect(await orderIds('L1')).toEqual(['1', '2', '3']);
      expect(await orderIds('L2')).toEqual(['1', '2', '3']);
      const l3 = await wh.query<{ shop_id: string; order_count: number; total_order_amount: string }>(
        'SELECT shop_id, order_count, total_order_amount FROM recon.stg_recon_level3_results ORDER BY shop_id',
      );
      expect(l3).toEqual([{ shop_id: '1', order_count: 3, total_order_amount: '30.00' }]);
    });

    it('exactly one row per order, whatever the number of payments, trades and receipts', async () => {
      await f.order({ id: 1, amount: '30.00' });
      for (const n of [1, 2, 3]) {
        await f.payment({ id: n, orderId: 1, tradeNo: `T${n}`, amount: '10.00' });
        await f.trade({ id: n, tradeNo: `T${n}`, amount: '10.00' });
        await f.receipt({ id: n, orderIdStr: '1', tpSerialNo: `T${n}`, amount: '10.00', fee: '1.00' });
      }
      await f.paidOrder(20, '5.00');
      expect(await run()).toEqual({ L1: 2, L2: 2, L3: 1 });
      expect(await orderIds('L1')).toEqual(['1', '20']);
      expect(await orderIds('L2')).toEqual(['1', '20']);
      expect(await orderRow('L1', 1)).toMatchObject({
        payment_count: 3,
        trade_count: 3,
        match_status: 'MATCHED',
      });
      expect(await orderRow('L2', 1)).toMatchObject({
        receipt_count: 3,
        receipt_amount_usd: '30.00',
        match_status: 'MATCHED',
      });
    });

    it('re-running the same window leaves every result table byte-identical', async () => {
      await f.paidOrder(1, '10.00');
      await f.paidOrder(2, '20.00', { receipt: false, shopId: 2 });
      await f.order({ id: 3, amount: '7.50', bizDate: D1 });
      await f.receipt({ id: 9, tpSerialNo: 'T2', amount: '19.00', fee: '0.00', shopId: 2 });
      await f.bill({ id: 1, amount: '10.00' });
      await f.bill({ id: 2, shopId: 3, amount: '1.00', bizDate: D1 });
      const first = await run(D, D1);
      const before = await snapshot();
      const second = await run(D, D1);
      const after = await snapshot();
      expect(second).toEqual(first);
      expect(after).toEqual(before);
      expect(before['L1']).toHaveLength(3);
      expect(before['L3']?.length).toBeGreaterThan(0);
      // Byte-identical: the text of every row, too.
      const text = (table: string, key: string) =>
        wh.query<{ t: string }>(`SELECT r::text AS t FROM ${table} r ORDER BY ${key}`);
      for (const { table, key } of Object.values(RESULT_TABLES)) {
        const once = await text(table, key);
        await run(D, D1);
        expect(await text(table, key)).toEqual(once);
      }
    });

    it('a window run replaces only its own dates', async () => {
      for (const [id, date] of [
        [1, D0],
        [2, D],
        [3, D1],
      ] as const) {
        await f.paidOrder(id, '10.00', { bizDate: date });
        await f.bill({ id, amount: '10.00', bizDate: date });
      }
      await run(D0, D1);
      const before = await snapshot();
      // Late data for every date; only D is re-matched.
      await f.receipt({ id: 11, orderIdStr: '1', amount: '5.00', fee: '0.00', bizDate: D0 });
      await f.receipt({ id: 12, orderIdStr: '2', amount: '50.00', fee: '0.00', bizDate: D });
      await f.receipt({ id: 13, orderIdStr: '3', amount: '5.00', fee: '0.00', bizDate: D1 });
      expect(await run(D, D)).toEqual({ L1: 1, L2: 1, L3: 1 });
      const after = await snapshot();
      for (const level of ['L1', 'L2', 'L3'] as const) {
        const outside = (rows: Row[] | undefined) => (rows ?? []).filter((r) => r['recon_date'] !== D);
        expect(outside(after[level])).toEqual(outside(before[level]));
        expect(after[level]).toHaveLength(3);
      }
      expect(await orderRow('L2', 1)).toMatchObject({ receipt_count: 1, match_status: 'MATCHED' });
      expect(await orderRow('L2', 2)).toMatchObject({ receipt_count: 2, match_status: 'AMOUNT_MISMATCH' });
      expect(await orderRow('L2', 3)).toMatchObject({ receipt_count: 1, match_status: 'MATCHED' });
      expect(await shopDay(1, D)).toMatchObject({ receipt_count: 2, match_status: 'AMOUNT_MISMATCH' });
      expect(await shopDay(1, D1)).toMatchObject({ receipt_count: 1, match_status: 'MATCHED' });
    });
  });
});
