-- 006_v_recon_pipeline_runs.sql
-- Creates: view recon.v_recon_pipeline_runs (seed phase 4 §3.5): pipeline execution history with
-- duration and SLA status (> 90 min SLA_BREACHED, > 70 min SLA_WARNING).
-- Grain: one row per pipeline run (pipeline_run_id), newest business date first.
-- DATEDIFF is Redshift's; the datepart is written quoted ('second'), which Redshift accepts and
-- which PostgreSQL parses as a text argument of the shim in shims/postgres/001_redshift_dates.sql
-- (unquoted `second` would be a column reference in PostgreSQL). A run still in progress has a
-- NULL duration and is WITHIN_SLA.

CREATE OR REPLACE VIEW recon.v_recon_pipeline_runs AS
SELECT
    m.recon_date,
    m.pipeline_run_id,
    m.pipeline_start_time,
    m.pipeline_end_time,
    DATEDIFF('second', m.pipeline_start_time, m.pipeline_end_time) AS duration_seconds,
    m.l1_match_rate,
    m.l2_match_rate,
    m.l3_match_rate,
    m.total_orders_processed,
    m.total_anomalies_detected,
    m.dq_checks_passed,
    m.dq_checks_failed,
    CASE
        WHEN DATEDIFF('second', m.pipeline_start_time, m.pipeline_end_time) > 5400
            THEN 'SLA_BREACHED'   -- > 90 min
        WHEN DATEDIFF('second', m.pipeline_start_time, m.pipeline_end_time) > 4200
            THEN 'SLA_WARNING'    -- > 70 min
        ELSE 'WITHIN_SLA'
    END AS pipeline_sla_status,
    m.status AS pipeline_status
FROM recon.dwd_recon_anomaly_metrics m
ORDER BY m.recon_date DESC;
