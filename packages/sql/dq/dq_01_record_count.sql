-- dq/dq_01_record_count.sql
-- DQ-01 RECORD_COUNT (SPEC §6): rows per business date of the four transaction staging tables,
-- for the run's date D and the dates its baseline may come from (D−1 and the same weekday of the
-- previous 4 weeks, D−7…D−28). The dates are bound by the caller (computed from D, never
-- CURRENT_DATE); the baseline (median or previous day) and the thresholds are applied in
-- packages/core/src/dq/checks.ts.
-- Grain: one row per staging table × business date that has rows (a date without rows is absent).

-- step: daily_counts
SELECT CAST('stg_recon_orders' AS VARCHAR(64)) AS table_name, biz_date, COUNT(*) AS row_count
FROM recon.stg_recon_orders
WHERE biz_date IN (CAST(:reconDate AS DATE), CAST(:prevDay AS DATE), CAST(:week1 AS DATE),
                   CAST(:week2 AS DATE), CAST(:week3 AS DATE), CAST(:week4 AS DATE))
GROUP BY biz_date
UNION ALL
SELECT CAST('stg_recon_payments' AS VARCHAR(64)), biz_date, COUNT(*)
FROM recon.stg_recon_payments
WHERE biz_date IN (CAST(:reconDate AS DATE), CAST(:prevDay AS DATE), CAST(:week1 AS DATE),
                   CAST(:week2 AS DATE), CAST(:week3 AS DATE), CAST(:week4 AS DATE))
GROUP BY biz_date
UNION ALL
SELECT CAST('stg_recon_trades' AS VARCHAR(64)), biz_date, COUNT(*)
FROM recon.stg_recon_trades
WHERE biz_date IN (CAST(:reconDate AS DATE), CAST(:prevDay AS DATE), CAST(:week1 AS DATE),
                   CAST(:week2 AS DATE), CAST(:week3 AS DATE), CAST(:week4 AS DATE))
GROUP BY biz_date
UNION ALL
SELECT CAST('stg_recon_receipts' AS VARCHAR(64)), biz_date, COUNT(*)
FROM recon.stg_recon_receipts
WHERE biz_date IN (CAST(:reconDate AS DATE), CAST(:prevDay AS DATE), CAST(:week1 AS DATE),
                   CAST(:week2 AS DATE), CAST(:week3 AS DATE), CAST(:week4 AS DATE))
GROUP BY biz_date
ORDER BY table_name, biz_date;
