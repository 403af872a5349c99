-- marts/dwd_two_way_reconciliation.sql
-- Loads recon.dwd_two_way_reconciliation (see ddl/009_reconciliation_facts.sql) from the Level 1–3
-- result tables for every business date in [:fromDate, :toDate]: replaces those dates' rows.
-- Runs inside the caller's transaction, after the match models (packages/core/src/reconcile/facts.ts).
-- Grain: one row per (recon_date, recon_level) — 'L1', 'L2' and 'L3' for every date of the window
-- with at least one result row at any level; a level with no rows that date gets totals 0 and
-- match_rate NULL.
--   total_records / matched_records / unmatched_records: result rows; matched = match_status
--     'MATCHED' (L1, L2) or 'MATCHED' / 'MATCHED_NET' (L3).
--   match_rate: matched × 100 / total, DECIMAL(7,4), NULL when total is 0.
--   total_amount / matched_amount / unmatched_amount: sum of the left side — order_amount (L1,
--     L2), total_receipt_amount (L3) — over all / matched / unmatched rows.
--   compared_amount: sum of the right side — payment_amount (L1), receipt_amount_usd (L2),
--     total_income_amount (L3); a missing side counts 0.
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD').

-- step: delete_window
DELETE FROM recon.dwd_two_way_reconciliation
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_facts
INSERT INTO recon.dwd_two_way_reconciliation (
    recon_date, recon_level, total_records, matched_records, unmatched_records, match_rate,
    total_amount, matched_amount, unmatched_amount, compared_amount
)
WITH level_rows AS (
    -- One row per result row of the window: its level, whether it matched, its two sides.
    SELECT
        l1.recon_date,
        CAST('L1' AS VARCHAR(2))                                   AS recon_level,
        CASE WHEN l1.match_status = 'MATCHED' THEN 1 ELSE 0 END    AS is_matched,
        l1.order_amount                                            AS left_amount,
        COALESCE(l1.payment_amount, 0)                             AS right_amount
    FROM recon.stg_recon_level1_results l1
    WHERE l1.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
    UNION ALL
    SELECT
        l2.recon_date,
        CAST('L2' AS VARCHAR(2)),
        CASE WHEN l2.match_status = 'MATCHED' THEN 1 ELSE 0 END,
        l2.order_amount,
        COALESCE(l2.receipt_amount_usd, 0)
    FROM recon.stg_recon_level2_results l2
    WHERE l2.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
    UNION ALL
    SELECT
        l3.recon_date,
        CAST('L3' AS VARCHAR(2)),
        CASE WHEN l3.match_status IN ('MATCHED', 'MATCHED_NET') THEN 1 ELSE 0 END,
        l3.total_receipt_amount,
        l3.total_income_amount
    FROM recon.stg_recon_level3_results l3
    WHERE l3.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
),

level_totals AS (
    -- One row per date × level that has result rows.
    SELECT
        recon_date,
        recon_level,
        COUNT(*)                                               AS total_records,
        SUM(is_matched)                                        AS matched_records,
        SUM(left_amount)                                       AS total_amount,
        SUM(CASE WHEN is_matched = 1 THEN left_amount ELSE 0 END) AS matched_amount,
        SUM(right_amount)                                      AS compared_amount
    FROM level_rows
    GROUP BY recon_date, recon_level
),

fact_dates AS (
    -- One row per date of the window with any result row.
    SELECT DISTINCT recon_date FROM level_rows
),

levels AS (
    SELECT CAST('L1' AS VARCHAR(2)) AS recon_level
    UNION ALL
    SELECT CAST('L2' AS VARCHAR(2))
    UNION ALL
    SELECT CAST('L3' AS VARCHAR(2))
)

SELECT
    d.recon_date,
    l.recon_level,
    COALESCE(t.total_records, 0)                              AS total_records,
    COALESCE(t.matched_records, 0)                            AS matched_records,
    COALESCE(t.total_records, 0) - COALESCE(t.matched_records, 0) AS unmatched_records,
    CASE
        WHEN COALESCE(t.total_records, 0) = 0 THEN NULL
        ELSE CAST(
            CAST(t.matched_records * 100 AS DECIMAL(18,4)) / CAST(t.total_records AS DECIMAL(18,4))
            AS DECIMAL(7,4)
        )
    END                                                       AS match_rate,
    COALESCE(t.total_amount, 0)                               AS total_amount,
    COALESCE(t.matched_amount, 0)                             AS matched_amount,
    COALESCE(t.total_amount, 0) - COALESCE(t.matched_amount, 0) AS unmatched_amount,
    COALESCE(t.compared_amount, 0)                            AS compared_amount
FROM fact_dates d
CROSS JOIN levels l
LEFT JOIN level_totals t ON t.recon_date = d.recon_date AND t.recon_level = l.recon_level;
