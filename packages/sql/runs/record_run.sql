-- runs/record_run.sql
-- Records one pipeline run in recon.dwd_recon_anomaly_metrics (see ddl/005_anomaly_metrics.sql):
-- the run's status (SUCCEEDED | FAILED | FAILED_DQ), timing, the failing step and cause when it
-- failed, row counts, the business date's L1/L2/L3 match rates, DQ counts, and its anomalies
-- (count, 30-day average, spike flag, open anomalies in all).
-- Grain: one row per pipeline run (pipeline_run_id). Re-recording a run id replaces its row, so
-- a retried RecordRun/RecordFailure task leaves exactly one row — except that a failure never
-- replaces a SUCCEEDED row (a late failure record of an execution that a redrive then completed).

-- step: stored_status
SELECT status FROM recon.dwd_recon_anomaly_metrics
WHERE pipeline_run_id = :runId;

-- step: delete_run
DELETE FROM recon.dwd_recon_anomaly_metrics
WHERE pipeline_run_id = :runId;

-- step: insert_run
INSERT INTO recon.dwd_recon_anomaly_metrics
    (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status, failed_step,
     error_message, rows_extracted, rows_loaded, rows_dead_lettered, l1_match_rate, l2_match_rate,
     l3_match_rate, total_orders_processed, dq_checks_passed, dq_checks_failed, phase_durations,
     total_anomalies_detected, anomaly_count_30d_avg, anomaly_spike, open_anomalies)
VALUES
    (:runId, CAST(:reconDate AS DATE), CAST(:startedAt AS TIMESTAMP), CAST(:finishedAt AS TIMESTAMP),
     CAST(:asOf AS TIMESTAMP), :status, :failedStep, :errorMessage, CAST(:rowsExtracted AS BIGINT),
     CAST(:rowsLoaded AS BIGINT), CAST(:rowsDeadLettered AS BIGINT), CAST(:l1MatchRate AS DECIMAL(7,4)),
     CAST(:l2MatchRate AS DECIMAL(7,4)), CAST(:l3MatchRate AS DECIMAL(7,4)),
     CAST(:totalOrdersProcessed AS BIGINT), CAST(:dqChecksPassed AS INTEGER),
     CAST(:dqChecksFailed AS INTEGER), :phaseDurations, CAST(:totalAnomaliesDetected AS BIGINT),
     CAST(:anomalyAverage30d AS DECIMAL(14,4)), CAST(:anomalySpike AS BOOLEAN), CAST(:openAnomalies AS BIGINT));
