-- marts/level_summaries.sql
-- Per-level figures of one business date read from the Level 1–3 result tables (SPEC §5),
-- for packages/core/src/reconcile/summary.ts (daily report, DQ-07, run record).
-- Grain:
--   status_counts: one row per (recon_level, match_status) present that date, with its row count;
--   level_rates: one row per level ('L1', 'L2', 'L3', always all three): total rows, matched rows
--     (MATCHED; L3 also MATCHED_NET) and match_rate = matched × 100 / total rounded to 2 decimals
--     (DECIMAL(5,2), returned as exact text), NULL when the level has no rows.
-- Parameters: :reconDate ('YYYY-MM-DD').

-- step: status_counts
SELECT recon_level, match_status, CAST(COUNT(*) AS INTEGER) AS n
FROM (
    SELECT CAST('L1' AS VARCHAR(2)) AS recon_level, l1.match_status
    FROM recon.stg_recon_level1_results l1
    WHERE l1.recon_date = CAST(:reconDate AS DATE)
    UNION ALL
    SELECT CAST('L2' AS VARCHAR(2)), l2.match_status
    FROM recon.stg_recon_level2_results l2
    WHERE l2.recon_date = CAST(:reconDate AS DATE)
    UNION ALL
    SELECT CAST('L3' AS VARCHAR(2)), l3.match_status
    FROM recon.stg_recon_level3_results l3
    WHERE l3.recon_date = CAST(:reconDate AS DATE)
) day_rows
GROUP BY recon_level, match_status
ORDER BY recon_level, match_status;

-- step: level_rates
SELECT
    lv.recon_level,
    CAST(COALESCE(t.total_records, 0) AS INTEGER)   AS total,
    CAST(COALESCE(t.matched_records, 0) AS INTEGER) AS matched,
    CASE
        WHEN COALESCE(t.total_records, 0) = 0 THEN NULL
        ELSE CAST(
            CAST(t.matched_records * 100 AS DECIMAL(18,4)) / CAST(t.total_records AS DECIMAL(18,4))
            AS DECIMAL(5,2)
        )
    END AS match_rate
FROM (
    SELECT CAST('L1' AS VARCHAR(2)) AS recon_level
    UNION ALL
    SELECT CAST('L2' AS VARCHAR(2))
    UNION ALL
    SELECT CAST('L3' AS VARCHAR(2))
) lv
LEFT JOIN (
    SELECT
        recon_level,
        COUNT(*)        AS total_records,
        SUM(is_matched) AS matched_records
    FROM (
        SELECT
            CAST('L1' AS VARCHAR(2)) AS recon_level,
            CASE WHEN l1.match_status = 'MATCHED' THEN 1 ELSE 0 END AS is_matched
        FROM recon.stg_recon_level1_results l1
        WHERE l1.recon_date = CAST(:reconDate AS DATE)
        UNION ALL
        SELECT
            CAST('L2' AS VARCHAR(2)),
            CASE WHEN l2.match_status = 'MATCHED' THEN 1 ELSE 0 END
        FROM recon.stg_recon_level2_results l2
        WHERE l2.recon_date = CAST(:reconDate AS DATE)
        UNION ALL
        SELECT
            CAST('L3' AS VARCHAR(2)),
            CASE WHEN l3.match_status IN ('MATCHED', 'MATCHED_NET') THEN 1 ELSE 0 END
        FROM recon.stg_recon_level3_results l3
        WHERE l3.recon_date = CAST(:reconDate AS DATE)
    ) day_rows
    GROUP BY recon_level
) t ON t.recon_level = lv.recon_level
ORDER BY lv.recon_level;
