-- anomalies/lifecycle_summary.sql
-- Refreshes recon.dwd_recon_anomaly_summary (ddl/014_anomaly_views.sql) for the business dates
-- [:fromDate, :toDate] from recon.dwd_recon_anomalies: after every anomaly scan (the dates it
-- re-evaluated) and after a person triages an anomaly (that anomaly's date). Runs in the caller's
-- transaction; delete-then-insert, so refreshing twice leaves the same rows.
-- Grain: one row per recon_date × anomaly_type × severity with at least one anomaly.

-- step: lock_summary
-- A scan and a triage command refreshing overlapping dates at once would both delete and
-- re-insert the same rows (a duplicate-key failure that rolls back a person's change): the
-- refreshes take turns. LOCK is valid on Redshift and PostgreSQL.
LOCK recon.dwd_recon_anomaly_summary;

-- step: delete_summary
DELETE FROM recon.dwd_recon_anomaly_summary
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_summary
INSERT INTO recon.dwd_recon_anomaly_summary
    (recon_date, anomaly_type, anomaly_name, severity, total_count, open_count, investigating_count,
     resolved_count, false_positive_count, auto_resolved_count, total_affected_amount,
     open_affected_amount)
SELECT
    a.recon_date,
    a.anomaly_type,
    MAX(a.anomaly_name),
    a.severity,
    COUNT(*),
    SUM(CASE WHEN a.status = 'OPEN' THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.status = 'INVESTIGATING' THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.status = 'RESOLVED' THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.status = 'FALSE_POSITIVE' THEN 1 ELSE 0 END),
    SUM(CASE WHEN a.status = 'AUTO_RESOLVED' THEN 1 ELSE 0 END),
    COALESCE(SUM(a.affected_amount), 0),
    COALESCE(SUM(CASE WHEN a.status IN ('OPEN', 'INVESTIGATING') THEN a.affected_amount ELSE 0 END), 0)
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
GROUP BY a.recon_date, a.anomaly_type, a.severity;
