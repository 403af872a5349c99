-- anomalies/ano_05_orphan_trade.sql
-- ANO-05 ORPHAN_TRADE (SPEC §7): a successful trade (trade_status 1) whose trade number no live
-- payment references (no row of recon.stg_recon_payments with that trade_no, whatever its
-- pay_status; soft-deleted payments never reach staging), at least :orphanTradeAgeHours after the
-- trade's create_time, measured to :asOf → HIGH. Money was taken that no order accounts for.
-- Grain: one candidate per trade number (entity_key = trade_no) with recon_date = the trade's
-- business date (earliest of its successful rows) in [:fromDate, :toDate].
-- affected_amount = actual_value = the trade amount (sum of its successful rows); expected_value
-- NULL; order_id NULL; shop_id from its reconcile voucher when one exists.
-- Evidence by exact key (trade_no): confidence 1.000. A trade whose number is blank is no
-- candidate: a blank number identifies nothing (as at Level 1), so no payment could reference it
-- and it has no key to raise; DQ-02 counts such trades as empty keys.
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :asOf ('YYYY-MM-DD HH:MM:SS' UTC),
-- :orphanTradeAgeHours (whole hours).

-- step: insert_candidates
INSERT INTO tmp_recon_anomaly_candidates (
    anomaly_id, anomaly_type, anomaly_name, severity, recon_date, entity_key, order_id, shop_id,
    affected_amount, expected_value, actual_value, confidence_score, description, recommendation
)
WITH window_trades AS (
    -- Trade numbers with a successful trade of the window that no payment references (one row
    -- per trade_no).
    SELECT DISTINCT t.trade_no
    FROM recon.stg_recon_trades t
    WHERE t.trade_status = 1
      AND t.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND TRIM(t.trade_no) <> ''
      -- No payment references the number: a test on the trade number alone, applied before the
      -- totals so only the few orphans are aggregated (at a million trades a day: 8.7 s → < 1 s).
      AND NOT EXISTS (SELECT 1 FROM recon.stg_recon_payments p WHERE p.trade_no = t.trade_no)
),

trade_totals AS (
    -- Those trade numbers over all their successful rows (one row per trade_no).
    SELECT
        t.trade_no,
        SUM(t.trade_amount_usd) AS trade_amount,
        MIN(t.create_time)      AS create_time,
        MIN(t.biz_date)         AS biz_date,
        MIN(t.channel_trade_no) AS channel_trade_no
    FROM recon.stg_recon_trades t
    JOIN window_trades wt ON wt.trade_no = t.trade_no
    WHERE t.trade_status = 1
    GROUP BY t.trade_no
),

orphans AS (
    -- Those past the age threshold (one row per trade_no).
    SELECT
        tt.*,
        DATEDIFF('second', tt.create_time, CAST(:asOf AS TIMESTAMP)) AS age_sec
    FROM trade_totals tt
    WHERE tt.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
      AND DATEDIFF('second', tt.create_time, CAST(:asOf AS TIMESTAMP))
          >= CAST(:orphanTradeAgeHours AS BIGINT) * 3600
),

voucher_shops AS (
    -- Shop of each orphan's reconcile voucher (one row per trade_no that has one).
    SELECT v.trade_no, MIN(v.shop_id) AS shop_id
    FROM recon.stg_recon_vouchers v
    JOIN orphans o ON o.trade_no = v.trade_no
    GROUP BY v.trade_no
)

SELECT
    'ANO-05:' || o.trade_no                                           AS anomaly_id,
    'ANO-05'                                                          AS anomaly_type,
    'ORPHAN_TRADE'                                                    AS anomaly_name,
    'HIGH'                                                            AS severity,
    o.biz_date                                                        AS recon_date,
    o.trade_no                                                        AS entity_key,
    CAST(NULL AS BIGINT)                                              AS order_id,
    vs.shop_id,
    o.trade_amount                                                    AS affected_amount,
    CAST(NULL AS DECIMAL(14,2))                                       AS expected_value,
    o.trade_amount                                                    AS actual_value,
    CAST(1.000 AS DECIMAL(4,3))                                       AS confidence_score,
    'Orphan trade ' || o.trade_no || ' of $' || CAST(o.trade_amount AS VARCHAR(32))
        || COALESCE(' (shop ' || CAST(vs.shop_id AS VARCHAR(32)) || ')', '')
        || ': a successful charge that no order payment references, '
        || CAST(o.age_sec / 3600 AS VARCHAR(16)) || ' h after it was created ('
        || CAST(o.create_time AS VARCHAR(32)) || ' UTC).'                  AS description,
    'Find the order of trade ' || o.trade_no
        || COALESCE(' (channel reference ' || o.channel_trade_no || ')', '')
        || ' in the order service: link the missing t_order_pay row if the order exists, otherwise refund the customer.'
                                                                      AS recommendation
FROM orphans o
LEFT JOIN voucher_shops vs ON vs.trade_no = o.trade_no;
