-- anomalies/ano_04_refund_stuck.sql
-- ANO-04 REFUND_STUCK (SPEC §7), CRITICAL, whatever else holds:
--   * stuck: a refund (recon.stg_recon_refunds) still pending (refund_status 0) at least
--     :refundStuckThresholdHours after its create_time, measured to :asOf;
--     entity_key = 'refund:' || refund id (never confused with a trade number), recon_date = the refund's business date,
--     affected_amount = actual_value = the refund amount (expected_value NULL);
--   * excess: the successful (1) and pending (0) refunds of a trade number sum to more than its
--     successful trades (trade_status 1); entity_key = trade_no, recon_date = the trade's business
--     date (the earliest of its successful rows), affected_amount = the excess,
--     expected_value = the trade amount, actual_value = the refunds' sum.
-- Grain: one candidate per stuck refund and one per over-refunded trade number, with recon_date in
-- [:fromDate, :toDate]. order_id / shop_id are those of the order whose payment carries the trade
-- number (the smallest when several). Evidence by exact keys: confidence 1.000. A blank trade
-- number identifies nothing: a stuck refund carrying one is still raised (by its refund id) with
-- no order, and trades and refunds with blank numbers are never summed together (DQ-02 counts
-- the blank keys).
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :asOf ('YYYY-MM-DD HH:MM:SS' UTC),
-- :refundStuckThresholdHours (whole hours).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH stuck AS (
    -- Pending refunds of the window past the threshold (one row per refund).
    SELECT
        rf.refund_id,
        rf.trade_no,
        rf.refund_amount_usd,
        rf.create_time,
        rf.biz_date,
        DATEDIFF('second', rf.create_time, CAST(:asOf AS TIMESTAMP)) AS age_sec
    FROM recon.stg_recon_refunds rf
    WHERE rf.refund_status = 0
      AND rf.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND DATEDIFF('second', rf.create_time, CAST(:asOf AS TIMESTAMP))
          >= CAST(:refundStuckThresholdHours AS BIGINT) * 3600
),

window_trades AS (
    -- Non-blank trade numbers with a successful trade of the window (one row per trade_no).
    SELECT DISTINCT t.trade_no
    FROM recon.stg_recon_trades t
    WHERE t.trade_status = 1
      AND t.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND TRIM(t.trade_no) <> ''
),

trade_totals AS (
    -- Those trade numbers over all their successful rows (one row per trade_no).
    SELECT
        t.trade_no,
        SUM(t.trade_amount_usd) AS trade_amount,
        MIN(t.biz_date)         AS biz_date
    FROM recon.stg_recon_trades t
    JOIN window_trades wt ON wt.trade_no = t.trade_no
    WHERE t.trade_status = 1
    GROUP BY t.trade_no
),

refund_totals AS (
    -- Successful and pending refunds of those trade numbers (one row per trade_no refunded).
    SELECT
        rf.trade_no,
        SUM(rf.refund_amount_usd) AS refund_amount,
        COUNT(*)                  AS refund_count
    FROM recon.stg_recon_refunds rf
    JOIN window_trades wt ON wt.trade_no = rf.trade_no
    WHERE rf.refund_status IN (0, 1)
    GROUP BY rf.trade_no
),

excess AS (
    -- Trades of the window refunded beyond their amount (one row per trade_no).
    SELECT
        tt.trade_no,
        tt.trade_amount,
        tt.biz_date,
        rt.refund_amount,
        rt.refund_count
    FROM trade_totals tt
    JOIN refund_totals rt ON rt.trade_no = tt.trade_no
    WHERE tt.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND rt.refund_amount > tt.trade_amount
),

trade_orders AS (
    -- The order of each non-blank trade number involved (the smallest order id of its payments).
    SELECT p.trade_no, MIN(p.order_id) AS order_id
    FROM recon.stg_recon_payments p
    WHERE p.trade_no IN (SELECT trade_no FROM stuck UNION SELECT trade_no FROM excess)
      AND TRIM(p.trade_no) <> ''
    GROUP BY p.trade_no
)

SELECT
    'ANO-04:refund:' || CAST(s.refund_id AS VARCHAR(32))             AS anomaly_id,
    'ANO-04'                                                          AS anomaly_type,
    'REFUND_STUCK'                                                    AS anomaly_name,
    'CRITICAL'                                                        AS severity,
    s.biz_date                                                        AS recon_date,
    'refund:' || CAST(s.refund_id AS VARCHAR(32))                     AS entity_key,
    tor.order_id,
    o.shop_id,
    s.refund_amount_usd                                               AS affected_amount,
    CAST(NULL AS DECIMAL(14,2))                                       AS expected_value,
    s.refund_amount_usd                                               AS actual_value,
    CAST(1.000 AS DECIMAL(4,3))                                       AS confidence_score,
    'Refund ' || CAST(s.refund_id AS VARCHAR(32)) || ' of $' || CAST(s.refund_amount_usd AS VARCHAR(32))
        || CASE WHEN TRIM(s.trade_no) <> '' THEN ' on trade ' || s.trade_no ELSE ' without a trade number' END
        || COALESCE(' (order ' || CAST(tor.order_id AS VARCHAR(32)) || ')', '')
        || ' has been pending for ' || CAST(s.age_sec / 3600 AS VARCHAR(16))
        || ' h (requested ' || CAST(s.create_time AS VARCHAR(32)) || ' UTC).'   AS description,
    'Check refund ' || CAST(s.refund_id AS VARCHAR(32))
        || CASE WHEN TRIM(s.trade_no) <> '' THEN ' of trade ' || s.trade_no ELSE ' (no trade number)' END
        || ' in the gateway (Stripe): complete or fail it there and update t_refund; the customer is still waiting for $'
        || CAST(s.refund_amount_usd AS VARCHAR(32)) || '.'                    AS recommendation
FROM stuck s
LEFT JOIN trade_orders tor ON tor.trade_no = s.trade_no
LEFT JOIN recon.stg_recon_orders o ON o.order_id = tor.order_id

UNION ALL

SELECT
    'ANO-04:' || e.trade_no,
    'ANO-04',
    'REFUND_STUCK',
    'CRITICAL',
    e.biz_date,
    e.trade_no,
    tor.order_id,
    o.shop_id,
    e.refund_amount - e.trade_amount,
    e.trade_amount,
    e.refund_amount,
    CAST(1.000 AS DECIMAL(4,3)),
    'Trade ' || e.trade_no || COALESCE(' (order ' || CAST(tor.order_id AS VARCHAR(32)) || ')', '')
        || ' of $' || CAST(e.trade_amount AS VARCHAR(32)) || ' has '
        || CAST(e.refund_count AS VARCHAR(16)) || ' successful or pending refund(s) totalling $'
        || CAST(e.refund_amount AS VARCHAR(32)) || ', $'
        || CAST(e.refund_amount - e.trade_amount AS VARCHAR(32)) || ' more than was charged.',
    'List the refunds of trade ' || e.trade_no
        || ' (t_refund) against the gateway (Stripe): cancel a duplicate refund still pending, or recover the over-refund of $'
        || CAST(e.refund_amount - e.trade_amount AS VARCHAR(32)) || '.'
FROM excess e
LEFT JOIN trade_orders tor ON tor.trade_no = e.trade_no
LEFT JOIN recon.stg_recon_orders o ON o.order_id = tor.order_id;
