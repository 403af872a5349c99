-- anomalies/ano_01_missing_payment.sql
-- ANO-01 MISSING_PAYMENT (SPEC §7): a completed order whose Level 1 result is MISSING_PAYMENT (no
-- successful payment) or MISSING_TRADE (a successful payment whose trade does not exist), once the
-- order is :paymentDelayWarningHours old at :asOf → HIGH; from :paymentDelayCriticalHours → CRITICAL.
-- Younger orders raise nothing (the payment callback may still arrive).
-- Grain: one candidate per order (entity_key = order id) of recon.stg_recon_level1_results with
-- recon_date in [:fromDate, :toDate]. Age = :asOf − order create_time, in whole seconds.
-- affected_amount = order amount; expected_value = order amount; actual_value = what arrived
-- (payments for MISSING_PAYMENT, trades for MISSING_TRADE; 0 when none). Evidence is L1 keyed by
-- order id: confidence 1.000. A blank trade number identifies no trade (as at Level 1): a
-- payment carrying one is a payment whose trade is missing, and is named as such.
-- Runs after createCandidatesTable (packages/core/src/anomalies/detect.ts), before ANO-06 (which
-- skips orders this model flagged: root cause first).
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :asOf ('YYYY-MM-DD HH:MM:SS' UTC),
-- :paymentDelayWarningHours, :paymentDelayCriticalHours (whole hours).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH missing AS (
    -- L1 orders of the window without a payment or without a trade, with their age (one row per order).
    SELECT
        l1.recon_date,
        l1.order_id,
        l1.shop_id,
        l1.order_amount,
        l1.match_status,
        l1.payment_amount,
        l1.trade_amount,
        l1.payment_count,
        l1.payments_missing_trade,
        l1.order_create_time,
        DATEDIFF('second', l1.order_create_time, CAST(:asOf AS TIMESTAMP)) AS age_sec
    FROM recon.stg_recon_level1_results l1
    WHERE l1.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND l1.match_status IN ('MISSING_PAYMENT', 'MISSING_TRADE')
),

aged AS (
    -- Only orders past the warning age.
    SELECT m.*
    FROM missing m
    WHERE m.age_sec >= CAST(:paymentDelayWarningHours AS BIGINT) * 3600
),

missing_trade_no AS (
    -- MISSING_TRADE orders: the smallest non-blank trade number of a successful payment that has
    -- no successful trade (one row per order; NULL when only blank numbers are missing).
    SELECT p.order_id, MIN(CASE WHEN TRIM(p.trade_no) <> '' THEN p.trade_no END) AS trade_no
    FROM recon.stg_recon_payments p
    JOIN aged a ON a.order_id = p.order_id AND a.match_status = 'MISSING_TRADE'
    WHERE p.pay_status = 1
      AND NOT EXISTS (
          SELECT 1 FROM recon.stg_recon_trades t
          WHERE t.trade_no = p.trade_no AND t.trade_status = 1 AND TRIM(p.trade_no) <> ''
      )
    GROUP BY p.order_id
)

SELECT
    'ANO-01:' || CAST(a.order_id AS VARCHAR(32))                    AS anomaly_id,
    'ANO-01'                                                         AS anomaly_type,
    'MISSING_PAYMENT'                                                AS anomaly_name,
    CASE
        WHEN a.age_sec >= CAST(:paymentDelayCriticalHours AS BIGINT) * 3600 THEN 'CRITICAL'
        ELSE 'HIGH'
    END                                                              AS severity,
    a.recon_date,
    CAST(a.order_id AS VARCHAR(32))                                  AS entity_key,
    a.order_id,
    a.shop_id,
    a.order_amount                                                   AS affected_amount,
    a.order_amount                                                   AS expected_value,
    CASE
        WHEN a.match_status = 'MISSING_PAYMENT' THEN COALESCE(a.payment_amount, 0)
        ELSE COALESCE(a.trade_amount, 0)
    END                                                              AS actual_value,
    CAST(1.000 AS DECIMAL(4,3))                                      AS confidence_score,
    CASE
        WHEN a.match_status = 'MISSING_PAYMENT' THEN
            'Payment record missing for order ' || CAST(a.order_id AS VARCHAR(32))
            || ' ($' || CAST(a.order_amount AS VARCHAR(32)) || ', shop '
            || CAST(a.shop_id AS VARCHAR(32)) || '), '
            || CAST(a.age_sec / 3600 AS VARCHAR(16)) || ' h after the order (created '
            || CAST(a.order_create_time AS VARCHAR(32))
            || ' UTC): the order is completed but has no successful payment.'
        ELSE
            'Payment trade missing for order ' || CAST(a.order_id AS VARCHAR(32))
            || ' ($' || CAST(a.order_amount AS VARCHAR(32)) || ', shop '
            || CAST(a.shop_id AS VARCHAR(32)) || '), '
            || CAST(a.age_sec / 3600 AS VARCHAR(16)) || ' h after the order: '
            || CAST(a.payments_missing_trade AS VARCHAR(16)) || ' of its '
            || CAST(a.payment_count AS VARCHAR(16))
            || ' successful payment(s) reference a trade the payment service does not have as successful ('
            || COALESCE('trade ' || mt.trade_no, 'a payment without a trade number') || ').'
    END                                                              AS description,
    CASE
        WHEN a.match_status = 'MISSING_PAYMENT' THEN
            'Check the payment gateway (Stripe) for a charge for order '
            || CAST(a.order_id AS VARCHAR(32))
            || ' and whether the payment callback reached the order service (t_order_pay); if the customer was never charged, hold the order for collection.'
        ELSE
            'Check the payment service (t_trade) and the gateway (Stripe) for '
            || COALESCE('trade ' || mt.trade_no, 'the trade of the payment without a trade number (t_order_pay)')
            || ' of order ' || CAST(a.order_id AS VARCHAR(32))
            || ': if the channel shows the charge succeeded, re-sync the trade record; if not, the order was not paid.'
    END                                                              AS recommendation
FROM aged a
LEFT JOIN missing_trade_no mt ON mt.order_id = a.order_id;
