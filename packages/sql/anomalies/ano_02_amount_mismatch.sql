-- anomalies/ano_02_amount_mismatch.sql
-- ANO-02 AMOUNT_MISMATCH (SPEC §7): an order whose Level 1 result is any AMOUNT_MISMATCH_* or
-- whose Level 2 result is AMOUNT_MISMATCH → CRITICAL, whatever its age.
-- Grain: one candidate per order (entity_key = order id) with recon_date in [:fromDate, :toDate],
-- however many of its amounts disagree. The differences considered are those of the mismatched
-- levels: at L1 order − payments, order − trades, payments − trades; at L2 order − receipts.
-- affected_amount = the largest absolute difference; expected_value / actual_value = the pair of
-- amounts with that difference (order/payments, order/trades, payments/trades or order/receipts);
-- ties go to that order of pairs. Confidence: 1.000 for L1 evidence and L2 receipts found by
-- order id; 0.800 when the chosen difference is with receipts found by trade number (fallback).
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD').

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH l1 AS (
    -- Mismatched L1 orders of the window (one row per order).
    SELECT r.*
    FROM recon.stg_recon_level1_results r
    WHERE r.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND r.match_status IN (
          'AMOUNT_MISMATCH_ORDER_PAY', 'AMOUNT_MISMATCH_ORDER_TRADE', 'AMOUNT_MISMATCH_PAY_TRADE'
      )
),

l2 AS (
    -- Mismatched L2 orders of the window (one row per order).
    SELECT r.*
    FROM recon.stg_recon_level2_results r
    WHERE r.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND r.match_status = 'AMOUNT_MISMATCH'
),

diffs AS (
    -- One row per order × compared pair (pos fixes the tie order).
    SELECT l1.recon_date, l1.order_id, l1.shop_id, l1.trade_no, 1 AS pos,
           'order amount' AS expected_label, 'successful payments' AS actual_label,
           l1.order_amount AS expected_value, l1.payment_amount AS actual_value,
           ABS(l1.diff_order_payment) AS diff, CAST(1.000 AS DECIMAL(4,3)) AS confidence
    FROM l1
    UNION ALL
    SELECT l1.recon_date, l1.order_id, l1.shop_id, l1.trade_no, 2,
           'order amount', 'payment trades',
           l1.order_amount, l1.trade_amount,
           ABS(l1.diff_order_trade), CAST(1.000 AS DECIMAL(4,3))
    FROM l1
    UNION ALL
    SELECT l1.recon_date, l1.order_id, l1.shop_id, l1.trade_no, 3,
           'successful payments', 'payment trades',
           l1.payment_amount, l1.trade_amount,
           ABS(l1.diff_payment_trade), CAST(1.000 AS DECIMAL(4,3))
    FROM l1
    UNION ALL
    SELECT l2.recon_date, l2.order_id, l2.shop_id, l2.trade_no, 4,
           'order amount',
           CASE WHEN l2.match_key = 'TRADE_NO' THEN 'finance receipts (found by trade number)'
                ELSE 'finance receipts' END,
           l2.order_amount, l2.receipt_amount_usd,
           ABS(l2.diff_order_receipt),
           CASE WHEN l2.match_key = 'ORDER_ID' THEN CAST(1.000 AS DECIMAL(4,3))
                ELSE CAST(0.800 AS DECIMAL(4,3)) END
    FROM l2
),

ranked AS (
    SELECT
        d.*,
        ROW_NUMBER() OVER (PARTITION BY d.order_id ORDER BY d.diff DESC, d.pos) AS rn
    FROM diffs d
),

largest AS (
    -- The largest difference of each order (one row per order).
    SELECT * FROM ranked WHERE rn = 1
)

SELECT
    'ANO-02:' || CAST(g.order_id AS VARCHAR(32))                     AS anomaly_id,
    'ANO-02'                                                          AS anomaly_type,
    'AMOUNT_MISMATCH'                                                 AS anomaly_name,
    'CRITICAL'                                                        AS severity,
    g.recon_date,
    CAST(g.order_id AS VARCHAR(32))                                   AS entity_key,
    g.order_id,
    g.shop_id,
    g.diff                                                            AS affected_amount,
    g.expected_value,
    g.actual_value,
    g.confidence                                                      AS confidence_score,
    'Amounts disagree for order ' || CAST(g.order_id AS VARCHAR(32))
        || ' (shop ' || CAST(g.shop_id AS VARCHAR(32)) || '): ' || g.expected_label || ' $'
        || CAST(COALESCE(g.expected_value, 0) AS VARCHAR(32)) || ' vs ' || g.actual_label || ' $'
        || CAST(COALESCE(g.actual_value, 0) AS VARCHAR(32)) || ', a difference of $'
        || CAST(g.diff AS VARCHAR(32)) || ' (L1 ' || COALESCE(s1.match_status, 'n/a')
        || ', L2 ' || COALESCE(s2.match_status, 'n/a') || ').'              AS description,
    CASE g.pos
        WHEN 1 THEN
            'Compare order ' || CAST(g.order_id AS VARCHAR(32))
            || ' with its payments (t_order_pay): look for a partial or duplicated charge or a discount applied after payment; then collect or refund the difference.'
        WHEN 2 THEN
            'Compare trade ' || COALESCE(g.trade_no, '?') || ' with the gateway (Stripe) charge and order '
            || CAST(g.order_id AS VARCHAR(32))
            || ': a trade amount different from the order points to a wrong capture amount or a gateway-side adjustment.'
        WHEN 3 THEN
            'Check trade ' || COALESCE(g.trade_no, '?') || ' of order ' || CAST(g.order_id AS VARCHAR(32))
            || ': the order service (t_order_pay) and the payment service (t_trade) recorded different amounts for the same charge; the gateway (Stripe) amount decides which is right.'
        ELSE
            'Check the finance receipt(s) of order ' || CAST(g.order_id AS VARCHAR(32))
            || ' (t_finance_receipt) against the order amount and correct or re-issue the receipt.'
    END                                                               AS recommendation
FROM largest g
LEFT JOIN recon.stg_recon_level1_results s1
    ON s1.recon_date = g.recon_date AND s1.order_id = g.order_id
LEFT JOIN recon.stg_recon_level2_results s2
    ON s2.recon_date = g.recon_date AND s2.order_id = g.order_id;
