-- 013_run_anomaly_columns.sql
-- Creates: three columns of recon.dwd_recon_anomaly_metrics holding the anomaly figures of a run:
-- the 30-day daily average of anomalies before the business date, whether the date's count is a
-- spike (count > anomalySpikeMultiplier × average), and the open anomalies in all. One column per
-- statement (Redshift adds one column per ALTER TABLE).
-- Grain: unchanged, one row per pipeline run.

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN anomaly_count_30d_avg DECIMAL(14,4);

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN anomaly_spike BOOLEAN;

ALTER TABLE recon.dwd_recon_anomaly_metrics ADD COLUMN open_anomalies BIGINT;
