-- match/match_level2.sql
-- Level 2, order ↔ finance receipt (SPEC §5; seed §6 with its OR-join and fan-out fixed), for
-- every business date in [:fromDate, :toDate]: replaces the rows of recon.stg_recon_level2_results
-- for those dates. Runs inside the caller's transaction (packages/core/src/reconcile/match.ts).
-- Grain: one row per (recon_date, order_id) — each order of staging with order_status IN (5,6,7),
-- currency_code 'USD' and biz_date in the window; recon_date = the order's biz_date.
-- Receipts: active ones (receipt_status = 1), of any date, found by two equi-join aggregates —
--   by_order_id: receipt.order_id_str = order.order_id_str (match_key 'ORDER_ID');
--   by_trade_no: only for orders with no by_order_id receipt, receipt.tp_serial_no = one of the
--     trade numbers of the order's successful payments (match_key 'TRADE_NO'); each
--     (order, receipt) pair is kept once, so a receipt is summed once however many payments
--     share its trade number. An empty or blank trade number identifies nothing: it finds no receipt.
-- and combined with CASE (never an OR-join, which is quadratic). Several receipts are summed
-- (receipt_count; receipt_id = the smallest; receipt_create_time = the earliest).
-- match_status: MISSING_RECEIPT, AMOUNT_MISMATCH (|order − receipts| > :l2AmountTolerance), MATCHED.
-- fee_status on the summed stripe_fee_usd (t_finance_receipt.difference_amount): NO_RECEIPT,
-- ZERO_FEE (< 0.01), LOW_FEE (< :stripeFeeMin), HIGH_FEE (> :stripeFeeMax), NORMAL_FEE.
-- diff_order_receipt treats a missing receipt as 0; receipt amounts stay NULL when none matched.
-- Parameters: :fromDate, :toDate, :l2AmountTolerance, :stripeFeeMin, :stripeFeeMax.
-- No wall-clock column: re-running a window rewrites identical rows.

-- step: delete_window
DELETE FROM recon.stg_recon_level2_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_results
INSERT INTO recon.stg_recon_level2_results (
    recon_date, order_id, order_id_str, order_no, shop_id, order_amount, trade_no, receipt_id,
    receipt_count, match_key, receipt_amount_usd, stripe_fee_usd, net_receipt_usd, match_status,
    diff_order_receipt, fee_status, receipt_create_time
)
WITH order_base AS (
    -- The universe: completed USD orders of the window (one row per order_id).
    SELECT
        o.order_id,
        o.order_id_str,
        o.order_no,
        o.shop_id,
        o.pay_amount_usd AS order_amount,
        o.biz_date       AS recon_date
    FROM recon.stg_recon_orders o
    WHERE o.order_status IN (5, 6, 7)
      AND o.currency_code = 'USD'
      AND o.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
),

order_trade_nos AS (
    -- Distinct trade numbers of each order's successful payments (one row per order × trade_no).
    SELECT DISTINCT p.order_id, p.trade_no
    FROM recon.stg_recon_payments p
    JOIN order_base ob ON ob.order_id = p.order_id
    WHERE p.pay_status = 1
),

order_first_trade AS (
    -- One row per order with a successful payment: its smallest trade number.
    SELECT order_id, MIN(trade_no) AS trade_no
    FROM order_trade_nos
    GROUP BY order_id
),

active_receipts AS (
    SELECT
        r.receipt_id,
        r.order_id_str,
        r.tp_serial_no,
        r.receipt_amount_usd,
        r.stripe_fee_usd,
        r.net_receipt_usd,
        r.create_time
    FROM recon.stg_recon_receipts r
    WHERE r.receipt_status = 1
),

by_order_id AS (
    -- Primary match: one row per order with at least one receipt carrying its id.
    SELECT
        ob.order_id,
        COUNT(*)                  AS receipt_count,
        SUM(ar.receipt_amount_usd) AS receipt_amount,
        SUM(ar.stripe_fee_usd)     AS stripe_fee,
        SUM(ar.net_receipt_usd)    AS net_receipt,
        MIN(ar.receipt_id)         AS receipt_id,
        MIN(ar.create_time)        AS receipt_create_time
    FROM order_base ob
    JOIN active_receipts ar ON ar.order_id_str = ob.order_id_str
    GROUP BY ob.order_id
),

fallback_pairs AS (
    -- Orders without a by_order_id receipt, paired with receipts whose tp_serial_no is one of
    -- their trade numbers (one row per order × receipt).
    SELECT DISTINCT otn.order_id, ar.receipt_id
    FROM order_trade_nos otn
    JOIN active_receipts ar ON ar.tp_serial_no = otn.trade_no
    LEFT JOIN by_order_id bo ON bo.order_id = otn.order_id
    WHERE bo.order_id IS NULL
      AND TRIM(otn.trade_no) <> ''
),

by_trade_no AS (
    -- Fallback match: one row per order with at least one receipt found by trade number.
    SELECT
        fp.order_id,
        COUNT(*)                  AS receipt_count,
        SUM(ar.receipt_amount_usd) AS receipt_amount,
        SUM(ar.stripe_fee_usd)     AS stripe_fee,
        SUM(ar.net_receipt_usd)    AS net_receipt,
        MIN(ar.receipt_id)         AS receipt_id,
        MIN(ar.create_time)        AS receipt_create_time
    FROM fallback_pairs fp
    JOIN active_receipts ar ON ar.receipt_id = fp.receipt_id
    GROUP BY fp.order_id
),

combined AS (
    SELECT
        ob.recon_date,
        ob.order_id,
        ob.order_id_str,
        ob.order_no,
        ob.shop_id,
        ob.order_amount,
        oft.trade_no,
        CASE
            WHEN bo.order_id IS NOT NULL THEN 'ORDER_ID'
            WHEN bt.order_id IS NOT NULL THEN 'TRADE_NO'
        END AS match_key,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.receipt_id ELSE bt.receipt_id END AS receipt_id,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.receipt_count ELSE COALESCE(bt.receipt_count, 0) END
            AS receipt_count,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.receipt_amount ELSE bt.receipt_amount END
            AS receipt_amount,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.stripe_fee ELSE bt.stripe_fee END AS stripe_fee,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.net_receipt ELSE bt.net_receipt END AS net_receipt,
        CASE WHEN bo.order_id IS NOT NULL THEN bo.receipt_create_time ELSE bt.receipt_create_time END
            AS receipt_create_time
    FROM order_base ob
    LEFT JOIN order_first_trade oft ON oft.order_id = ob.order_id
    LEFT JOIN by_order_id bo ON bo.order_id = ob.order_id
    LEFT JOIN by_trade_no bt ON bt.order_id = ob.order_id
)

SELECT
    c.recon_date,
    c.order_id,
    c.order_id_str,
    c.order_no,
    c.shop_id,
    c.order_amount,
    c.trade_no,
    c.receipt_id,
    c.receipt_count,
    c.match_key,
    c.receipt_amount,
    c.stripe_fee,
    c.net_receipt,
    CASE
        WHEN c.receipt_count = 0 THEN 'MISSING_RECEIPT'
        WHEN ABS(c.order_amount - c.receipt_amount) > CAST(:l2AmountTolerance AS DECIMAL(18,6))
            THEN 'AMOUNT_MISMATCH'
        ELSE 'MATCHED'
    END AS match_status,
    c.order_amount - COALESCE(c.receipt_amount, 0) AS diff_order_receipt,
    CASE
        WHEN c.receipt_count = 0 THEN 'NO_RECEIPT'
        WHEN c.stripe_fee < 0.01 THEN 'ZERO_FEE'
        WHEN c.stripe_fee < CAST(:stripeFeeMin AS DECIMAL(18,6)) THEN 'LOW_FEE'
        WHEN c.stripe_fee > CAST(:stripeFeeMax AS DECIMAL(18,6)) THEN 'HIGH_FEE'
        ELSE 'NORMAL_FEE'
    END AS fee_status,
    c.receipt_create_time
FROM combined c;
