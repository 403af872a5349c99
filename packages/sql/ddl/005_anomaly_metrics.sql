-- 005_anomaly_metrics.sql
-- Creates: recon.dwd_recon_anomaly_metrics, the record of pipeline runs (SPEC §8; seed Appendix A
-- #14) read by recon.v_recon_pipeline_runs and the operational dashboard.
-- Grain: one row per pipeline run (pipeline_run_id). pipeline_end_time is NULL while a run is in
-- progress; row counts, match rates and totals are NULL when the run stopped before computing them.
-- phase_durations is JSON text ({"extract": 12.3, …} seconds per phase).

-- Redshift keys: one row per run, read by business date: Redshift chooses the distribution.
-- redshift: DISTSTYLE AUTO SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_anomaly_metrics (
    pipeline_run_id          VARCHAR(64)   NOT NULL,
    recon_date               DATE          NOT NULL,
    pipeline_start_time      TIMESTAMP     NOT NULL,
    pipeline_end_time        TIMESTAMP,
    as_of                    TIMESTAMP     NOT NULL,
    status                   VARCHAR(16)   NOT NULL,
    failed_step              VARCHAR(128),
    error_message            VARCHAR(2048),
    rows_extracted           BIGINT,
    rows_loaded              BIGINT,
    rows_dead_lettered       BIGINT,
    l1_match_rate            DECIMAL(7,4),
    l2_match_rate            DECIMAL(7,4),
    l3_match_rate            DECIMAL(7,4),
    total_orders_processed   BIGINT,
    total_anomalies_detected BIGINT,
    dq_checks_passed         INTEGER,
    dq_checks_failed         INTEGER,
    phase_durations          VARCHAR(4096),
    PRIMARY KEY (pipeline_run_id)
);
