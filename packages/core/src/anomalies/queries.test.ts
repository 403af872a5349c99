/**
 * Reading anomalies on real PostgreSQL and PGlite: list filters and sort order, SLA status of the
 * open-anomalies view, and `show` with the source rows side by side and the audit trail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { runMatching } from '../reconcile/match.ts';
import { D, Fixture, matchParams } from '../reconcile/test-fixtures.ts';
import { settingsSchema } from '../settings.ts';
import { formatTimestamp } from '../time.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { applyCandidates } from './lifecycle.ts';
import { listAnomalies, showAnomaly } from './queries.ts';
import {
  ANOMALY_NAMES,
  type AnomalyType,
  CANDIDATE_COLUMNS,
  CANDIDATES_TABLE,
  type Severity,
} from './types.ts';
import { investigate, resolve } from './workflow.ts';

interface Candidate {
  type: AnomalyType;
  key: string;
  severity: Severity;
  amount: string;
  orderId?: string | null;
  shopId?: string;
}

/** Create and fill the candidates table from CANDIDATE_COLUMNS (test helper). */
async function fillCandidates(db: SqlExecutor, rows: readonly Candidate[]): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await db.execute(
    `CREATE TEMP TABLE ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  );
  for (const c of rows) {
    await db.execute(
      `INSERT INTO ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n]) => n).join(', ')}) VALUES (${CANDIDATE_COLUMNS.map(([n, t]) => `CAST(:${n} AS ${t})`).join(', ')})`,
      {
        anomaly_id: `${c.type}:${c.key}`,
        anomaly_type: c.type,
        anomaly_name: ANOMALY_NAMES[c.type],
        severity: c.severity,
        recon_date: D,
        entity_key: c.key,
        order_id: c.orderId === undefined ? c.key : c.orderId,
        shop_id: c.shopId ?? '1',
        affected_amount: c.amount,
        expected_value: c.amount,
        actual_value: null,
        confidence_score: '1.000',
        description: `${c.type} on ${c.key}`,
        recommendation: 'Look at the sources',
      },
    );
  }
}

const ago = (minutes: number) => formatTimestamp(Date.now() - minutes * 60_000);

describe.each(engineCases())('anomaly queries on $name', (engine) => {
  let wh: Warehouse;
  let f: Fixture;
  let runs = 0;

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
    for (const t of [
      'dwd_recon_anomalies',
      'dwd_recon_anomaly_events',
      'dwd_recon_anomaly_summary',
      'stg_recon_refunds',
      'stg_recon_vouchers',
      'stg_recon_fees',
      'stg_recon_level1_results',
      'stg_recon_level2_results',
      'stg_recon_level3_results',
    ]) {
      await wh.execute(`DELETE FROM recon.${t}`);
    }
  });

  const scan = (rows: readonly Candidate[], asOf = '2024-03-11 06:00:00') =>
    wh.transaction(async (tx) => {
      await fillCandidates(tx, rows);
      return applyCandidates(tx, {
        runId: `run-${++runs}`,
        reconDate: D,
        fromDate: D,
        toDate: D,
        asOf,
        settings: settingsSchema.parse({}),
      });
    });
  const setCreated = (id: string, createdAt: string) =>
    wh.execute(
      'UPDATE recon.dwd_recon_anomalies SET created_at = CAST(:createdAt AS TIMESTAMP) WHERE anomaly_id = :id',
      {
        id,
        createdAt,
      },
    );

  it('lists open anomalies most severe first, then oldest first, with filters', async () => {
    await scan([
      { type: 'ANO-03', key: '1', severity: 'MEDIUM', amount: '0.00', shopId: '1' },
      { type: 'ANO-01', key: '2', severity: 'HIGH', amount: '20.00', shopId: '2' },
      { type: 'ANO-02', key: '3', severity: 'CRITICAL', amount: '1.00', shopId: '1' },
      { type: 'ANO-01', key: '4', severity: 'HIGH', amount: '8.00', shopId: '1' },
      { type: 'ANO-03', key: '5', severity: 'LOW', amount: '0.10', shopId: '2' },
      { type: 'ANO-02', key: '6', severity: 'CRITICAL', amount: '3.00', shopId: '2' },
    ]);
    await setCreated('ANO-01:4', '2024-03-11 05:00:00');
    await setCreated('ANO-02:6', '2024-03-11 07:00:00');
    await resolve(wh, 'ANO-03:5', { by: 'ana', note: 'rounding' });
    await investigate(wh, 'ANO-01:2', { by: 'bo' });
    const ids = (rows: { anomaly_id: string }[]) => rows.map((r) => r.anomaly_id);

    expect(ids(await listAnomalies(wh))).toEqual([
      'ANO-02:3',
      'ANO-02:6',
      'ANO-01:4',
      'ANO-01:2',
      'ANO-03:1',
    ]);
    expect(ids(await listAnomalies(wh, { severity: 'HIGH' }))).toEqual(['ANO-01:4', 'ANO-01:2']);
    expect(ids(await listAnomalies(wh, { type: 'ANO-02' }))).toEqual(['ANO-02:3', 'ANO-02:6']);
    expect(ids(await listAnomalies(wh, { shopId: '2' }))).toEqual(['ANO-02:6', 'ANO-01:2']);
    expect(ids(await listAnomalies(wh, { statuses: ['INVESTIGATING'] }))).toEqual(['ANO-01:2']);
    expect(ids(await listAnomalies(wh, { statuses: ['RESOLVED'] }))).toEqual(['ANO-03:5']);
    expect(ids(await listAnomalies(wh, { type: 'ANO-01', shopId: '1', severity: 'HIGH' }))).toEqual([
      'ANO-01:4',
    ]);
    // Created in 2024: every open one is past its SLA today.
    expect(ids(await listAnomalies(wh, { sla: 'SLA_BREACHED' }))).toHaveLength(5);
    expect(await listAnomalies(wh, { sla: 'WITHIN_SLA' })).toEqual([]);
    const [resolved] = await listAnomalies(wh, { statuses: ['RESOLVED'] });
    expect(resolved).toMatchObject({ status: 'RESOLVED', sla_status: null, resolution_notes: 'rounding' });
    expect(Number(resolved?.age_days)).toBeGreaterThan(600);
    await expect(listAnomalies(wh, { shopId: '1; DROP TABLE x' })).rejects.toThrow(UsageError);
  });

  it('computes the SLA status of open anomalies from created_at to now (CRITICAL 30 min, HIGH 4 h, MEDIUM 24 h, LOW 1 day)', async () => {
    const cases: [string, Severity, number, 'WITHIN_SLA' | 'SLA_BREACHED'][] = [
      ['c-new', 'CRITICAL', 5, 'WITHIN_SLA'],
      ['c-old', 'CRITICAL', 120, 'SLA_BREACHED'],
      ['h-new', 'HIGH', 150, 'WITHIN_SLA'],
      ['h-old', 'HIGH', 6 * 60, 'SLA_BREACHED'],
      ['m-new', 'MEDIUM', 20 * 60, 'WITHIN_SLA'],
      ['m-old', 'MEDIUM', 30 * 60, 'SLA_BREACHED'],
      ['l-new', 'LOW', 30, 'WITHIN_SLA'],
      ['l-old', 'LOW', 3 * 24 * 60, 'SLA_BREACHED'],
    ];
    await scan(
      cases.map(([key, severity]) => ({ type: 'ANO-03', key, severity, amount: '1.00', orderId: null })),
    );
    for (const [key, , minutes] of cases) await setCreated(`ANO-03:${key}`, ago(minutes));
    const view = await wh.query<{ anomaly_id: string; sla_status: string; age_days: string }>(
      'SELECT anomaly_id, sla_status, age_days FROM recon.v_recon_open_anomalies',
    );
    for (const [key, , minutes, sla] of cases) {
      const row = view.find((r) => r.anomaly_id === `ANO-03:${key}`);
      expect(row?.sla_status, key).toBe(sla);
      if (minutes === 3 * 24 * 60) expect(Number(row?.age_days)).toBe(3);
    }
    const breached = (await listAnomalies(wh, { sla: 'SLA_BREACHED' })).map((r) => r.anomaly_id);
    expect(breached).toEqual(['ANO-03:c-old', 'ANO-03:h-old', 'ANO-03:m-old', 'ANO-03:l-old']);
    // Closed anomalies leave the view.
    await resolve(wh, 'ANO-03:c-old', { by: 'ana', note: 'fixed' });
    expect(
      (await wh.query('SELECT anomaly_id FROM recon.v_recon_open_anomalies')).map((r) => r['anomaly_id']),
    ).not.toContain('ANO-03:c-old');
  });

  it('shows an order anomaly with its order, payments, trades and receipts side by side, and its history', async () => {
    await f.order({ id: 77, amount: '12.00', shopId: 3 });
    await f.payment({ id: 701, orderId: 77, tradeNo: 'T77a', amount: '7.00' });
    await f.payment({ id: 702, orderId: 77, tradeNo: 'T77b', amount: '5.00' });
    await f.trade({ id: 801, tradeNo: 'T77a', amount: '7.00' });
    await f.receipt({ id: 901, orderIdStr: '77', amount: '7.00', fee: '0.50', shopId: 3 });
    await f.receipt({ id: 902, tpSerialNo: 'T77b', amount: '5.00', fee: '0.40', shopId: 3 });
    await f.paidOrder(78, '3.00');
    await wh.transaction(async (tx) => runMatching(tx, matchParams(D, D)));
    await scan([{ type: 'ANO-01', key: '77', severity: 'HIGH', amount: '12.00', shopId: '3' }]);
    await scan(
      [{ type: 'ANO-01', key: '77', severity: 'CRITICAL', amount: '12.00', shopId: '3' }],
      '2024-03-12 06:00:00',
    );
    await investigate(wh, 'ANO-01:77', { by: 'ana', note: 'asked Stripe' });

    const detail = await showAnomaly(wh, 'ANO-01:77');
    expect(detail.entity).toBe('ORDER');
    expect(detail.anomaly).toMatchObject({
      anomaly_id: 'ANO-01:77',
      severity: 'CRITICAL',
      status: 'INVESTIGATING',
    });
    expect(detail.sources['order']).toEqual([
      expect.objectContaining({ order_id: '77', pay_amount_usd: '12.00', shop_id: '3' }),
    ]);
    expect(
      detail.sources['payments']?.map((p) => [p['order_pay_id'], p['trade_no'], p['pay_amount_usd']]),
    ).toEqual([
      ['701', 'T77a', '7.00'],
      ['702', 'T77b', '5.00'],
    ]);
    expect(detail.sources['trades']?.map((t) => t['trade_no'])).toEqual(['T77a']);
    expect(detail.sources['receipts']?.map((r) => r['receipt_id'])).toEqual(['901', '902']);
    expect(detail.sources['level1']).toEqual([
      expect.objectContaining({ recon_date: D, match_status: 'MISSING_TRADE' }),
    ]);
    expect(detail.sources['level2']).toHaveLength(1);
    expect(detail.events.map((e) => [e.event_type, e.actor])).toEqual([
      ['DETECTED', 'system'],
      ['ESCALATED', 'system'],
      ['INVESTIGATING', 'ana'],
    ]);
  });

  it('shows a trade anomaly with the trade, its payments, refunds and vouchers, and a shop-day with L3 and bills', async () => {
    await f.trade({ id: 501, tradeNo: 'TX9', amount: '9.00' });
    await wh.execute(
      `INSERT INTO recon.stg_recon_refunds (refund_id, trade_no, refund_amount_usd, refund_status, create_time, update_time, complete_time, biz_date)
       VALUES (61, 'TX9', 9.00, 0, '2024-03-10 16:00:00', '2024-03-10 16:00:00', NULL, '2024-03-10')`,
    );
    await wh.execute(
      `INSERT INTO recon.stg_recon_vouchers (voucher_row_id, voucher_no, biz_no, trade_no, shop_id, amount_usd, voucher_status, biz_date, create_time, update_time)
       VALUES (71, 'V71', NULL, 'TX9', 1, 9.00, 0, '2024-03-10', '2024-03-10 17:00:00', '2024-03-10 17:00:00')`,
    );
    await f.receipt({ id: 1, orderIdStr: '5', amount: '30.00', fee: '1.00', shopId: 4 });
    await f.bill({ id: 41, shopId: 4, amount: '25.00' });
    await wh.transaction(async (tx) => runMatching(tx, matchParams(D, D)));
    await scan([
      { type: 'ANO-05', key: 'TX9', severity: 'HIGH', amount: '9.00', orderId: null },
      { type: 'ANO-04', key: 'refund:61', severity: 'CRITICAL', amount: '9.00', orderId: null },
      { type: 'ANO-07', key: `4|${D}`, severity: 'HIGH', amount: '5.00', orderId: null, shopId: '4' },
    ]);

    const trade = await showAnomaly(wh, 'ANO-05:TX9');
    expect(trade.entity).toBe('TRADE');
    expect(trade.sources['trades']).toEqual([
      expect.objectContaining({ trade_no: 'TX9', trade_amount_usd: '9.00' }),
    ]);
    expect(trade.sources['payments']).toEqual([]);
    expect(trade.sources['refunds']?.map((r) => r['refund_id'])).toEqual(['61']);
    expect(trade.sources['vouchers']?.map((v) => v['voucher_no'])).toEqual(['V71']);

    const refund = await showAnomaly(wh, 'ANO-04:refund:61');
    expect(refund.entity).toBe('REFUND');
    expect(refund.sources['refund']).toEqual([expect.objectContaining({ refund_id: '61', trade_no: 'TX9' })]);
    expect(refund.sources['trades']).toHaveLength(1);

    const shopDay = await showAnomaly(wh, `ANO-07:4|${D}`);
    expect(shopDay.entity).toBe('SHOP_DAY');
    expect(shopDay.sources['level3']).toEqual([
      expect.objectContaining({ shop_id: '4', total_receipt_amount: '30.00', total_income_amount: '25.00' }),
    ]);
    expect(shopDay.sources['income_bills']?.map((b) => b['income_bill_id'])).toEqual(['41']);
    expect(shopDay.events.map((e) => e.event_type)).toEqual(['DETECTED']);
  });

  it('shows no source row through a blank trade number: not for an order, not for a refund', async () => {
    // Order 5 paid through a payment with an empty trade number; blank-numbered rows of every kind.
    await f.order({ id: 5, amount: '4.00' });
    await f.payment({ id: 501, orderId: 5, tradeNo: '', amount: '4.00' });
    await f.trade({ id: 601, tradeNo: '', amount: '4.00' });
    await f.trade({ id: 602, tradeNo: ' ', amount: '9.00' });
    await f.receipt({ id: 701, orderIdStr: null, tpSerialNo: '', amount: '4.00', fee: '0.20' });
    await wh.execute(
      `INSERT INTO recon.stg_recon_refunds (refund_id, trade_no, refund_amount_usd, refund_status, create_time, update_time, complete_time, biz_date)
       VALUES (62, '', 4.00, 0, '2024-03-10 16:00:00', '2024-03-10 16:00:00', NULL, '2024-03-10'),
              (63, '', 1.00, 1, '2024-03-10 16:00:00', '2024-03-10 16:00:00', NULL, '2024-03-10')`,
    );
    await wh.execute(
      `INSERT INTO recon.stg_recon_fees (fee_id, trade_no, fee_amount_usd, fee_rate, channel_type, create_time, biz_date)
       VALUES (81, '', 0.20, NULL, 1, '2024-03-10 15:02:00', '2024-03-10')`,
    );
    await wh.transaction(async (tx) => runMatching(tx, matchParams(D, D)));
    await scan([
      { type: 'ANO-01', key: '5', severity: 'HIGH', amount: '4.00', shopId: '1' },
      { type: 'ANO-04', key: 'refund:62', severity: 'CRITICAL', amount: '4.00', orderId: null },
    ]);

    const order = await showAnomaly(wh, 'ANO-01:5');
    expect(order.sources['payments']?.map((p) => p['order_pay_id'])).toEqual(['501']);
    for (const kind of ['trades', 'receipts', 'fees', 'refunds'])
      expect(order.sources[kind], kind).toEqual([]);

    const refund = await showAnomaly(wh, 'ANO-04:refund:62');
    expect(refund.entity).toBe('REFUND');
    expect(refund.sources['refund']).toEqual([expect.objectContaining({ refund_id: '62', trade_no: '' })]);
    for (const kind of ['trades', 'payments', 'orders', 'refunds', 'vouchers', 'fees', 'receipts']) {
      expect(refund.sources[kind], kind).toEqual([]);
    }
  });

  it('names an unknown id', async () => {
    await expect(showAnomaly(wh, 'ANO-09:1')).rejects.toThrow(/no anomaly ANO-09:1; `recon anomalies list`/);
  });
});
