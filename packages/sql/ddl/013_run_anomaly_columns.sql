-- 013_run_anomaly_columns.sql
-- Adds to recon.dwd_recon_anomaly_metrics (one row per pipeline run) the anomaly figures of the
-- run: anomalies raised for the business date, the 30-day daily average before it, and whether
-- that is a spike (count > anomalySpikeMultiplier × average). One column per statement (Redshift).

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN anomaly_count_30d_avg DECIMAL(14,4);

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN anomaly_spike BOOLEAN;

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN open_anomalies BIGINT;
