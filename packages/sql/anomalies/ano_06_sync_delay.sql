-- anomalies/ano_06_sync_delay.sql
-- ANO-06 SYNC_DELAY (SPEC §7): a downstream record that should exist by now has not arrived.
--   * receipt: a paid, completed order without a finance receipt — Level 2 MISSING_RECEIPT while
--     its Level 1 status is not MISSING_PAYMENT / MISSING_TRADE — aged from the order's
--     create_time; entity_key = order id; affected_amount = expected_value = the order amount,
--     actual_value = 0; confidence 1.000 (L2 searched by order id and by trade number);
--   * voucher: a successful trade number (trade_status 1) with no confirmed reconcile voucher
--     (recon.stg_recon_vouchers with that trade_no and voucher_status 1), aged from the trade's
--     complete_time (create_time when NULL); entity_key = trade_no; affected_amount =
--     expected_value = the trade amount, actual_value = 0; confidence 1.000.
-- Severity: MEDIUM from :syncDelayWarningHours, HIGH from :syncDelayCriticalHours (measured to
-- :asOf); younger: nothing.
-- Root cause first: an order with an ANO-01 candidate (this scan's
-- tmp_recon_anomaly_candidates, filled by ano_01 before this model runs) gets no receipt
-- candidate, and trade numbers its payments (any pay_status) carry get no voucher candidate.
-- Grain: one candidate per order and one per trade number, recon_date (the order's / the trade's
-- business date) in [:fromDate, :toDate]. Trades with a blank number are no voucher candidates:
-- a blank number identifies no voucher (as at Level 1); DQ-02 counts them as empty keys.
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :asOf ('YYYY-MM-DD HH:MM:SS' UTC),
-- :syncDelayWarningHours, :syncDelayCriticalHours (whole hours).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH no_receipt AS (
    -- Paid, completed orders of the window without a receipt, past the warning age and without
    -- ANO-01 (one row per order).
    SELECT
        l2.recon_date,
        l2.order_id,
        l2.shop_id,
        l2.order_amount,
        l2.trade_no,
        l1.order_create_time,
        DATEDIFF('second', l1.order_create_time, CAST(:asOf AS TIMESTAMP)) AS age_sec
    FROM recon.stg_recon_level2_results l2
    JOIN recon.stg_recon_level1_results l1
        ON l1.recon_date = l2.recon_date AND l1.order_id = l2.order_id
    WHERE l2.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND l2.match_status = 'MISSING_RECEIPT'
      AND l1.match_status NOT IN ('MISSING_PAYMENT', 'MISSING_TRADE')
      AND DATEDIFF('second', l1.order_create_time, CAST(:asOf AS TIMESTAMP))
          >= CAST(:syncDelayWarningHours AS BIGINT) * 3600
      AND NOT EXISTS (
          SELECT 1 FROM tmp_recon_anomaly_candidates c
          WHERE c.anomaly_type = 'ANO-01' AND c.order_id = l2.order_id
      )
),

window_trades AS (
    -- Trade numbers with a successful trade of the window and no confirmed voucher (one row per
    -- trade_no). The voucher test depends on the trade number only, so it is applied here, before
    -- the totals: at a million trades a day, aggregating only the few unconfirmed ones instead of
    -- all of them took ANO-06 from 10 s to well under one.
    SELECT DISTINCT t.trade_no
    FROM recon.stg_recon_trades t
    WHERE t.trade_status = 1
      AND t.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND TRIM(t.trade_no) <> ''
      AND NOT EXISTS (
          SELECT 1 FROM recon.stg_recon_vouchers v
          WHERE v.trade_no = t.trade_no AND v.voucher_status = 1
      )
),

trade_totals AS (
    -- Those trade numbers over all their successful rows (one row per trade_no).
    SELECT
        t.trade_no,
        SUM(t.trade_amount_usd)                    AS trade_amount,
        MIN(COALESCE(t.complete_time, t.create_time)) AS done_time,
        MIN(t.biz_date)                            AS biz_date
    FROM recon.stg_recon_trades t
    JOIN window_trades wt ON wt.trade_no = t.trade_no
    WHERE t.trade_status = 1
    GROUP BY t.trade_no
),

no_voucher AS (
    -- Those (already without a confirmed voucher) past the warning age, not carried by an ANO-01 order's
    -- payments (one row per trade_no).
    SELECT
        tt.trade_no,
        tt.trade_amount,
        tt.done_time,
        tt.biz_date,
        DATEDIFF('second', tt.done_time, CAST(:asOf AS TIMESTAMP)) AS age_sec
    FROM trade_totals tt
    WHERE tt.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND DATEDIFF('second', tt.done_time, CAST(:asOf AS TIMESTAMP))
          >= CAST(:syncDelayWarningHours AS BIGINT) * 3600
      AND NOT EXISTS (
          SELECT 1
          FROM recon.stg_recon_payments p
          JOIN tmp_recon_anomaly_candidates c
              ON c.anomaly_type = 'ANO-01' AND c.order_id = p.order_id
          WHERE p.trade_no = tt.trade_no
      )
),

voucher_info AS (
    -- Pending vouchers and shop of each flagged trade number (one row per trade_no with a voucher).
    SELECT v.trade_no, COUNT(*) AS voucher_rows, MIN(v.shop_id) AS shop_id
    FROM recon.stg_recon_vouchers v
    JOIN no_voucher nv ON nv.trade_no = v.trade_no
    GROUP BY v.trade_no
),

trade_orders AS (
    -- Order of each flagged trade number (the smallest order id of its payments).
    SELECT p.trade_no, MIN(p.order_id) AS order_id
    FROM recon.stg_recon_payments p
    JOIN no_voucher nv ON nv.trade_no = p.trade_no
    GROUP BY p.trade_no
)

SELECT
    'ANO-06:' || CAST(r.order_id AS VARCHAR(32))                     AS anomaly_id,
    'ANO-06'                                                          AS anomaly_type,
    'SYNC_DELAY'                                                      AS anomaly_name,
    CASE
        WHEN r.age_sec >= CAST(:syncDelayCriticalHours AS BIGINT) * 3600 THEN 'HIGH'
        ELSE 'MEDIUM'
    END                                                               AS severity,
    r.recon_date,
    CAST(r.order_id AS VARCHAR(32))                                   AS entity_key,
    r.order_id,
    r.shop_id,
    r.order_amount                                                    AS affected_amount,
    r.order_amount                                                    AS expected_value,
    CAST(0 AS DECIMAL(14,2))                                          AS actual_value,
    CAST(1.000 AS DECIMAL(4,3))                                       AS confidence_score,
    'Finance receipt missing for paid order ' || CAST(r.order_id AS VARCHAR(32))
        || ' ($' || CAST(r.order_amount AS VARCHAR(32)) || ', shop ' || CAST(r.shop_id AS VARCHAR(32))
        || '), ' || CAST(r.age_sec / 3600 AS VARCHAR(16))
        || ' h after the order: payment and trade are in, no receipt was found by order id or by trade number.'
                                                                      AS description,
    'Check whether the finance-receipt sync from the order service ran for order '
        || CAST(r.order_id AS VARCHAR(32)) || COALESCE(' (trade ' || r.trade_no || ')', '')
        || ' and look for its t_finance_receipt row; re-trigger the sync if it is absent.'
                                                                      AS recommendation
FROM no_receipt r

UNION ALL

SELECT
    'ANO-06:trade:' || nv.trade_no,
    'ANO-06',
    'SYNC_DELAY',
    CASE
        WHEN nv.age_sec >= CAST(:syncDelayCriticalHours AS BIGINT) * 3600 THEN 'HIGH'
        ELSE 'MEDIUM'
    END,
    nv.biz_date,
    'trade:' || nv.trade_no,
    tor.order_id,
    vi.shop_id,
    nv.trade_amount,
    nv.trade_amount,
    CAST(0 AS DECIMAL(14,2)),
    CAST(1.000 AS DECIMAL(4,3)),
    'Reconcile voucher not confirmed for trade ' || nv.trade_no
        || COALESCE(' (order ' || CAST(tor.order_id AS VARCHAR(32)) || ')', '')
        || ' of $' || CAST(nv.trade_amount AS VARCHAR(32)) || ', '
        || CAST(nv.age_sec / 3600 AS VARCHAR(16)) || ' h after the trade completed: '
        || CASE WHEN vi.trade_no IS NULL THEN 'no voucher exists.'
                ELSE 'its voucher is still pending (voucher_status 0).' END,
    'Check the unified-reconcile service (t_reconcile_voucher) for trade ' || nv.trade_no
        || ': confirm the pending voucher or re-run voucher generation for the trade''s business date.'
FROM no_voucher nv
LEFT JOIN voucher_info vi ON vi.trade_no = nv.trade_no
LEFT JOIN trade_orders tor ON tor.trade_no = nv.trade_no;
