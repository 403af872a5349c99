-- runs/record_run.sql
-- Records one pipeline run in recon.dwd_recon_anomaly_metrics (see ddl/005_anomaly_metrics.sql):
-- the run's status, timing, the failing step and cause when it failed, and row counts.
-- Grain: one row per pipeline run (pipeline_run_id). Re-recording a run id replaces its row, so
-- a retried RecordRun/RecordFailure task leaves exactly one row.

-- step: delete_run
DELETE FROM recon.dwd_recon_anomaly_metrics
WHERE pipeline_run_id = :runId;

-- step: insert_run
INSERT INTO recon.dwd_recon_anomaly_metrics
    (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status, failed_step,
     error_message, rows_extracted, rows_loaded, rows_dead_lettered, phase_durations)
VALUES
    (:runId, CAST(:reconDate AS DATE), CAST(:startedAt AS TIMESTAMP), CAST(:finishedAt AS TIMESTAMP),
     CAST(:asOf AS TIMESTAMP), :status, :failedStep, :errorMessage, CAST(:rowsExtracted AS BIGINT),
     CAST(:rowsLoaded AS BIGINT), CAST(:rowsDeadLettered AS BIGINT), :phaseDurations);
