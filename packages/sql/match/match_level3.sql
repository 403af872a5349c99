-- match/match_level3.sql
-- Level 3, finance receipts ↔ accounting income bills per shop × business date (SPEC §5; seed §7
-- with business dates instead of UTC dates and a portable key set instead of chained FULL JOINs),
-- for every business date in [:fromDate, :toDate]: replaces the rows of
-- recon.stg_recon_level3_results for those dates. Runs inside the caller's transaction.
-- Grain: one row per (recon_date, shop_id) — each shop × business date in the window with an
-- active receipt (receipt_status = 1, by the receipt's biz_date), a valid income bill
-- (bill_status = 1, by biz_date) or a completed USD order (order_status IN (5,6,7), by biz_date).
-- The key set is the UNION of the three (shop_id, date) sets; each aggregate is LEFT JOINed to it
-- on equality, so no aggregate row can fan out. A missing side counts as 0 (count and amounts).
-- match_status, first that applies: MISSING_INCOME_BILL (no valid bill), MISSING_RECEIPTS (no
-- active receipt), MATCHED (|gross − income| ≤ :l3AmountTolerance), MATCHED_NET
-- (|net − income| ≤ the same), AMOUNT_MISMATCH.
-- variance_amount = gross receipts − income; variance_pct = variance_amount × 100 / income,
-- rounded to 4 decimals, NULL when income is 0 (or missing). diff_net = net − income,
-- diff_receipt_order = gross − orders, diff_income_order = income − orders.
-- Parameters: :fromDate, :toDate, :l3AmountTolerance.
-- No wall-clock column: re-running a window rewrites identical rows.

-- step: delete_window
DELETE FROM recon.stg_recon_level3_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_results
INSERT INTO recon.stg_recon_level3_results (
    recon_date, shop_id, receipt_count, total_receipt_amount, total_stripe_fees, total_net_receipt,
    bill_count, total_income_amount, order_count, total_order_amount, match_status,
    variance_amount, variance_pct, diff_net, diff_receipt_order, diff_income_order
)
WITH receipt_days AS (
    -- One row per shop × receipt business date with at least one active receipt.
    SELECT
        r.shop_id,
        r.biz_date              AS recon_date,
        COUNT(*)                AS receipt_count,
        SUM(r.receipt_amount_usd) AS total_receipt_amount,
        SUM(r.stripe_fee_usd)   AS total_stripe_fees,
        SUM(r.net_receipt_usd)  AS total_net_receipt
    FROM recon.stg_recon_receipts r
    WHERE r.receipt_status = 1
      AND r.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
    GROUP BY r.shop_id, r.biz_date
),

income_days AS (
    -- One row per shop × biz_date with at least one valid income bill.
    SELECT
        b.shop_id,
        b.biz_date      AS recon_date,
        COUNT(*)        AS bill_count,
        SUM(b.amount_usd) AS total_income_amount
    FROM recon.stg_recon_income_bills b
    WHERE b.bill_status = 1
      AND b.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
    GROUP BY b.shop_id, b.biz_date
),

order_days AS (
    -- One row per shop × order business date with at least one completed USD order.
    SELECT
        o.shop_id,
        o.biz_date          AS recon_date,
        COUNT(*)            AS order_count,
        SUM(o.pay_amount_usd) AS total_order_amount
    FROM recon.stg_recon_orders o
    WHERE o.order_status IN (5, 6, 7)
      AND o.currency_code = 'USD'
      AND o.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
    GROUP BY o.shop_id, o.biz_date
),

shop_days AS (
    -- The key set: one row per shop × date present in any of the three.
    SELECT shop_id, recon_date FROM receipt_days
    UNION
    SELECT shop_id, recon_date FROM income_days
    UNION
    SELECT shop_id, recon_date FROM order_days
),

combined AS (
    SELECT
        k.recon_date,
        k.shop_id,
        r.shop_id                          AS receipt_shop_id,
        i.shop_id                          AS income_shop_id,
        COALESCE(r.receipt_count, 0)        AS receipt_count,
        COALESCE(r.total_receipt_amount, 0) AS total_receipt_amount,
        COALESCE(r.total_stripe_fees, 0)    AS total_stripe_fees,
        COALESCE(r.total_net_receipt, 0)    AS total_net_receipt,
        COALESCE(i.bill_count, 0)           AS bill_count,
        COALESCE(i.total_income_amount, 0)  AS total_income_amount,
        COALESCE(o.order_count, 0)          AS order_count,
        COALESCE(o.total_order_amount, 0)   AS total_order_amount
    FROM shop_days k
    LEFT JOIN receipt_days r ON r.shop_id = k.shop_id AND r.recon_date = k.recon_date
    LEFT JOIN income_days i ON i.shop_id = k.shop_id AND i.recon_date = k.recon_date
    LEFT JOIN order_days o ON o.shop_id = k.shop_id AND o.recon_date = k.recon_date
)

SELECT
    c.recon_date,
    c.shop_id,
    c.receipt_count,
    c.total_receipt_amount,
    c.total_stripe_fees,
    c.total_net_receipt,
    c.bill_count,
    c.total_income_amount,
    c.order_count,
    c.total_order_amount,
    CASE
        WHEN c.income_shop_id IS NULL THEN 'MISSING_INCOME_BILL'
        WHEN c.receipt_shop_id IS NULL THEN 'MISSING_RECEIPTS'
        WHEN ABS(c.total_receipt_amount - c.total_income_amount) <= CAST(:l3AmountTolerance AS DECIMAL(18,6))
            THEN 'MATCHED'
        WHEN ABS(c.total_net_receipt - c.total_income_amount) <= CAST(:l3AmountTolerance AS DECIMAL(18,6))
            THEN 'MATCHED_NET'
        ELSE 'AMOUNT_MISMATCH'
    END AS match_status,
    c.total_receipt_amount - c.total_income_amount AS variance_amount,
    CASE
        WHEN c.total_income_amount = 0 THEN NULL
        ELSE CAST(
            CAST((c.total_receipt_amount - c.total_income_amount) * 100 AS DECIMAL(18,2))
            / CAST(c.total_income_amount AS DECIMAL(18,2))
            AS DECIMAL(18,4)
        )
    END AS variance_pct,
    c.total_net_receipt - c.total_income_amount   AS diff_net,
    c.total_receipt_amount - c.total_order_amount AS diff_receipt_order,
    c.total_income_amount - c.total_order_amount  AS diff_income_order
FROM combined c;
