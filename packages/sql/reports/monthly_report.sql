-- reports/monthly_report.sql
-- The figures of the monthly reconciliation report (seed phase 4 §7.3) for the business dates
-- [:monthStart, :nextMonthStart), read after the reporting materialized views were refreshed.
-- Grain:
--   month_summary: one row, the month's recon.v_recon_monthly_summary row (none without results);
--   categories: one row per anomaly type × severity of the month (at most 28), most anomalies first,
--     with resolution counts and, for the anomalies closed so far (RESOLVED, AUTO_RESOLVED,
--     FALSE_POSITIVE), how many and the minutes from detection to closing in all;
--   shops: one row per shop with Level 1 orders or a Level 3 row in the month (ranked by the caller);
--   fee_stats: one row, Stripe fees of the month's Level 2 results (orders with a receipt);
--   fee_status_counts: one row per Level 2 fee_status present in the month;
--   fee_outliers: up to 5 rows, HIGH_FEE orders of the month, highest fee first.
-- Parameters: :monthStart, :nextMonthStart ('YYYY-MM-01').

-- step: month_summary
SELECT
    m.month_start, m.days, m.l1_total, m.l1_matched, m.l1_match_rate_pct, m.l2_match_rate_pct,
    m.l3_match_rate_pct, m.total_matched_revenue, m.total_unmatched_revenue, m.total_stripe_fees,
    m.total_anomalies, m.total_critical, m.total_resolved, m.resolution_rate_pct
FROM recon.v_recon_monthly_summary m
WHERE m.month_start = CAST(:monthStart AS DATE);

-- step: categories
WITH cat AS (
    SELECT
        t.anomaly_type,
        t.anomaly_name,
        t.severity,
        SUM(t.anomaly_count) AS category_count,
        SUM(t.open_count) AS open_n,
        SUM(t.resolved_count) AS resolved_n,
        SUM(t.false_positive_count) AS false_positive_n,
        SUM(t.total_affected_amount) AS affected
    FROM recon.mv_recon_anomaly_by_type t
    WHERE t.recon_date >= CAST(:monthStart AS DATE)
      AND t.recon_date < CAST(:nextMonthStart AS DATE)
    GROUP BY t.anomaly_type, t.anomaly_name, t.severity
),
closing AS (
    -- When each closed anomaly reached its current status (its latest event into that status).
    SELECT e.anomaly_id, e.to_status, MAX(e.event_time) AS closed_at
    FROM recon.dwd_recon_anomaly_events e
    WHERE e.to_status IN ('RESOLVED', 'AUTO_RESOLVED', 'FALSE_POSITIVE')
    GROUP BY e.anomaly_id, e.to_status
),
closed AS (
    SELECT
        a.anomaly_type,
        a.severity,
        COUNT(*) AS closed_n,
        SUM(CASE WHEN c.closed_at > a.created_at THEN DATEDIFF('minute', a.created_at, c.closed_at) ELSE 0 END)
            AS closed_minutes
    FROM recon.dwd_recon_anomalies a
    JOIN closing c ON c.anomaly_id = a.anomaly_id AND c.to_status = a.status
    WHERE a.recon_date >= CAST(:monthStart AS DATE)
      AND a.recon_date < CAST(:nextMonthStart AS DATE)
    GROUP BY a.anomaly_type, a.severity
)
SELECT
    cat.anomaly_type,
    cat.anomaly_name,
    cat.severity,
    CAST(cat.category_count AS BIGINT) AS category_count,
    CAST(cat.open_n AS BIGINT) AS open_count,
    CAST(cat.resolved_n AS BIGINT) AS resolved_count,
    CAST(cat.false_positive_n AS BIGINT) AS false_positive_count,
    CAST(cat.affected AS DECIMAL(18,2)) AS affected_amount,
    CAST(COALESCE(closed.closed_n, 0) AS BIGINT) AS closed_count,
    CAST(COALESCE(closed.closed_minutes, 0) AS BIGINT) AS closed_minutes
FROM cat
LEFT JOIN closed ON closed.anomaly_type = cat.anomaly_type AND closed.severity = cat.severity
ORDER BY cat.category_count DESC, cat.affected DESC, cat.anomaly_type, cat.severity;

-- step: shops
SELECT
    h.shop_id,
    CAST(COUNT(*) AS BIGINT) AS shop_days,
    CAST(SUM(h.total_orders) AS BIGINT) AS orders,
    CAST(SUM(h.l1_matched) AS BIGINT) AS l1_matched,
    CASE WHEN SUM(h.total_orders) = 0 THEN NULL
         ELSE CAST(CAST(SUM(h.l1_matched) * 100 AS DECIMAL(18,4)) / CAST(SUM(h.total_orders) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l1_match_rate_pct,
    CAST(SUM(h.total_order_amount) AS DECIMAL(18,2)) AS order_amount,
    CAST(SUM(CASE WHEN h.l3_status IS NOT NULL AND h.l3_status NOT IN ('MATCHED', 'MATCHED_NET') THEN 1 ELSE 0 END) AS BIGINT)
        AS l3_mismatch_days,
    CAST(SUM(ABS(COALESCE(h.l3_variance, 0))) AS DECIMAL(18,2)) AS l3_abs_variance,
    CAST(SUM(h.anomaly_count) AS BIGINT) AS anomalies,
    CAST(SUM(h.critical_count) AS BIGINT) AS critical,
    CAST(SUM(h.open_anomaly_count) AS BIGINT) AS open_anomalies
FROM recon.mv_recon_shop_health h
WHERE h.recon_date >= CAST(:monthStart AS DATE)
  AND h.recon_date < CAST(:nextMonthStart AS DATE)
GROUP BY h.shop_id
ORDER BY h.shop_id;

-- step: fee_stats
SELECT
    CAST(COUNT(*) AS BIGINT) AS orders,
    CAST(SUM(CASE WHEN l2.receipt_count > 0 THEN 1 ELSE 0 END) AS BIGINT) AS orders_with_receipt,
    CAST(COALESCE(SUM(l2.receipt_amount_usd), 0) AS DECIMAL(18,2)) AS receipt_amount,
    CAST(COALESCE(SUM(l2.stripe_fee_usd), 0) AS DECIMAL(18,2)) AS total_fees,
    MIN(CASE WHEN l2.receipt_count > 0 THEN l2.stripe_fee_usd END) AS min_fee,
    MAX(CASE WHEN l2.receipt_count > 0 THEN l2.stripe_fee_usd END) AS max_fee
FROM recon.stg_recon_level2_results l2
WHERE l2.recon_date >= CAST(:monthStart AS DATE)
  AND l2.recon_date < CAST(:nextMonthStart AS DATE);

-- step: fee_status_counts
SELECT
    l2.fee_status,
    CAST(COUNT(*) AS BIGINT) AS n,
    CAST(COALESCE(SUM(l2.stripe_fee_usd), 0) AS DECIMAL(18,2)) AS fees
FROM recon.stg_recon_level2_results l2
WHERE l2.recon_date >= CAST(:monthStart AS DATE)
  AND l2.recon_date < CAST(:nextMonthStart AS DATE)
GROUP BY l2.fee_status
ORDER BY l2.fee_status;

-- step: fee_outliers
SELECT l2.recon_date, l2.order_id, l2.shop_id, l2.order_amount, l2.stripe_fee_usd
FROM recon.stg_recon_level2_results l2
WHERE l2.recon_date >= CAST(:monthStart AS DATE)
  AND l2.recon_date < CAST(:nextMonthStart AS DATE)
  AND l2.fee_status = 'HIGH_FEE'
ORDER BY l2.stripe_fee_usd DESC, l2.recon_date, l2.order_id
LIMIT 5;
