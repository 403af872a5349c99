-- reports/weekly_report.sql
-- The weeks of the weekly finance summary (seed phase 4 §7.2) from recon.v_recon_weekly_summary,
-- whose rates are weighted (Σ matched / Σ total of the week), never averages of daily rates.
-- Grain: weeks — one row per week (week_start, a Monday) in [:fromWeek, :toWeek] that has a daily
-- summary row, oldest first; weeks without any result are absent (the report shows them empty).
-- Parameters: :fromWeek, :toWeek ('YYYY-MM-DD', Mondays).

-- step: weeks
SELECT
    w.week_start, w.days, w.l1_total, w.l1_matched, w.l1_match_rate_pct, w.l2_match_rate_pct,
    w.l3_match_rate_pct, w.total_matched_revenue, w.total_unmatched_revenue, w.total_anomalies,
    w.total_critical, w.total_resolved, w.resolution_rate_pct
FROM recon.v_recon_weekly_summary w
WHERE w.week_start >= CAST(:fromWeek AS DATE)
  AND w.week_start <= CAST(:toWeek AS DATE)
ORDER BY w.week_start;
