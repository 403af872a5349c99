-- anomalies/scan_figures.sql
-- Figures of the anomalies of one business date for the run record and the run summary: counts
-- by type and severity, the daily average of the 30 days before (spike detection, SPEC §9), and
-- how many anomalies are open in all.
-- Grain: count_by_type_severity — one row per anomaly_type × severity of :reconDate;
-- average_30d — one row; open_total — one row.

-- step: count_by_type_severity
SELECT anomaly_type, severity, COUNT(*) AS n
FROM recon.dwd_recon_anomalies
WHERE recon_date = CAST(:reconDate AS DATE)
GROUP BY anomaly_type, severity
ORDER BY anomaly_type, severity;

-- step: average_30d
-- Days that had a successful run in the 30 days before D count, with or without anomalies.
SELECT
    COUNT(*) AS days,
    CASE WHEN COUNT(*) = 0 THEN NULL
         ELSE CAST(SUM(d.n) AS DECIMAL(18,4)) / CAST(COUNT(*) AS DECIMAL(18,4)) END AS average
FROM (
    SELECT r.recon_date, COUNT(a.anomaly_id) AS n
    FROM (
        SELECT DISTINCT recon_date
        FROM recon.dwd_recon_anomaly_metrics
        WHERE status = 'SUCCEEDED'
          AND recon_date >= DATEADD('day', -30, CAST(:reconDate AS DATE))
          AND recon_date < CAST(:reconDate AS DATE)
    ) r
    LEFT JOIN recon.dwd_recon_anomalies a ON a.recon_date = r.recon_date
    GROUP BY r.recon_date
) d;

-- step: open_total
SELECT COUNT(*) AS n
FROM recon.dwd_recon_anomalies
WHERE status IN ('OPEN', 'INVESTIGATING');

-- step: count_all_by_type_severity
-- Every anomaly on record, by type and severity, with how many are still open.
SELECT anomaly_type, severity, COUNT(*) AS n,
       SUM(CASE WHEN status IN ('OPEN', 'INVESTIGATING') THEN 1 ELSE 0 END) AS open_n
FROM recon.dwd_recon_anomalies
GROUP BY anomaly_type, severity
ORDER BY anomaly_type, severity;
