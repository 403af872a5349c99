-- dq/dq_failed_dates.sql
-- Business dates of a window whose latest data-quality pre-checks FAILed (their run halted): the
-- re-evaluation of later runs leaves them out, so a date the gate stopped is never matched on the
-- data that failed, until a run for that date passes its checks.
-- Grain: one row per business date with at least one stored pre-check FAIL (DQ-07 excluded: it
-- alerts, never halts).

-- step: failed_dates
SELECT DISTINCT recon_date
FROM recon.dwd_recon_dq_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
  AND status = 'FAIL'
  AND check_id <> 'DQ-07'
ORDER BY recon_date;
