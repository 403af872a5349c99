/**
 * Anomaly detection (SPEC §7) on real PostgreSQL and PGlite: every type and every step of its
 * severity ladder raised by a hand-built fixture, with the case just below each threshold raising
 * nothing; one ANO-02 per order carrying the largest difference; root cause first (an ANO-01 order
 * gets no ANO-06, not even through its trades); the window; confidence by evidence; readable
 * descriptions and recommendations; at most one candidate per anomaly_id.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMatching } from '../reconcile/match.ts';
import { D, D_NEXT, D_PREV, Fixture, matchParams } from '../reconcile/test-fixtures.ts';
import type { MatchParams } from '../reconcile/types.ts';
import { type Settings, settingsSchema } from '../settings.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { createCandidatesTable, detectAnomalies } from './detect.ts';
import { ANOMALY_NAMES, type AnomalyType, CANDIDATE_COLUMNS, CANDIDATES_TABLE, SEVERITIES } from './types.ts';

/** A row of the candidates table as the warehouse returns it. */
type Candidate = {
  anomaly_id: string;
  anomaly_type: AnomalyType;
  anomaly_name: string;
  severity: string;
  recon_date: string;
  entity_key: string;
  order_id: string | null;
  shop_id: string | null;
  affected_amount: string;
  expected_value: string | null;
  actual_value: string | null;
  confidence_score: string;
  description: string;
  recommendation: string;
};

const DEFAULTS: Settings = settingsSchema.parse({});

/** Tables a test may fill or the engine writes, emptied before each test. */
const TABLES = [
  'stg_recon_orders',
  'stg_recon_payments',
  'stg_recon_trades',
  'stg_recon_receipts',
  'stg_recon_income_bills',
  'stg_recon_fees',
  'stg_recon_refunds',
  'stg_recon_vouchers',
  'stg_recon_voucher_entries',
  'stg_recon_level1_results',
  'stg_recon_level2_results',
  'stg_recon_level3_results',
] as const;

/** Staging rows the shared {@link Fixture} does not build: fees, refunds, vouchers, entries. */
class MoreRows {
  private seq = 1000;
  constructor(private readonly db: SqlExecutor) {}

  /** A t_channel_fee row for a trade number. */
  async fee(tradeNo: string, amount: string, bizDate = D): Promise<void> {
    await this.db.execute(
      `INSERT INTO recon.stg_recon_fees (fee_id, trade_no, fee_amount_usd, fee_rate, channel_type, create_time, biz_date)
       VALUES (CAST(:id AS BIGINT), :tradeNo, CAST(:amount AS DECIMAL(12,2)), NULL, 1,
               CAST(:createTime AS TIMESTAMP), CAST(:bizDate AS DATE))`,
      { id: this.seq++, tradeNo, amount, createTime: `${bizDate} 15:02:00`, bizDate },
    );
  }

  /** A t_refund row (status 0 pending, 1 successful, 2 failed). */
  async refund(r: {
    id: number;
    tradeNo: string;
    amount: string;
    status: number;
    createTime?: string;
    bizDate?: string;
  }): Promise<void> {
    const bizDate = r.bizDate ?? D;
    const createTime = r.createTime ?? `${bizDate} 17:00:00`;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_refunds (refund_id, trade_no, refund_amount_usd, refund_status, create_time,
          update_time, complete_time, biz_date)
       VALUES (CAST(:id AS BIGINT), :tradeNo, CAST(:amount AS DECIMAL(12,2)), CAST(:status AS INTEGER),
          CAST(:createTime AS TIMESTAMP), CAST(:createTime AS TIMESTAMP), NULL, CAST(:bizDate AS DATE))`,
      { id: r.id, tradeNo: r.tradeNo, amount: r.amount, status: r.status, createTime, bizDate },
    );
  }

  /** A t_reconcile_voucher row for a trade (status 1 confirmed, 0 pending). */
  async voucher(tradeNo: string, amount: string, status = 1, shopId = 1, bizDate = D): Promise<void> {
    const id = this.seq++;
    await this.db.execute(
      `INSERT INTO recon.stg_recon_vouchers (voucher_row_id, voucher_no, biz_no, trade_no, shop_id, amount_usd,
          voucher_status, biz_date, create_time, update_time)
       VALUES (CAST(:id AS BIGINT), :voucherNo, NULL, :tradeNo, CAST(:shopId AS BIGINT),
          CAST(:amount AS DECIMAL(12,2)), CAST(:status AS INTEGER), CAST(:bizDate AS DATE),
          CAST(:createTime AS TIMESTAMP), CAST(:createTime AS TIMESTAMP))`,
      {
        id,
        voucherNo: `RV${id}`,
        tradeNo,
        shopId,
        amount,
        status,
        bizDate,
        createTime: `${bizDate} 16:30:00`,
      },
    );
  }

  /** A t_pre_voucher_entry line. */
  async entry(voucherId: number, debit: string, credit: string, bizDate = D): Promise<void> {
    await this.db.execute(
      `INSERT INTO recon.stg_recon_voucher_entries (voucher_entry_id, voucher_id, account_code, debit_amount_usd,
          credit_amount_usd, biz_date, create_time)
       VALUES (CAST(:id AS BIGINT), CAST(:voucherId AS BIGINT), '1122', CAST(:debit AS DECIMAL(12,2)),
          CAST(:credit AS DECIMAL(12,2)), CAST(:bizDate AS DATE), CAST(:createTime AS TIMESTAMP))`,
      { id: this.seq++, voucherId, debit, credit, bizDate, createTime: `${D_NEXT} 09:00:00` },
    );
  }
}

/** 'YYYY-MM-DD HH:MM:SS' that many seconds before `asOf`. */
function before(asOf: string, seconds: number): string {
  const ms = Date.parse(`${asOf.replace(' ', 'T')}Z`) - seconds * 1000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
const H = 3600;
const M = 60;

describe.each(engineCases())('anomaly detection on $name', (engine) => {
  let wh: Warehouse;
  let f: Fixture;
  let more: MoreRows;

  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    f = new Fixture(wh);
    more = new MoreRows(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    for (const t of TABLES) await wh.execute(`DELETE FROM recon.${t}`);
  });

  interface ScanOptions {
    from?: string;
    to?: string;
    settings?: Partial<Settings>;
    match?: Partial<MatchParams>;
  }

  /**
   * Match the window, detect, and return the candidates (checking the invariants every candidate
   * must satisfy). Runs in one transaction: the candidates table is a session temp table.
   */
  async function scan(asOf: string, options: ScanOptions = {}): Promise<Candidate[]> {
    const from = options.from ?? D_PREV;
    const to = options.to ?? D_NEXT;
    return wh.transaction(async (tx) => {
      await runMatching(tx, { ...matchParams(from, to), ...options.match });
      const n = await detectAnomalies(tx, {
        runId: 'test-run',
        reconDate: to,
        fromDate: from,
        toDate: to,
        asOf,
        settings: { ...DEFAULTS, ...options.settings },
      });
      const rows = await tx.query<Candidate>(`SELECT * FROM ${CANDIDATES_TABLE} ORDER BY anomaly_id`);
      expect(rows).toHaveLength(n);
      expect(new Set(rows.map((r) => r.anomaly_id)).size, 'one row per anomaly_id').toBe(rows.length);
      for (const r of rows) {
        expect(r.anomaly_id).toBe(`${r.anomaly_type}:${r.entity_key}`);
        expect(r.anomaly_name).toBe(ANOMALY_NAMES[r.anomaly_type]);
        expect(SEVERITIES).toContain(r.severity);
        expect(r.recon_date >= from && r.recon_date <= to, r.anomaly_id).toBe(true);
        expect(r.affected_amount).toMatch(/^\d+\.\d{2}$/);
        expect(Number(r.confidence_score)).toBeGreaterThan(0);
        expect(Number(r.confidence_score)).toBeLessThanOrEqual(1);
        expect(r.description.length, r.anomaly_id).toBeGreaterThan(30);
        expect(r.recommendation.length, r.anomaly_id).toBeGreaterThan(30);
        // The kind prefix of refund, voucher and trade keys ('refund:12') is not prose: the id is named.
        for (const part of r.entity_key.replace(/^(refund|voucher|trade):/, '').split('|')) {
          expect(r.description, `${r.anomaly_id} description names ${part}`).toContain(part);
          expect(r.recommendation, `${r.anomaly_id} recommendation names ${part}`).toContain(part);
        }
      }
      return rows;
    });
  }
  const ofType = (rows: Candidate[], type: AnomalyType) => rows.filter((r) => r.anomaly_type === type);
  /** entity_key → severity of one type. */
  const severities = (rows: Candidate[], type: AnomalyType) =>
    Object.fromEntries(ofType(rows, type).map((r) => [r.entity_key, r.severity]));

  /** A fully reconciled order whose trade has a confirmed voucher (nothing to report). */
  async function cleanOrder(id: number, amount: string, shopId = 1): Promise<void> {
    await f.paidOrder(id, amount, { shopId });
    await more.voucher(`T${id}`, amount, 1, shopId);
  }

  it('creates the candidates table with the contract columns, replacing a leftover', async () => {
    await wh.transaction(async (tx) => {
      await createCandidatesTable(tx);
      await tx.execute(`INSERT INTO ${CANDIDATES_TABLE} (anomaly_id) VALUES ('x')`);
      await createCandidatesTable(tx);
      expect(await tx.query(`SELECT * FROM ${CANDIDATES_TABLE}`)).toEqual([]);
      const cols = await tx.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = :t ORDER BY ordinal_position`,
        { t: CANDIDATES_TABLE },
      );
      expect(cols.map((c) => c.column_name)).toEqual(CANDIDATE_COLUMNS.map(([n]) => n));
    });
  });

  it('raises nothing on clean data, however old', async () => {
    await cleanOrder(1, '10.00');
    await cleanOrder(2, '25.40');
    await more.fee('T1', '4.66');
    await more.fee('T2', '4.66');
    await f.bill({ id: 1, amount: '35.40' });
    await more.entry(500, '35.40', '0.00');
    await more.entry(500, '0.00', '35.40');
    await more.refund({ id: 1, tradeNo: 'T1', amount: '10.00', status: 1 });
    expect(await scan('2024-03-20 00:00:00')).toEqual([]);
  });

  describe('ANO-01 missing payment', () => {
    const asOf = '2024-03-11 16:00:00';

    it('HIGH from 2 h, CRITICAL from 24 h, nothing younger than 2 h', async () => {
      const ages = { 1: 2 * H - 1 * M, 2: 2 * H, 3: 24 * H - 1 * M, 4: 24 * H };
      for (const [id, age] of Object.entries(ages)) {
        await f.order({ id: Number(id), amount: '10.00', createTime: before(asOf, age) });
      }
      expect(severities(await scan(asOf), 'ANO-01')).toEqual({ 2: 'HIGH', 3: 'HIGH', 4: 'CRITICAL' });
    });

    it('describes the order, its amount and age; exact evidence', async () => {
      await f.order({ id: 123456789, amount: '89.50', createTime: before(asOf, 26 * H + 5 * M) });
      const [c] = ofType(await scan(asOf), 'ANO-01');
      expect(c).toMatchObject({
        anomaly_id: 'ANO-01:123456789',
        severity: 'CRITICAL',
        recon_date: D,
        order_id: '123456789',
        shop_id: '1',
        affected_amount: '89.50',
        expected_value: '89.50',
        actual_value: '0.00',
        confidence_score: '1.000',
      });
      expect(c!.description).toContain('Payment record missing for order 123456789 ($89.50');
      expect(c!.description).toContain('26 h after the order');
      expect(c!.recommendation).toMatch(/payment gateway .* order 123456789/);
    });

    it('MISSING_TRADE raises it too, naming the trade that is missing', async () => {
      await f.order({ id: 7, amount: '12.00', createTime: before(asOf, 3 * H) });
      await f.payment({ id: 7, orderId: 7, tradeNo: 'T7', amount: '12.00' });
      const [c] = ofType(await scan(asOf), 'ANO-01');
      expect(c).toMatchObject({ entity_key: '7', severity: 'HIGH', affected_amount: '12.00' });
      expect(c!.description).toContain('trade T7');
      expect(c!.recommendation).toContain('T7');
    });

    it('follows the settings', async () => {
      await f.order({ id: 1, amount: '10.00', createTime: before(asOf, 1 * H) });
      await f.order({ id: 2, amount: '10.00', createTime: before(asOf, 3 * H) });
      const rows = await scan(asOf, {
        settings: { paymentDelayWarningHours: 1, paymentDelayCriticalHours: 3 },
      });
      expect(severities(rows, 'ANO-01')).toEqual({ 1: 'HIGH', 2: 'CRITICAL' });
    });

    it('only for orders of the window', async () => {
      await f.order({ id: 1, amount: '10.00', bizDate: D_PREV, createTime: `${D_PREV} 15:00:00` });
      await f.order({ id: 2, amount: '10.00', createTime: `${D} 10:00:00` });
      expect(severities(await scan(asOf, { from: D, to: D }), 'ANO-01')).toEqual({ 2: 'CRITICAL' });
    });
  });

  describe('ANO-02 amount mismatch', () => {
    const asOf = `${D} 15:30:00`;

    it('one CRITICAL per order with the largest difference, at any age', async () => {
      // Order 1: L1 ORDER_PAY (1.00) and L2 AMOUNT_MISMATCH (receipts 12.00 vs 10.00: 2.00).
      await f.order({ id: 1, amount: '10.00' });
      await f.payment({ id: 1, orderId: 1, tradeNo: 'T1', amount: '9.00' });
      await f.trade({ id: 1, tradeNo: 'T1', amount: '9.00' });
      await f.receipt({ id: 1, orderIdStr: '1', amount: '12.00', fee: '4.66' });
      // Order 2: L1 ORDER_TRADE (3.00) and L2 AMOUNT_MISMATCH (1.00).
      await f.order({ id: 2, amount: '20.00' });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '20.00' });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '23.00' });
      await f.receipt({ id: 2, orderIdStr: '2', amount: '19.00', fee: '4.66' });
      // Order 3: L1 PAY_TRADE, payments 9.99 and trades 10.01 around a 10.00 order.
      await f.order({ id: 3, amount: '10.00' });
      await f.payment({ id: 3, orderId: 3, tradeNo: 'T3', amount: '9.99' });
      await f.trade({ id: 3, tradeNo: 'T3', amount: '10.01' });
      await f.receipt({ id: 3, orderIdStr: '3', amount: '10.00', fee: '4.66' });
      const rows = ofType(await scan(asOf), 'ANO-02');
      expect(
        rows.map((r) => [r.entity_key, r.severity, r.affected_amount, r.expected_value, r.actual_value]),
      ).toEqual([
        ['1', 'CRITICAL', '2.00', '10.00', '12.00'],
        ['2', 'CRITICAL', '3.00', '20.00', '23.00'],
        ['3', 'CRITICAL', '0.02', '9.99', '10.01'],
      ]);
      expect(rows[0]!.description).toContain('order amount $10.00 vs finance receipts $12.00');
      expect(rows[0]!.description).toContain('L1 AMOUNT_MISMATCH_ORDER_PAY, L2 AMOUNT_MISMATCH');
      expect(rows[1]!.description).toContain('order amount $20.00 vs payment trades $23.00');
      expect(rows[2]!.description).toContain('successful payments $9.99 vs payment trades $10.01');
      expect(rows.map((r) => r.confidence_score)).toEqual(['1.000', '1.000', '1.000']);
    });

    it('within the tolerances nothing; through the trade-number fallback lower confidence', async () => {
      // L2 difference 0.05 (tolerance) and L1 difference 0.01: matched.
      await f.paidOrder(1, '10.00', { receipt: false });
      await f.receipt({ id: 1, orderIdStr: '1', amount: '10.05', fee: '4.66' });
      // L2 mismatch of a receipt found by trade number only.
      await f.paidOrder(2, '10.00', { receipt: false });
      await f.receipt({ id: 2, orderIdStr: null, tpSerialNo: 'T2', amount: '10.06', fee: '4.66' });
      const rows = ofType(await scan(asOf), 'ANO-02');
      expect(rows.map((r) => [r.entity_key, r.affected_amount, r.confidence_score])).toEqual([
        ['2', '0.06', '0.800'],
      ]);
      expect(rows[0]!.description).toContain('found by trade number');
    });
  });

  describe('ANO-03 fee anomaly', () => {
    const asOf = `${D} 18:00:00`;

    it('ZERO_FEE and HIGH_FEE are MEDIUM; the band edges and LOW_FEE are not', async () => {
      await f.paidOrder(1, '20.00', { fee: '0.00' });
      await f.paidOrder(2, '20.00', { fee: '8.01' });
      await f.paidOrder(3, '20.00', { fee: '8.00' });
      await f.paidOrder(4, '20.00', { fee: '1.99' });
      await f.paidOrder(5, '20.00', { fee: '0.01' });
      const rows = ofType(await scan(asOf), 'ANO-03');
      expect(rows.map((r) => [r.entity_key, r.severity, r.affected_amount, r.actual_value])).toEqual([
        ['1', 'MEDIUM', '0.00', '0.00'],
        ['2', 'MEDIUM', '8.01', '8.01'],
      ]);
      expect(rows[0]!.description).toContain('No processing fee');
      expect(rows[1]!.description).toContain('above the expected maximum of $8.00');
      expect(rows.map((r) => r.confidence_score)).toEqual(['1.000', '1.000']);
    });

    it('channel fee off the receipt fee by 0.02 is LOW, by 0.01 nothing; split tenders summed', async () => {
      await f.paidOrder(1, '20.00');
      await more.fee('T1', '4.67');
      await f.paidOrder(2, '20.00');
      await more.fee('T2', '4.68');
      await f.paidOrder(3, '20.00');
      await more.fee('T3', '4.64');
      // Split tender: two trades, fees 2.00 + 2.66 = the receipt's 4.66.
      await f.order({ id: 4, amount: '20.00' });
      for (const [i, amt] of [
        [41, '12.00'],
        [42, '8.00'],
      ] as const) {
        await f.payment({ id: i, orderId: 4, tradeNo: `T${i}`, amount: amt });
        await f.trade({ id: i, tradeNo: `T${i}`, amount: amt });
      }
      await f.receipt({ id: 4, orderIdStr: '4', amount: '20.00', fee: '4.66' });
      await more.fee('T41', '2.00');
      await more.fee('T42', '2.66');
      const rows = ofType(await scan(asOf), 'ANO-03');
      expect(
        rows.map((r) => [r.entity_key, r.severity, r.affected_amount, r.expected_value, r.actual_value]),
      ).toEqual([
        ['2', 'LOW', '4.66', '4.66', '4.68'],
        ['3', 'LOW', '4.66', '4.66', '4.64'],
      ]);
      expect(rows[0]!.confidence_score).toBe('0.800');
      expect(rows[0]!.description).toContain('Channel fee $4.68');
      expect(rows[0]!.description).toContain('by $0.02');
    });

    it('one MEDIUM when both hold; the fallback receipt lowers confidence', async () => {
      await f.paidOrder(1, '20.00', { fee: '0.00' });
      await more.fee('T1', '0.50');
      await f.paidOrder(2, '20.00', { receipt: false });
      await f.receipt({ id: 2, orderIdStr: null, tpSerialNo: 'T2', amount: '20.00', fee: '9.00' });
      const rows = ofType(await scan(asOf), 'ANO-03');
      expect(rows.map((r) => [r.entity_key, r.severity, r.confidence_score])).toEqual([
        ['1', 'MEDIUM', '1.000'],
        ['2', 'MEDIUM', '0.800'],
      ]);
      expect(rows[0]!.description).toContain('The channel fee, $0.50, disagrees as well.');
    });
  });

  describe('ANO-04 refund stuck', () => {
    const asOf = '2024-03-14 12:00:00';

    it('a refund pending 72 h is CRITICAL, 71 h 59 min nothing; successful refunds never', async () => {
      await cleanOrder(1, '10.00');
      await more.refund({
        id: 11,
        tradeNo: 'T1',
        amount: '10.00',
        status: 0,
        createTime: before(asOf, 72 * H - M),
      });
      await cleanOrder(2, '15.00');
      await more.refund({
        id: 12,
        tradeNo: 'T2',
        amount: '15.00',
        status: 0,
        createTime: before(asOf, 72 * H),
      });
      await cleanOrder(3, '15.00');
      await more.refund({
        id: 13,
        tradeNo: 'T3',
        amount: '15.00',
        status: 1,
        createTime: before(asOf, 99 * H),
      });
      const rows = ofType(await scan(asOf), 'ANO-04');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        anomaly_id: 'ANO-04:refund:12',
        severity: 'CRITICAL',
        recon_date: D,
        order_id: '2',
        shop_id: '1',
        affected_amount: '15.00',
        confidence_score: '1.000',
      });
      expect(rows[0]!.description).toContain(
        'Refund 12 of $15.00 on trade T2 (order 2) has been pending for 72 h',
      );
    });

    it('successful + pending refunds beyond the trade amount are CRITICAL on the trade, at any age', async () => {
      await cleanOrder(1, '10.00');
      await more.refund({ id: 1, tradeNo: 'T1', amount: '6.00', status: 1 });
      await more.refund({ id: 2, tradeNo: 'T1', amount: '5.00', status: 0, createTime: before(asOf, H) });
      await cleanOrder(2, '10.00');
      await more.refund({ id: 3, tradeNo: 'T2', amount: '10.00', status: 1 });
      await more.refund({ id: 4, tradeNo: 'T2', amount: '10.00', status: 2 });
      const rows = ofType(await scan(asOf), 'ANO-04');
      expect(
        rows.map((r) => [
          r.entity_key,
          r.severity,
          r.affected_amount,
          r.expected_value,
          r.actual_value,
          r.order_id,
        ]),
      ).toEqual([['T1', 'CRITICAL', '1.00', '10.00', '11.00', '1']]);
      expect(rows[0]!.description).toContain('$1.00 more than was charged');
    });

    it('by the business date of the refund', async () => {
      await cleanOrder(1, '10.00');
      await more.refund({
        id: 1,
        tradeNo: 'T1',
        amount: '10.00',
        status: 0,
        bizDate: D_PREV,
        createTime: `${D_PREV} 12:00:00`,
      });
      await more.refund({
        id: 2,
        tradeNo: 'T1',
        amount: '10.00',
        status: 0,
        bizDate: D,
        createTime: `${D} 12:00:00`,
      });
      const rows = ofType(await scan(asOf, { from: D, to: D }), 'ANO-04');
      expect(rows.map((r) => r.entity_key)).toEqual(['T1', 'refund:2']);
    });
  });

  describe('ANO-05 orphan trade', () => {
    const asOf = `${D} 23:00:00`;

    it('HIGH from 4 h after the trade, nothing at 3 h 59 min; referenced or failed trades never', async () => {
      const trade = async (id: number, age: number, status = 1) => {
        await wh.execute(
          `INSERT INTO recon.stg_recon_trades (trade_id, trade_no, trade_amount_usd, trade_status, channel_type,
             channel_trade_no, create_time, update_time, complete_time, biz_date)
           VALUES (CAST(:id AS BIGINT), :no, 7.25, CAST(:status AS INTEGER), 1, :ch, CAST(:t AS TIMESTAMP),
             CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP), CAST(:d AS DATE))`,
          { id, no: `X${id}`, status, ch: `pi_${id}`, t: before(asOf, age), d: D },
        );
        await more.voucher(`X${id}`, '7.25', 1, 3);
      };
      await trade(1, 4 * H - M);
      await trade(2, 4 * H);
      await trade(3, 5 * H, 2);
      await trade(4, 5 * H);
      // A failed payment still references trade X4: not an orphan.
      await f.order({ id: 4, amount: '7.25', status: 8 });
      await f.payment({ id: 4, orderId: 4, tradeNo: 'X4', amount: '7.25', status: 2 });
      const rows = ofType(await scan(asOf), 'ANO-05');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        anomaly_id: 'ANO-05:X2',
        severity: 'HIGH',
        order_id: null,
        shop_id: '3',
        affected_amount: '7.25',
        confidence_score: '1.000',
      });
      expect(rows[0]!.description).toContain('Orphan trade X2 of $7.25 (shop 3)');
      expect(rows[0]!.recommendation).toContain('pi_2');
    });
  });

  describe('ANO-06 sync delay', () => {
    const asOf = '2024-03-11 16:00:00';

    it('paid order without receipt: nothing at 5 h 59 min, MEDIUM from 6 h, HIGH from 24 h', async () => {
      const ages = { 1: 6 * H - M, 2: 6 * H, 3: 24 * H - M, 4: 24 * H };
      for (const [key, age] of Object.entries(ages)) {
        const id = Number(key);
        const t = before(asOf, age);
        await f.order({ id, amount: '10.00', createTime: t });
        await f.payment({ id, orderId: id, tradeNo: `T${id}`, amount: '10.00', createTime: t });
        await f.trade({ id, tradeNo: `T${id}`, amount: '10.00', completeTime: t });
        await more.voucher(`T${id}`, '10.00');
      }
      const rows = await scan(asOf);
      expect(severities(rows, 'ANO-06')).toEqual({ 2: 'MEDIUM', 3: 'MEDIUM', 4: 'HIGH' });
      expect(ofType(rows, 'ANO-06')[0]).toMatchObject({
        affected_amount: '10.00',
        expected_value: '10.00',
        actual_value: '0.00',
        confidence_score: '1.000',
      });
      expect(ofType(rows, 'ANO-06')[0]!.description).toContain(
        'Finance receipt missing for paid order 2 ($10.00',
      );
    });

    it('trade without a confirmed voucher: nothing at 5 h 59 min, MEDIUM from 6 h, HIGH from 24 h', async () => {
      const ages = { 1: 6 * H - M, 2: 6 * H, 3: 24 * H - M, 4: 24 * H, 5: 30 * H, 6: 30 * H };
      for (const [key, age] of Object.entries(ages)) {
        const id = Number(key);
        await f.paidOrder(id, '10.00');
        await wh.execute(
          `UPDATE recon.stg_recon_trades SET complete_time = CAST(:t AS TIMESTAMP) WHERE trade_no = :no`,
          { t: before(asOf, age), no: `T${id}` },
        );
      }
      await more.voucher('T5', '10.00', 0); // pending: still missing
      await more.voucher('T6', '10.00', 1); // confirmed
      const rows = ofType(await scan(asOf), 'ANO-06');
      expect(Object.fromEntries(rows.map((r) => [r.entity_key, r.severity]))).toEqual({
        'trade:T2': 'MEDIUM',
        'trade:T3': 'MEDIUM',
        'trade:T4': 'HIGH',
        'trade:T5': 'HIGH',
      });
      const t5 = rows.find((r) => r.entity_key === 'trade:T5')!;
      expect(t5).toMatchObject({ order_id: '5', affected_amount: '10.00', confidence_score: '1.000' });
      expect(t5.description).toContain('still pending');
      expect(rows.find((r) => r.entity_key === 'trade:T4')!.description).toContain('no voucher exists');
    });

    it('an order with ANO-01 gets no ANO-06, not even through its trades', async () => {
      const old = before(asOf, 30 * H);
      // Order 1: split tender, T1a has a trade (no voucher), T1b none → MISSING_TRADE → ANO-01.
      await f.order({ id: 1, amount: '20.00', createTime: old });
      await f.payment({ id: 11, orderId: 1, tradeNo: 'T1a', amount: '10.00', createTime: old });
      await f.payment({ id: 12, orderId: 1, tradeNo: 'T1b', amount: '10.00', createTime: old });
      await f.trade({ id: 11, tradeNo: 'T1a', amount: '10.00', completeTime: old });
      // Order 2: only a failed payment, whose trade nevertheless succeeded (no voucher) → ANO-01.
      await f.order({ id: 2, amount: '10.00', createTime: old });
      await f.payment({ id: 2, orderId: 2, tradeNo: 'T2', amount: '10.00', status: 2, createTime: old });
      await f.trade({ id: 2, tradeNo: 'T2', amount: '10.00', completeTime: old });
      // Control: order 3 paid, no receipt, no voucher → ANO-06 twice.
      await f.order({ id: 3, amount: '10.00', createTime: old });
      await f.payment({ id: 3, orderId: 3, tradeNo: 'T3', amount: '10.00', createTime: old });
      await f.trade({ id: 3, tradeNo: 'T3', amount: '10.00', completeTime: old });
      const rows = await scan(asOf);
      expect(severities(rows, 'ANO-01')).toEqual({ 1: 'CRITICAL', 2: 'CRITICAL' });
      expect(severities(rows, 'ANO-06')).toEqual({ 3: 'HIGH', 'trade:T3': 'HIGH' });
    });
  });

  it('a blank trade number identifies nothing: no trade, fee, refund total or voucher by it, and no key of its own', async () => {
    const asOf = '2024-03-14 12:00:00';
    const old = `${D} 15:00:00`;
    // Order 1 is paid by a payment whose trade number is empty; its receipt is found by order id.
    await f.order({ id: 1, amount: '10.00', createTime: old });
    await f.payment({ id: 1, orderId: 1, tradeNo: '', amount: '10.00', createTime: old });
    await f.receipt({ id: 1, orderIdStr: '1', amount: '10.00', fee: '0.30' });
    // A successful trade whose number is blank (two spaces), with no payment and no voucher.
    await f.trade({ id: 90, tradeNo: '  ', amount: '10.00', completeTime: old });
    // A fee, a pending refund and a successful refund on blank numbers.
    await more.fee('', '5.00');
    await more.refund({ id: 70, tradeNo: '', amount: '4.00', status: 0, createTime: old });
    await more.refund({ id: 71, tradeNo: '  ', amount: '50.00', status: 1, createTime: old });
    // Control: order 2 with a real trade number, a confirmed voucher and its fee.
    await cleanOrder(2, '10.00');
    await more.fee('T2', '4.66');

    const rows = await scan(asOf);
    // The payment's trade is missing, and the text says why rather than naming an empty number.
    const ano01 = ofType(rows, 'ANO-01');
    expect(ano01.map((r) => [r.entity_key, r.severity])).toEqual([['1', 'CRITICAL']]);
    expect(ano01[0]!.description).toContain('(a payment without a trade number)');
    expect(ano01[0]!.recommendation).toContain('the trade of the payment without a trade number');
    // No channel fee is summed through the blank number: the receipt fee stands alone.
    expect(ofType(rows, 'ANO-03')).toEqual([]);
    // The stuck refund is raised by its id, with no order borrowed through the blank number; the
    // over-refund of the blank trade number is not summed against the blank trade.
    const ano04 = ofType(rows, 'ANO-04');
    expect(ano04.map((r) => r.entity_key)).toEqual(['refund:70']);
    expect(ano04[0]).toMatchObject({ order_id: null, shop_id: null, affected_amount: '4.00' });
    expect(ano04[0]!.description).toContain('Refund 70 of $4.00 without a trade number has been pending');
    expect(ano04[0]!.recommendation).toContain('Check refund 70 (no trade number)');
    // The blank trade is neither an orphan nor missing a voucher under an empty key.
    expect(ofType(rows, 'ANO-05')).toEqual([]);
    expect(ofType(rows, 'ANO-06')).toEqual([]);
    expect(rows.filter((r) => r.entity_key.trim() === '' || /:\s*$/.test(r.entity_key))).toEqual([]);
  });

  describe('ANO-07 accounting gap', () => {
    const asOf = `${D_NEXT} 12:00:00`;
    const shopDay =
      (shop: number, amount: string, income: string | null, fee = '4.66') =>
      async () => {
        await f.receipt({ id: shop, shopId: shop, amount, fee });
        if (income !== null) await f.bill({ id: shop, shopId: shop, amount: income });
      };

    it('gap 0.50 nothing, 0.51 MEDIUM (with a tighter L3 tolerance)', async () => {
      await shopDay(1, '100.00', '99.50')();
      await shopDay(2, '100.00', '99.49')();
      const rows = ofType(await scan(asOf, { match: { l3AmountTolerance: '0.10' } }), 'ANO-07');
      expect(
        rows.map((r) => [r.entity_key, r.severity, r.affected_amount, r.expected_value, r.actual_value]),
      ).toEqual([[`2|${D}`, 'MEDIUM', '0.51', '100.00', '99.49']]);
      expect(rows[0]!.description).toContain(`shop 2 on ${D}`);
      expect(rows[0]!.confidence_score).toBe('0.800');
    });

    it('variance 2.00 % MEDIUM, 2.01 % HIGH; MATCHED_NET nothing', async () => {
      await shopDay(3, '102.00', '100.00')();
      await shopDay(4, '102.01', '100.00')();
      await shopDay(5, '100.00', '95.00', '5.00')();
      const rows = ofType(await scan(asOf), 'ANO-07');
      expect(rows.map((r) => [r.entity_key, r.severity, r.affected_amount])).toEqual([
        [`3|${D}`, 'MEDIUM', '2.00'],
        [`4|${D}`, 'HIGH', '2.01'],
      ]);
      expect(rows[1]!.description).toContain('(2.01 %)');
    });

    it('missing income bill HIGH beyond the gap tolerance; income without receipts HIGH', async () => {
      await shopDay(6, '0.50', null, '0.00')();
      await shopDay(7, '0.51', null, '0.00')();
      await f.bill({ id: 8, shopId: 8, amount: '40.00' });
      const rows = ofType(await scan(asOf), 'ANO-07');
      expect(
        rows.map((r) => [r.entity_key, r.severity, r.affected_amount, r.expected_value, r.actual_value]),
      ).toEqual([
        [`7|${D}`, 'HIGH', '0.51', '0.51', '0.00'],
        [`8|${D}`, 'HIGH', '40.00', '0.00', '40.00'],
      ]);
      expect(rows[0]!.description).toContain('No valid income bill for shop 7');
      expect(rows[1]!.description).toContain('without any finance receipt');
    });

    it('an unbalanced pre-voucher is MEDIUM by voucher id; balanced or outside the window nothing', async () => {
      await more.entry(901, '10.00', '0.00');
      await more.entry(901, '0.00', '9.99');
      await more.entry(902, '10.00', '0.00');
      await more.entry(902, '0.00', '10.00');
      await more.entry(903, '10.00', '0.00', D_PREV);
      const rows = ofType(await scan(asOf, { from: D, to: D }), 'ANO-07');
      expect(
        rows.map((r) => [
          r.entity_key,
          r.severity,
          r.affected_amount,
          r.expected_value,
          r.actual_value,
          r.confidence_score,
        ]),
      ).toEqual([['voucher:901', 'MEDIUM', '0.01', '9.99', '10.00', '1.000']]);
      expect(rows[0]!.description).toContain('Pre-voucher 901');
    });
  });

  it('is repeatable: a second detection in the same session gives the same candidates', async () => {
    await f.order({ id: 1, amount: '10.00' });
    await f.paidOrder(2, '10.00', { fee: '0.00' });
    await more.refund({ id: 5, tradeNo: 'T2', amount: '11.00', status: 1 });
    const params = {
      runId: 'r',
      reconDate: D,
      fromDate: D,
      toDate: D,
      asOf: '2024-03-12 00:00:00',
      settings: DEFAULTS,
    };
    await wh.transaction(async (tx) => {
      await runMatching(tx, matchParams(D));
      const n1 = await detectAnomalies(tx, params);
      const first = await tx.query(`SELECT * FROM ${CANDIDATES_TABLE} ORDER BY anomaly_id`);
      const n2 = await detectAnomalies(tx, params);
      const second = await tx.query(`SELECT * FROM ${CANDIDATES_TABLE} ORDER BY anomaly_id`);
      expect(n2).toBe(n1);
      expect(second).toEqual(first);
      expect(first.map((r) => r['anomaly_id'])).toEqual([
        'ANO-01:1',
        'ANO-03:2',
        'ANO-04:T2',
        'ANO-06:trade:T2',
        `ANO-07:1|${D}`,
      ]);
    });
  });
});
