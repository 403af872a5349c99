-- ddl/015_reporting_views.sql
-- Creates: materialized views recon.mv_recon_daily_summary, recon.mv_recon_anomaly_by_type,
-- recon.mv_recon_shop_health and views recon.v_recon_weekly_summary, recon.v_recon_monthly_summary
-- (seed Phase 4 §3; v_recon_open_anomalies and v_recon_pipeline_runs are in 014 and 006).
-- Grain:
--   mv_recon_daily_summary: one row per business date with any Level 1, 2 or 3 result;
--   mv_recon_anomaly_by_type: one row per business date × anomaly type × severity with anomalies;
--   mv_recon_shop_health: one row per shop × business date with Level 1 orders or a Level 3 row;
--   v_recon_weekly_summary / v_recon_monthly_summary: one row per week (Monday) / month.
-- Computed from the result tables so every number is right:
-- each level is aggregated on its own before the date rows are put side by side (the seed joined
-- Level 2 rows to Level 1 rows on order id and fanned out), "unmatched" is every status but
-- MATCHED (Level 1 has no 'UNMATCHED' status), match rates are matched × 100 / total rounded to
-- 2 decimals exactly as the run summary computes them, and weekly/monthly rates are weighted
-- (Σ matched / Σ total), never an average of daily percentages.
-- The materialized views are refreshed, in dependency order, by the pipeline's RefreshReporting
-- state (packages/core/src/reporting/refresh.ts); the plain views read them or the tables live.

-- mv_recon_daily_summary: one row per business date that has any Level 1, 2 or 3 result.
CREATE MATERIALIZED VIEW recon.mv_recon_daily_summary AS
WITH l1 AS (
    SELECT
        recon_date,
        COUNT(*) AS l1_total,
        SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END) AS l1_matched,
        SUM(order_amount) AS l1_order_amount,
        SUM(CASE WHEN match_status = 'MATCHED' THEN order_amount ELSE 0 END) AS l1_matched_amount,
        SUM(CASE WHEN match_status <> 'MATCHED' THEN order_amount ELSE 0 END) AS l1_unmatched_amount
    FROM recon.stg_recon_level1_results
    GROUP BY recon_date
),
l2 AS (
    SELECT
        recon_date,
        COUNT(*) AS l2_total,
        SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END) AS l2_matched,
        SUM(CASE WHEN match_status = 'MATCHED' THEN order_amount ELSE 0 END) AS l2_matched_amount,
        SUM(CASE WHEN match_status <> 'MATCHED' THEN order_amount ELSE 0 END) AS l2_unmatched_amount,
        SUM(COALESCE(stripe_fee_usd, 0)) AS l2_stripe_fees
    FROM recon.stg_recon_level2_results
    GROUP BY recon_date
),
l3 AS (
    SELECT
        recon_date,
        COUNT(*) AS l3_total_shops,
        SUM(CASE WHEN match_status IN ('MATCHED', 'MATCHED_NET') THEN 1 ELSE 0 END) AS l3_matched_shops,
        SUM(ABS(variance_amount)) AS l3_total_variance
    FROM recon.stg_recon_level3_results
    GROUP BY recon_date
),
an AS (
    SELECT
        recon_date,
        COUNT(*) AS anomaly_count,
        SUM(CASE WHEN severity = 'CRITICAL' THEN 1 ELSE 0 END) AS critical_count,
        SUM(CASE WHEN severity = 'HIGH' THEN 1 ELSE 0 END) AS high_count,
        SUM(CASE WHEN severity = 'MEDIUM' THEN 1 ELSE 0 END) AS medium_count,
        SUM(CASE WHEN severity = 'LOW' THEN 1 ELSE 0 END) AS low_count,
        SUM(CASE WHEN status IN ('OPEN', 'INVESTIGATING') THEN 1 ELSE 0 END) AS open_count,
        SUM(CASE WHEN status IN ('RESOLVED', 'AUTO_RESOLVED') THEN 1 ELSE 0 END) AS resolved_count,
        SUM(CASE WHEN status = 'FALSE_POSITIVE' THEN 1 ELSE 0 END) AS false_positive_count,
        SUM(CASE WHEN status IN ('OPEN', 'INVESTIGATING') THEN affected_amount ELSE 0 END) AS at_risk_amount
    FROM recon.dwd_recon_anomalies
    GROUP BY recon_date
),
dates AS (
    SELECT recon_date FROM l1
    UNION
    SELECT recon_date FROM l2
    UNION
    SELECT recon_date FROM l3
)
SELECT
    d.recon_date,
    CAST(COALESCE(l1.l1_total, 0) AS BIGINT) AS l1_total,
    CAST(COALESCE(l1.l1_matched, 0) AS BIGINT) AS l1_matched,
    CAST(COALESCE(l1.l1_total, 0) - COALESCE(l1.l1_matched, 0) AS BIGINT) AS l1_unmatched,
    CASE WHEN COALESCE(l1.l1_total, 0) = 0 THEN NULL
         ELSE CAST(CAST(l1.l1_matched * 100 AS DECIMAL(18,4)) / CAST(l1.l1_total AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l1_match_rate_pct,
    CAST(COALESCE(l1.l1_order_amount, 0) AS DECIMAL(18,2)) AS l1_order_amount,
    CAST(COALESCE(l1.l1_matched_amount, 0) AS DECIMAL(18,2)) AS l1_matched_amount,
    CAST(COALESCE(l1.l1_unmatched_amount, 0) AS DECIMAL(18,2)) AS l1_unmatched_amount,
    CAST(COALESCE(l2.l2_total, 0) AS BIGINT) AS l2_total,
    CAST(COALESCE(l2.l2_matched, 0) AS BIGINT) AS l2_matched,
    CASE WHEN COALESCE(l2.l2_total, 0) = 0 THEN NULL
         ELSE CAST(CAST(l2.l2_matched * 100 AS DECIMAL(18,4)) / CAST(l2.l2_total AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l2_match_rate_pct,
    CAST(COALESCE(l2.l2_matched_amount, 0) AS DECIMAL(18,2)) AS l2_matched_amount,
    CAST(COALESCE(l2.l2_unmatched_amount, 0) AS DECIMAL(18,2)) AS l2_unmatched_amount,
    CAST(COALESCE(l2.l2_stripe_fees, 0) AS DECIMAL(18,2)) AS l2_stripe_fees,
    CAST(COALESCE(l3.l3_total_shops, 0) AS BIGINT) AS l3_total_shops,
    CAST(COALESCE(l3.l3_matched_shops, 0) AS BIGINT) AS l3_matched_shops,
    CASE WHEN COALESCE(l3.l3_total_shops, 0) = 0 THEN NULL
         ELSE CAST(CAST(l3.l3_matched_shops * 100 AS DECIMAL(18,4)) / CAST(l3.l3_total_shops AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l3_match_rate_pct,
    CAST(COALESCE(l3.l3_total_variance, 0) AS DECIMAL(18,2)) AS l3_total_variance,
    CAST(COALESCE(an.anomaly_count, 0) AS BIGINT) AS anomaly_count,
    CAST(COALESCE(an.critical_count, 0) AS BIGINT) AS critical_count,
    CAST(COALESCE(an.high_count, 0) AS BIGINT) AS high_count,
    CAST(COALESCE(an.medium_count, 0) AS BIGINT) AS medium_count,
    CAST(COALESCE(an.low_count, 0) AS BIGINT) AS low_count,
    CAST(COALESCE(an.open_count, 0) AS BIGINT) AS open_count,
    CAST(COALESCE(an.resolved_count, 0) AS BIGINT) AS resolved_count,
    CAST(COALESCE(an.false_positive_count, 0) AS BIGINT) AS false_positive_count,
    CAST(COALESCE(an.at_risk_amount, 0) AS DECIMAL(18,2)) AS at_risk_amount
FROM dates d
LEFT JOIN l1 ON l1.recon_date = d.recon_date
LEFT JOIN l2 ON l2.recon_date = d.recon_date
LEFT JOIN l3 ON l3.recon_date = d.recon_date
LEFT JOIN an ON an.recon_date = d.recon_date;

-- mv_recon_anomaly_by_type: one row per business date × anomaly type × severity with anomalies.
CREATE MATERIALIZED VIEW recon.mv_recon_anomaly_by_type AS
SELECT
    recon_date,
    anomaly_type,
    anomaly_name,
    severity,
    CAST(COUNT(*) AS BIGINT) AS anomaly_count,
    CAST(SUM(CASE WHEN status IN ('OPEN', 'INVESTIGATING') THEN 1 ELSE 0 END) AS BIGINT) AS open_count,
    CAST(SUM(CASE WHEN status IN ('RESOLVED', 'AUTO_RESOLVED') THEN 1 ELSE 0 END) AS BIGINT) AS resolved_count,
    CAST(SUM(CASE WHEN status = 'FALSE_POSITIVE' THEN 1 ELSE 0 END) AS BIGINT) AS false_positive_count,
    CAST(SUM(affected_amount) AS DECIMAL(18,2)) AS total_affected_amount,
    CAST(AVG(confidence_score) AS DECIMAL(4,3)) AS avg_confidence_score
FROM recon.dwd_recon_anomalies
GROUP BY recon_date, anomaly_type, anomaly_name, severity;

-- mv_recon_shop_health: one row per shop × business date with Level 1 orders or a Level 3 row.
CREATE MATERIALIZED VIEW recon.mv_recon_shop_health AS
WITH orders AS (
    SELECT
        recon_date,
        shop_id,
        COUNT(*) AS total_orders,
        SUM(order_amount) AS total_order_amount,
        SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END) AS l1_matched
    FROM recon.stg_recon_level1_results
    GROUP BY recon_date, shop_id
),
an AS (
    SELECT
        recon_date,
        shop_id,
        COUNT(*) AS anomaly_count,
        SUM(CASE WHEN severity = 'CRITICAL' THEN 1 ELSE 0 END) AS critical_count,
        SUM(CASE WHEN status IN ('OPEN', 'INVESTIGATING') THEN 1 ELSE 0 END) AS open_count
    FROM recon.dwd_recon_anomalies
    WHERE shop_id IS NOT NULL
    GROUP BY recon_date, shop_id
),
keys AS (
    SELECT recon_date, shop_id FROM orders
    UNION
    SELECT recon_date, shop_id FROM recon.stg_recon_level3_results
)
SELECT
    k.shop_id,
    k.recon_date,
    CAST(COALESCE(o.total_orders, 0) AS BIGINT) AS total_orders,
    CAST(COALESCE(o.total_order_amount, 0) AS DECIMAL(18,2)) AS total_order_amount,
    CAST(COALESCE(o.l1_matched, 0) AS BIGINT) AS l1_matched,
    CASE WHEN COALESCE(o.total_orders, 0) = 0 THEN NULL
         ELSE CAST(CAST(o.l1_matched * 100 AS DECIMAL(18,4)) / CAST(o.total_orders AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l1_match_rate_pct,
    l3.variance_amount AS l3_variance,
    l3.match_status AS l3_status,
    CAST(COALESCE(an.anomaly_count, 0) AS BIGINT) AS anomaly_count,
    CAST(COALESCE(an.critical_count, 0) AS BIGINT) AS critical_count,
    CAST(COALESCE(an.open_count, 0) AS BIGINT) AS open_anomaly_count
FROM keys k
LEFT JOIN orders o ON o.recon_date = k.recon_date AND o.shop_id = k.shop_id
LEFT JOIN recon.stg_recon_level3_results l3 ON l3.recon_date = k.recon_date AND l3.shop_id = k.shop_id
LEFT JOIN an ON an.recon_date = k.recon_date AND an.shop_id = k.shop_id;

-- v_recon_weekly_summary: one row per ISO week (Monday start) with a daily summary row.
CREATE OR REPLACE VIEW recon.v_recon_weekly_summary AS
SELECT
    CAST(DATE_TRUNC('week', recon_date) AS DATE) AS week_start,
    CAST(COUNT(*) AS BIGINT) AS days,
    CAST(SUM(l1_total) AS BIGINT) AS l1_total,
    CAST(SUM(l1_matched) AS BIGINT) AS l1_matched,
    CASE WHEN SUM(l1_total) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l1_matched) * 100 AS DECIMAL(18,4)) / CAST(SUM(l1_total) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l1_match_rate_pct,
    CASE WHEN SUM(l2_total) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l2_matched) * 100 AS DECIMAL(18,4)) / CAST(SUM(l2_total) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l2_match_rate_pct,
    CASE WHEN SUM(l3_total_shops) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l3_matched_shops) * 100 AS DECIMAL(18,4)) / CAST(SUM(l3_total_shops) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l3_match_rate_pct,
    CAST(SUM(l1_matched_amount) AS DECIMAL(18,2)) AS total_matched_revenue,
    CAST(SUM(l1_unmatched_amount) AS DECIMAL(18,2)) AS total_unmatched_revenue,
    CAST(SUM(anomaly_count) AS BIGINT) AS total_anomalies,
    CAST(SUM(critical_count) AS BIGINT) AS total_critical,
    CAST(SUM(resolved_count) AS BIGINT) AS total_resolved,
    CASE WHEN SUM(anomaly_count) = 0 THEN NULL
         ELSE CAST(CAST(SUM(resolved_count) * 100 AS DECIMAL(18,4)) / CAST(SUM(anomaly_count) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS resolution_rate_pct
FROM recon.mv_recon_daily_summary
GROUP BY CAST(DATE_TRUNC('week', recon_date) AS DATE);

-- v_recon_monthly_summary: one row per calendar month with a daily summary row.
CREATE OR REPLACE VIEW recon.v_recon_monthly_summary AS
SELECT
    CAST(DATE_TRUNC('month', recon_date) AS DATE) AS month_start,
    CAST(COUNT(*) AS BIGINT) AS days,
    CAST(SUM(l1_total) AS BIGINT) AS l1_total,
    CAST(SUM(l1_matched) AS BIGINT) AS l1_matched,
    CASE WHEN SUM(l1_total) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l1_matched) * 100 AS DECIMAL(18,4)) / CAST(SUM(l1_total) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l1_match_rate_pct,
    CASE WHEN SUM(l2_total) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l2_matched) * 100 AS DECIMAL(18,4)) / CAST(SUM(l2_total) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l2_match_rate_pct,
    CASE WHEN SUM(l3_total_shops) = 0 THEN NULL
         ELSE CAST(CAST(SUM(l3_matched_shops) * 100 AS DECIMAL(18,4)) / CAST(SUM(l3_total_shops) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS l3_match_rate_pct,
    CAST(SUM(l1_matched_amount) AS DECIMAL(18,2)) AS total_matched_revenue,
    CAST(SUM(l1_unmatched_amount) AS DECIMAL(18,2)) AS total_unmatched_revenue,
    CAST(SUM(l2_stripe_fees) AS DECIMAL(18,2)) AS total_stripe_fees,
    CAST(SUM(anomaly_count) AS BIGINT) AS total_anomalies,
    CAST(SUM(critical_count) AS BIGINT) AS total_critical,
    CAST(SUM(resolved_count) AS BIGINT) AS total_resolved,
    CASE WHEN SUM(anomaly_count) = 0 THEN NULL
         ELSE CAST(CAST(SUM(resolved_count) * 100 AS DECIMAL(18,4)) / CAST(SUM(anomaly_count) AS DECIMAL(18,4)) AS DECIMAL(5,2))
    END AS resolution_rate_pct
FROM recon.mv_recon_daily_summary
GROUP BY CAST(DATE_TRUNC('month', recon_date) AS DATE);
