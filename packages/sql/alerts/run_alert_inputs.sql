-- alerts/run_alert_inputs.sql
-- What the alert rules of a pipeline run are evaluated on (SPEC §9; seed phase 4 §8.3, phase 2
-- §10.3): the run's record, the open CRITICAL anomalies of its business date, its dead letters
-- and its failed data-quality checks.
-- Grain:
--   run_record: one row, the run (recon.dwd_recon_anomaly_metrics) with its duration in seconds
--     (Redshift DATEDIFF, as recon.v_recon_pipeline_runs computes it) and its phase durations
--     (JSON text); none for an unknown run;
--   latest_run_of_date: one row, the run id of the latest run recorded for :reconDate;
--   open_critical_count: one row, OPEN/INVESTIGATING CRITICAL anomalies of :reconDate and their amount;
--   open_critical_top: up to 3 rows, those anomalies, largest affected amount first;
--   dead_letters: one row, dead letters stored with the run id;
--   dq_failures: one row per check × table that FAILed for the run.
-- Parameters: :runId, :reconDate ('YYYY-MM-DD').

-- step: run_record
SELECT
    m.pipeline_run_id, m.recon_date, m.status, m.failed_step, m.error_message,
    m.pipeline_start_time, m.pipeline_end_time,
    DATEDIFF('second', m.pipeline_start_time, m.pipeline_end_time) AS duration_seconds,
    m.rows_dead_lettered, m.l1_match_rate, m.l2_match_rate, m.l3_match_rate,
    m.total_anomalies_detected, m.anomaly_count_30d_avg, m.anomaly_spike, m.dq_checks_failed,
    m.phase_durations
FROM recon.dwd_recon_anomaly_metrics m
WHERE m.pipeline_run_id = :runId;

-- step: latest_run_of_date
SELECT m.pipeline_run_id
FROM recon.dwd_recon_anomaly_metrics m
WHERE m.recon_date = CAST(:reconDate AS DATE)
ORDER BY m.pipeline_start_time DESC, m.pipeline_run_id DESC
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
SELECT a.anomaly_id, a.anomaly_name, a.shop_id, a.affected_amount
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date = CAST(:reconDate AS DATE)
  AND a.severity = 'CRITICAL'
  AND a.status IN ('OPEN', 'INVESTIGATING')
ORDER BY a.affected_amount DESC, a.anomaly_id
LIMIT 3;

-- step: dead_letters
SELECT CAST(COUNT(*) AS BIGINT) AS n
FROM recon.dwd_recon_dead_letter d
WHERE d.run_id = :runId;

-- step: dq_failures
SELECT r.check_id, r.check_name, r.table_name, r.detail
FROM recon.dwd_recon_dq_results r
WHERE r.run_id = :runId
  AND r.recon_date = CAST(:reconDate AS DATE)
  AND r.status = 'FAIL'
ORDER BY r.check_id, r.table_name;
