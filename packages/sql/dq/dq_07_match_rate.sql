-- dq/dq_07_match_rate.sql
-- DQ-07 MATCH_RATE (SPEC §6, post-check): result rows and matched rows of business date D per
-- match level. L1 and L2 hold one row per order (matched = MATCHED); L3 one row per shop × date
-- (matched = MATCHED or MATCHED_NET). Rates and thresholds are computed exactly in
-- packages/core/src/dq/checks.ts.
-- Grain: one row per level (total_rows 0 when the level has no rows for D).

-- step: match_counts
SELECT
    CAST('L1' AS VARCHAR(8)) AS recon_level,
    COUNT(*) AS total_rows,
    COALESCE(SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END), 0) AS matched_rows
FROM recon.stg_recon_level1_results
WHERE recon_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT CAST('L2' AS VARCHAR(8)), COUNT(*),
       COALESCE(SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END), 0)
FROM recon.stg_recon_level2_results
WHERE recon_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT CAST('L3' AS VARCHAR(8)), COUNT(*),
       COALESCE(SUM(CASE WHEN match_status IN ('MATCHED', 'MATCHED_NET') THEN 1 ELSE 0 END), 0)
FROM recon.stg_recon_level3_results
WHERE recon_date = CAST(:reconDate AS DATE)
ORDER BY recon_level;
