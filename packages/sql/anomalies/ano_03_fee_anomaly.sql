-- anomalies/ano_03_fee_anomaly.sql
-- ANO-03 FEE_ANOMALY (SPEC §7), for orders with a finance receipt at Level 2:
--   * L2 fee_status ZERO_FEE or HIGH_FEE (the summed receipt fee, t_finance_receipt
--     difference_amount, is < 0.01 or > :stripeFeeMax) → MEDIUM;
--   * the channel fee (recon.stg_recon_fees by trade_no, summed over the distinct trade numbers of
--     the order's successful payments, a blank number matching no fee; only when at least one fee
--     row exists) differs from the
--     receipt fee (L2 stripe_fee_usd) by more than 0.01 → LOW.
-- Grain: one candidate per order (entity_key = order id) with recon_date in [:fromDate, :toDate];
-- when both conditions hold the order gets one MEDIUM candidate (its description names both).
-- affected_amount = the receipt fee; MEDIUM: expected_value NULL, actual_value = the receipt fee;
-- LOW: expected_value = the receipt fee, actual_value = the channel fee.
-- Confidence: MEDIUM 1.000 when the receipt was found by order id, 0.800 by trade number; LOW
-- 0.800 (a comparison of sums over trades and fee rows).
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :stripeFeeMax (decimal text, for the message).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH l2 AS (
    -- Orders of the window with at least one receipt (one row per order).
    SELECT r.*
    FROM recon.stg_recon_level2_results r
    WHERE r.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND r.receipt_count > 0
),

order_trade_nos AS (
    -- Distinct trade numbers of those orders' successful payments (one row per order × trade_no);
    -- a blank number identifies no fee.
    SELECT DISTINCT p.order_id, p.trade_no
    FROM recon.stg_recon_payments p
    JOIN l2 ON l2.order_id = p.order_id
    WHERE p.pay_status = 1
      AND TRIM(p.trade_no) <> ''
),

channel_fees AS (
    -- Channel fee per order: every fee row of each of its trade numbers, once (one row per order
    -- with at least one fee row).
    SELECT otn.order_id, SUM(f.fee_amount_usd) AS channel_fee, COUNT(*) AS fee_rows
    FROM order_trade_nos otn
    JOIN recon.stg_recon_fees f ON f.trade_no = otn.trade_no
    GROUP BY otn.order_id
),

flagged AS (
    SELECT
        l2.recon_date,
        l2.order_id,
        l2.shop_id,
        l2.order_amount,
        l2.trade_no,
        l2.match_key,
        l2.fee_status,
        l2.stripe_fee_usd AS receipt_fee,
        cf.channel_fee,
        CASE WHEN l2.fee_status IN ('ZERO_FEE', 'HIGH_FEE') THEN 1 ELSE 0 END AS band_flag,
        CASE
            WHEN cf.order_id IS NOT NULL AND ABS(cf.channel_fee - l2.stripe_fee_usd) > 0.01 THEN 1
            ELSE 0
        END AS channel_flag
    FROM l2
    LEFT JOIN channel_fees cf ON cf.order_id = l2.order_id
)

SELECT
    'ANO-03:' || CAST(f.order_id AS VARCHAR(32))                     AS anomaly_id,
    'ANO-03'                                                          AS anomaly_type,
    'FEE_ANOMALY'                                                     AS anomaly_name,
    CASE WHEN f.band_flag = 1 THEN 'MEDIUM' ELSE 'LOW' END            AS severity,
    f.recon_date,
    CAST(f.order_id AS VARCHAR(32))                                   AS entity_key,
    f.order_id,
    f.shop_id,
    f.receipt_fee                                                     AS affected_amount,
    CASE WHEN f.band_flag = 1 THEN NULL ELSE f.receipt_fee END        AS expected_value,
    CASE WHEN f.band_flag = 1 THEN f.receipt_fee ELSE f.channel_fee END AS actual_value,
    CASE
        WHEN f.band_flag = 1 AND f.match_key = 'ORDER_ID' THEN CAST(1.000 AS DECIMAL(4,3))
        ELSE CAST(0.800 AS DECIMAL(4,3))
    END                                                               AS confidence_score,
    CASE
        WHEN f.fee_status = 'ZERO_FEE' THEN
            'No processing fee on the finance receipt(s) of order ' || CAST(f.order_id AS VARCHAR(32))
            || ' ($' || CAST(f.order_amount AS VARCHAR(32)) || ', shop ' || CAST(f.shop_id AS VARCHAR(32))
            || '): receipt fee $' || CAST(f.receipt_fee AS VARCHAR(32))
            || ', where every card payment carries a Stripe fee.'
        WHEN f.fee_status = 'HIGH_FEE' THEN
            'Processing fee of $' || CAST(f.receipt_fee AS VARCHAR(32)) || ' on order '
            || CAST(f.order_id AS VARCHAR(32)) || ' ($' || CAST(f.order_amount AS VARCHAR(32))
            || ', shop ' || CAST(f.shop_id AS VARCHAR(32)) || ') is above the expected maximum of $'
            || CAST(CAST(:stripeFeeMax AS DECIMAL(12,2)) AS VARCHAR(32)) || '.'
        ELSE
            'Channel fee $' || CAST(f.channel_fee AS VARCHAR(32)) || ' (t_channel_fee) of order '
            || CAST(f.order_id AS VARCHAR(32)) || ' (shop ' || CAST(f.shop_id AS VARCHAR(32))
            || ') differs from the fee on its finance receipt(s), $' || CAST(f.receipt_fee AS VARCHAR(32))
            || ', by $' || CAST(ABS(f.channel_fee - f.receipt_fee) AS VARCHAR(32)) || '.'
    END
    || CASE
        WHEN f.band_flag = 1 AND f.channel_flag = 1 THEN
            ' The channel fee, $' || CAST(f.channel_fee AS VARCHAR(32)) || ', disagrees as well.'
        ELSE ''
    END                                                               AS description,
    CASE
        WHEN f.band_flag = 1 THEN
            'Look up the Stripe balance transaction of trade ' || COALESCE(f.trade_no, '?')
            || ' (order ' || CAST(f.order_id AS VARCHAR(32))
            || ') and compare its fee with the receipt''s difference_amount; a wrong fee on the receipt misstates net revenue.'
        ELSE
            'Compare the Stripe balance transaction of trade ' || COALESCE(f.trade_no, '?')
            || ' (order ' || CAST(f.order_id AS VARCHAR(32))
            || ') with t_channel_fee and the receipt''s difference_amount, and correct the record that is wrong.'
    END                                                               AS recommendation
FROM flagged f
WHERE f.band_flag = 1 OR f.channel_flag = 1;
