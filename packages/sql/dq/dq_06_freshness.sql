-- dq/dq_06_freshness.sql
-- DQ-06 FRESHNESS (SPEC §6): the latest create_time among the rows of business date D and the
-- seconds from it to the reference instant :referenceAt (bound UTC TIMESTAMP text: the earlier
-- of the run's as-of and the end of business day D, so a quiet night does not make yesterday's
-- data look stale to a run the next morning). DATEDIFF('second', a, b) is Redshift's; on
-- PostgreSQL/PGlite it is the shim in shims/postgres/001_redshift_dates.sql (whole seconds).
-- Hours and thresholds are derived in packages/core/src/dq/checks.ts.
-- Grain: one row per checked staging table (latest NULL when the table has no rows for D).

-- step: freshness
SELECT
    t.table_name,
    t.total_rows,
    t.latest_create_time,
    DATEDIFF('second', t.latest_create_time, CAST(:referenceAt AS TIMESTAMP)) AS seconds_stale
FROM (
    SELECT CAST('stg_recon_orders' AS VARCHAR(64)) AS table_name, COUNT(*) AS total_rows,
           MAX(create_time) AS latest_create_time
    FROM recon.stg_recon_orders
    WHERE biz_date = CAST(:reconDate AS DATE)
    UNION ALL
    SELECT CAST('stg_recon_trades' AS VARCHAR(64)), COUNT(*), MAX(create_time)
    FROM recon.stg_recon_trades
    WHERE biz_date = CAST(:reconDate AS DATE)
) t
ORDER BY t.table_name;
