-- reports/daily_report.sql
-- The figures of the daily reconciliation report (seed phase 4 §7.1) for one business date, read
-- after the reporting materialized views were refreshed (so triage done since the run shows).
-- Grain:
--   day_summary: one row, the business date's recon.mv_recon_daily_summary row (none when the
--     date has no Level 1–3 result);
--   latest_run: one row, the latest pipeline run recorded for the date with its failed step (none
--     when never run);
--   open_critical_count: one row, the date's OPEN/INVESTIGATING CRITICAL anomalies and their amount;
--   open_critical_top: up to 5 rows, those anomalies, largest affected amount first;
--   open_in_all: one row, OPEN/INVESTIGATING anomalies of every date;
--   day_anomalies: one row per anomaly of the date (any status), for the CSV attachment, CRITICAL
--     first, then largest amount.
-- Parameters: :reconDate ('YYYY-MM-DD').

-- step: day_summary
SELECT
    s.recon_date, s.l1_total, s.l1_matched, s.l1_unmatched, s.l1_match_rate_pct, s.l1_order_amount,
    s.l1_matched_amount, s.l1_unmatched_amount, s.l2_total, s.l2_matched, s.l2_match_rate_pct,
    s.l2_matched_amount, s.l2_unmatched_amount, s.l2_stripe_fees, s.l3_total_shops,
    s.l3_matched_shops, s.l3_match_rate_pct, s.l3_total_variance, s.anomaly_count, s.critical_count,
    s.high_count, s.medium_count, s.low_count, s.open_count, s.resolved_count,
    s.false_positive_count, s.at_risk_amount
FROM recon.mv_recon_daily_summary s
WHERE s.recon_date = CAST(:reconDate AS DATE);

-- step: latest_run
SELECT
    r.pipeline_run_id, r.pipeline_status, r.pipeline_start_time, r.pipeline_end_time,
    r.duration_seconds, r.total_orders_processed, m.failed_step
FROM recon.v_recon_pipeline_runs r
JOIN recon.dwd_recon_anomaly_metrics m ON m.pipeline_run_id = r.pipeline_run_id
WHERE r.recon_date = CAST(:reconDate AS DATE)
ORDER BY r.pipeline_start_time DESC, r.pipeline_run_id DESC
LIMIT 1;

-- step: open_critical_count
SELECT
    CAST(COUNT(*) AS BIGINT) AS n,
    CAST(COALESCE(SUM(a.affected_amount), 0) AS DECIMAL(18,2)) AS amount
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date = CAST(:reconDate AS DATE)
  AND a.severity = 'CRITICAL'
  AND a.status IN ('OPEN', 'INVESTIGATING');

-- step: open_critical_top
SELECT
    a.anomaly_id, a.anomaly_type, a.anomaly_name, a.status, a.shop_id, a.order_id,
    a.affected_amount, a.description, a.assigned_to
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date = CAST(:reconDate AS DATE)
  AND a.severity = 'CRITICAL'
  AND a.status IN ('OPEN', 'INVESTIGATING')
ORDER BY a.affected_amount DESC, a.anomaly_id
LIMIT 5;

-- step: open_in_all
SELECT CAST(COUNT(*) AS BIGINT) AS n
FROM recon.dwd_recon_anomalies a
WHERE a.status IN ('OPEN', 'INVESTIGATING');

-- step: day_anomalies
SELECT
    a.anomaly_id, a.anomaly_type, a.anomaly_name, a.severity, a.status, a.shop_id, a.order_id,
    a.affected_amount, a.expected_value, a.actual_value, a.created_at, a.assigned_to, a.description
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date = CAST(:reconDate AS DATE)
ORDER BY
    CASE a.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END,
    a.affected_amount DESC,
    a.anomaly_id;
