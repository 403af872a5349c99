/**
 * The reporting views against hand-computed figures on a small fixture: two business dates in one
 * week, Level 1–3 results and anomalies in every status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../warehouse/migrate.ts';
import { PgliteWarehouse } from '../warehouse/pglite.ts';
import { applyShims } from '../warehouse/shims.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { MATERIALIZED_VIEWS, refreshReportingViews } from './refresh.ts';

let wh: Warehouse;

async function l1(date: string, orderId: number, shopId: number, amount: string, status: string) {
  await wh.execute(
    `INSERT INTO recon.stg_recon_level1_results (recon_date, order_id, order_id_str, order_no, shop_id, order_amount,
       payment_count, trade_count, payments_missing_trade, match_status, diff_order_payment, diff_order_trade,
       diff_payment_trade, order_create_time)
     VALUES (CAST(:date AS DATE), :orderId, :idStr, :no, :shopId, CAST(:amount AS DECIMAL(12,2)), 1, 1, 0, :status, 0, 0, 0,
       CAST(:created AS TIMESTAMP))`,
    {
      date,
      orderId,
      idStr: String(orderId),
      no: `NO${orderId}`,
      shopId,
      amount,
      status,
      created: `${date} 10:00:00`,
    },
  );
}

async function l2(date: string, orderId: number, amount: string, status: string, fee: string | null) {
  await wh.execute(
    `INSERT INTO recon.stg_recon_level2_results (recon_date, order_id, order_id_str, order_no, shop_id, order_amount,
       receipt_count, stripe_fee_usd, match_status, diff_order_receipt, fee_status)
     VALUES (CAST(:date AS DATE), :orderId, :idStr, :no, 1, CAST(:amount AS DECIMAL(12,2)), 1,
       CAST(:fee AS DECIMAL(14,2)), :status, 0, 'NORMAL_FEE')`,
    { date, orderId, idStr: String(orderId), no: `NO${orderId}`, amount, status, fee },
  );
}

async function l3(date: string, shopId: number, status: string, variance: string) {
  await wh.execute(
    `INSERT INTO recon.stg_recon_level3_results (recon_date, shop_id, receipt_count, total_receipt_amount,
       total_stripe_fees, total_net_receipt, bill_count, total_income_amount, order_count, total_order_amount,
       match_status, variance_amount, diff_net, diff_receipt_order, diff_income_order)
     VALUES (CAST(:date AS DATE), :shopId, 1, 0, 0, 0, 1, 0, 1, 0, :status, CAST(:variance AS DECIMAL(16,2)), 0, 0, 0)`,
    { date, shopId, status, variance },
  );
}

async function anomaly(
  id: string,
  date: string,
  type: string,
  severity: string,
  status: string,
  amount: string,
  shopId: number | null,
) {
  await wh.execute(
    `INSERT INTO recon.dwd_recon_anomalies (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by,
       detected_date, recon_date, entity_key, shop_id, affected_amount, confidence_score, description,
       recommendation, created_at, updated_at, last_seen_at)
     VALUES (:id, :type, :name, :severity, :status, 'system', CAST(:date AS DATE), CAST(:date AS DATE), :id, :shopId,
       CAST(:amount AS DECIMAL(14,2)), 1, 'd', 'r', CAST(:ts AS TIMESTAMP), CAST(:ts AS TIMESTAMP), CAST(:ts AS TIMESTAMP))`,
    { id, type, name: `name-${type}`, severity, status, date, shopId, amount, ts: `${date} 12:00:00` },
  );
}

beforeAll(async () => {
  wh = await PgliteWarehouse.open({ dataDir: 'memory://' });
  await applyShims(wh);
  await migrate(wh);
  // 2026-11-20 (Friday): shop 1 two matched orders, shop 2 two exceptions.
  await l1('2026-11-20', 1, 1, '10.00', 'MATCHED');
  await l1('2026-11-20', 2, 1, '20.50', 'MATCHED');
  await l1('2026-11-20', 3, 2, '5.25', 'MISSING_PAYMENT');
  await l1('2026-11-20', 4, 2, '7.10', 'AMOUNT_MISMATCH_ORDER_PAY');
  // 2026-11-21 (Saturday, same week).
  await l1('2026-11-21', 5, 1, '1.00', 'MATCHED');
  await l1('2026-11-21', 6, 1, '2.00', 'MATCHED');
  await l1('2026-11-21', 7, 2, '3.00', 'MISSING_PAYMENT');
  await l2('2026-11-20', 1, '10.00', 'MATCHED', '0.59');
  await l2('2026-11-20', 2, '20.50', 'MATCHED', '0.89');
  await l2('2026-11-20', 3, '5.25', 'MISSING_RECEIPT', null);
  await l3('2026-11-20', 1, 'MATCHED', '0.00');
  await l3('2026-11-20', 2, 'AMOUNT_MISMATCH', '-2.50');
  await anomaly('a1', '2026-11-20', 'ANO-01', 'CRITICAL', 'OPEN', '5.25', 2);
  await anomaly('a2', '2026-11-20', 'ANO-02', 'HIGH', 'RESOLVED', '7.10', 2);
  await anomaly('a3', '2026-11-20', 'ANO-03', 'MEDIUM', 'FALSE_POSITIVE', '1.00', 1);
  await anomaly('a4', '2026-11-21', 'ANO-01', 'LOW', 'AUTO_RESOLVED', '3.00', 2);
  await anomaly('a5', '2026-11-20', 'ANO-01', 'CRITICAL', 'INVESTIGATING', '0.75', null);
  await refreshReportingViews(wh);
});
afterAll(async () => wh?.close());

describe('mv_recon_daily_summary', () => {
  it('aggregates each level on its own (no fan-out) with exact rates and amounts', async () => {
    const rows = await wh.query('SELECT * FROM recon.mv_recon_daily_summary ORDER BY recon_date');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      recon_date: '2026-11-20',
      l1_total: '4',
      l1_matched: '2',
      l1_unmatched: '2',
      l1_match_rate_pct: '50.00',
      l1_order_amount: '42.85',
      l1_matched_amount: '30.50',
      l1_unmatched_amount: '12.35',
      l2_total: '3',
      l2_matched: '2',
      l2_match_rate_pct: '66.67',
      l2_stripe_fees: '1.48',
      l3_total_shops: '2',
      l3_matched_shops: '1',
      l3_match_rate_pct: '50.00',
      l3_total_variance: '2.50',
      anomaly_count: '4',
      critical_count: '2',
      high_count: '1',
      medium_count: '1',
      low_count: '0',
      open_count: '2',
      resolved_count: '1',
      false_positive_count: '1',
      at_risk_amount: '6.00',
    });
    expect(rows[1]).toMatchObject({
      recon_date: '2026-11-21',
      l1_total: '3',
      l1_match_rate_pct: '66.67',
      l2_total: '0',
      l2_match_rate_pct: null,
      l3_total_shops: '0',
      l3_match_rate_pct: null,
      anomaly_count: '1',
      resolved_count: '1',
      at_risk_amount: '0.00',
    });
  });
});

describe('mv_recon_anomaly_by_type and mv_recon_shop_health', () => {
  it('counts anomalies per date × type × severity with their statuses and amounts', async () => {
    const rows = await wh.query(
      `SELECT recon_date, anomaly_type, severity, anomaly_count, open_count, resolved_count, false_positive_count,
              total_affected_amount
         FROM recon.mv_recon_anomaly_by_type ORDER BY recon_date, anomaly_type, severity`,
    );
    expect(rows).toEqual([
      {
        recon_date: '2026-11-20',
        anomaly_type: 'ANO-01',
        severity: 'CRITICAL',
        anomaly_count: '2',
        open_count: '2',
        resolved_count: '0',
        false_positive_count: '0',
        total_affected_amount: '6.00',
      },
      {
        recon_date: '2026-11-20',
        anomaly_type: 'ANO-02',
        severity: 'HIGH',
        anomaly_count: '1',
        open_count: '0',
        resolved_count: '1',
        false_positive_count: '0',
        total_affected_amount: '7.10',
      },
      {
        recon_date: '2026-11-20',
        anomaly_type: 'ANO-03',
        severity: 'MEDIUM',
        anomaly_count: '1',
        open_count: '0',
        resolved_count: '0',
        false_positive_count: '1',
        total_affected_amount: '1.00',
      },
      {
        recon_date: '2026-11-21',
        anomaly_type: 'ANO-01',
        severity: 'LOW',
        anomaly_count: '1',
        open_count: '0',
        resolved_count: '1',
        false_positive_count: '0',
        total_affected_amount: '3.00',
      },
    ]);
  });

  it('gives each shop-day its orders, L1 rate, L3 variance and anomalies', async () => {
    const rows = await wh.query(
      `SELECT shop_id, recon_date, total_orders, total_order_amount, l1_match_rate_pct, l3_variance, l3_status,
              anomaly_count, critical_count, open_anomaly_count
         FROM recon.mv_recon_shop_health ORDER BY recon_date, shop_id`,
    );
    expect(rows).toEqual([
      {
        shop_id: '1',
        recon_date: '2026-11-20',
        total_orders: '2',
        total_order_amount: '30.50',
        l1_match_rate_pct: '100.00',
        l3_variance: '0.00',
        l3_status: 'MATCHED',
        anomaly_count: '1',
        critical_count: '0',
        open_anomaly_count: '0',
      },
      {
        shop_id: '2',
        recon_date: '2026-11-20',
        total_orders: '2',
        total_order_amount: '12.35',
        l1_match_rate_pct: '0.00',
        l3_variance: '-2.50',
        l3_status: 'AMOUNT_MISMATCH',
        anomaly_count: '2',
        critical_count: '1',
        open_anomaly_count: '1',
      },
      {
        shop_id: '1',
        recon_date: '2026-11-21',
        total_orders: '2',
        total_order_amount: '3.00',
        l1_match_rate_pct: '100.00',
        l3_variance: null,
        l3_status: null,
        anomaly_count: '0',
        critical_count: '0',
        open_anomaly_count: '0',
      },
      {
        shop_id: '2',
        recon_date: '2026-11-21',
        total_orders: '1',
        total_order_amount: '3.00',
        l1_match_rate_pct: '0.00',
        l3_variance: null,
        l3_status: null,
        anomaly_count: '1',
        critical_count: '0',
        open_anomaly_count: '0',
      },
    ]);
  });
});

describe('weekly and monthly summaries', () => {
  it('weights the rates by volume (Σ matched / Σ total), never an average of daily percentages', async () => {
    const [week] = await wh.query('SELECT * FROM recon.v_recon_weekly_summary');
    // Days: 2/4 and 2/3 matched → 4/7 = 57.14 % (an average of 50.00 and 66.67 would say 58.33).
    expect(week).toMatchObject({
      week_start: '2026-11-16',
      days: '2',
      l1_total: '7',
      l1_matched: '4',
      l1_match_rate_pct: '57.14',
      l2_match_rate_pct: '66.67',
      l3_match_rate_pct: '50.00',
      total_matched_revenue: '33.50',
      total_unmatched_revenue: '15.35',
      total_anomalies: '5',
      total_critical: '2',
      total_resolved: '2',
      resolution_rate_pct: '40.00',
    });
    const [month] = await wh.query('SELECT * FROM recon.v_recon_monthly_summary');
    expect(month).toMatchObject({
      month_start: '2026-11-01',
      l1_match_rate_pct: '57.14',
      total_stripe_fees: '1.48',
      total_anomalies: '5',
    });
  });

  it('is refreshed in dependency order, and a refresh shows later changes', async () => {
    expect(MATERIALIZED_VIEWS[0]).toBe('recon.mv_recon_daily_summary');
    await l1('2026-11-21', 8, 2, '4.00', 'MATCHED');
    const before = await wh.query<{ l1_total: string }>(
      "SELECT l1_total FROM recon.mv_recon_daily_summary WHERE recon_date = '2026-11-21'",
    );
    expect(before[0]!.l1_total).toBe('3');
    const outcome = await refreshReportingViews(wh);
    expect(outcome.refreshed.map((r) => r.view)).toEqual([...MATERIALIZED_VIEWS]);
    const after = await wh.query<{ l1_total: string; l1_match_rate_pct: string }>(
      "SELECT l1_total, l1_match_rate_pct FROM recon.mv_recon_daily_summary WHERE recon_date = '2026-11-21'",
    );
    expect(after[0]).toEqual({ l1_total: '4', l1_match_rate_pct: '75.00' });
  });
});
