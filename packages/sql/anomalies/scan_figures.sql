-- anomalies/scan_figures.sql
-- Figures of the anomalies of one business date for the run record and the run summary: counts
-- by type and severity, the daily average of the 30 days before as first reported by their runs
-- (spike detection, SPEC §9), and how many anomalies are open in all.
-- Grain: count_by_type_severity — one row per anomaly_type × severity of :reconDate;
-- average_30d — one row; open_total — one row.

-- step: count_by_type_severity
SELECT anomaly_type, severity, COUNT(*) AS n
FROM recon.dwd_recon_anomalies
WHERE recon_date = CAST(:reconDate AS DATE)
GROUP BY anomaly_type, severity
ORDER BY anomaly_type, severity;

-- step: average_30d
-- Each earlier date counts with what its FIRST successful run raised (as today's count is a first
-- evaluation: later re-evaluations only add late findings), over the days of the 30 before D that
-- had a successful run.
SELECT
    COUNT(*) AS days,
    CASE WHEN COUNT(*) = 0 THEN NULL
         ELSE CAST(SUM(COALESCE(m.total_anomalies_detected, 0)) AS DECIMAL(18,4)) / CAST(COUNT(*) AS DECIMAL(18,4)) END AS average
FROM recon.dwd_recon_anomaly_metrics m
WHERE m.status = 'SUCCEEDED'
  AND m.recon_date >= DATEADD('day', -30, CAST(:reconDate AS DATE))
  AND m.recon_date < CAST(:reconDate AS DATE)
  AND m.pipeline_start_time = (
      SELECT MIN(f.pipeline_start_time)
      FROM recon.dwd_recon_anomaly_metrics f
      WHERE f.recon_date = m.recon_date
        AND f.status = 'SUCCEEDED'
  );

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
