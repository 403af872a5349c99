-- dq/dq_05_duplicates.sql
-- DQ-05 DUPLICATE, business-key part (SPEC §6): values of a key that must be unique
-- (t_order.order_no, t_trade.trade_no — `businessKeys` in packages/core/src/sources/spec.ts)
-- shared by more than one primary key among the staging rows of business date D. The other
-- part (a primary key extracted twice with different content at the same version) is counted by
-- the staging load (staging/merge_staging.sql, count_pk_conflicts) and reaches the check as
-- loadStats; packages/core/src/dq/checks.ts combines both parts into one result per staging
-- table and applies the thresholds.
-- Grain: one row per staging table × business key (zeros when the table has no rows for D).

-- step: business_keys
SELECT
    CAST('stg_recon_orders' AS VARCHAR(64)) AS table_name,
    CAST('order_no' AS VARCHAR(64)) AS key_column,
    COALESCE(SUM(k.pk_count), 0) AS total_rows,
    COALESCE(SUM(CASE WHEN k.pk_count > 1 THEN 1 ELSE 0 END), 0) AS duplicate_keys,
    COALESCE(SUM(CASE WHEN k.pk_count > 1 THEN k.pk_count ELSE 0 END), 0) AS duplicate_rows
FROM (
    SELECT order_no, COUNT(DISTINCT order_id) AS pk_count
    FROM recon.stg_recon_orders
    WHERE biz_date = CAST(:reconDate AS DATE)
    GROUP BY order_no
) k
UNION ALL
SELECT
    CAST('stg_recon_trades' AS VARCHAR(64)),
    CAST('trade_no' AS VARCHAR(64)),
    COALESCE(SUM(k.pk_count), 0),
    COALESCE(SUM(CASE WHEN k.pk_count > 1 THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN k.pk_count > 1 THEN k.pk_count ELSE 0 END), 0)
FROM (
    SELECT trade_no, COUNT(DISTINCT trade_id) AS pk_count
    FROM recon.stg_recon_trades
    WHERE biz_date = CAST(:reconDate AS DATE)
    GROUP BY trade_no
) k;
