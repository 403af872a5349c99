-- match/match_level1.sql
-- Level 1, order ↔ payment ↔ trade (SPEC §5; seed §5 with its fan-out fixed), for every business
-- date in [:fromDate, :toDate]: replaces the rows of recon.stg_recon_level1_results for those dates.
-- Runs inside the caller's transaction, step by step (packages/core/src/reconcile/match.ts).
-- Grain: one row per (recon_date, order_id) — each order of staging with order_status IN (5,6,7),
-- currency_code 'USD' and biz_date in the window; recon_date = the order's biz_date. An order
-- gets exactly one row whatever its number of payments or trades:
--   * successful payments (pay_status = 1) are aggregated per order (payment_count,
--     payment_amount = their sum, payment_create_time = the earliest, trade_no = the smallest);
--   * successful trades (trade_status = 1) are aggregated per trade_no BEFORE any join, then
--     summed over the DISTINCT trade numbers the order's payments reference (trade_amount,
--     trade_count, trade_complete_time = the latest); a trade referenced twice counts once;
--   * payments_missing_trade counts successful payments whose trade_no has no successful trade.
--     An empty or blank trade number identifies no trade: such a payment never finds one (even a
--     trade whose number is blank too), so its order is MISSING_TRADE (DQ-02 counts those keys).
-- match_status, first that applies: MISSING_PAYMENT (no successful payment), MISSING_TRADE
-- (payments_missing_trade > 0), AMOUNT_MISMATCH_ORDER_PAY, AMOUNT_MISMATCH_ORDER_TRADE,
-- AMOUNT_MISMATCH_PAY_TRADE (|a − b| > :l1AmountTolerance), MATCHED.
-- Differences treat a missing side as 0 (an unpaid order shows its whole amount); the amount
-- columns themselves stay NULL when the side is missing (counts are then 0).
-- channel_type / channel_trade_no are those of the trade numbered trade_no.
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD'), :l1AmountTolerance (decimal text).
-- No wall-clock column: re-running a window rewrites identical rows.

-- step: delete_window
DELETE FROM recon.stg_recon_level1_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_results
INSERT INTO recon.stg_recon_level1_results (
    recon_date, order_id, order_id_str, order_no, shop_id, order_amount, payment_amount,
    trade_amount, payment_count, trade_count, payments_missing_trade, match_status,
    diff_order_payment, diff_order_trade, diff_payment_trade, order_create_time,
    payment_create_time, trade_complete_time, order_to_payment_sec, trade_no, channel_type,
    channel_trade_no
)
WITH order_base AS (
    -- The universe: completed USD orders of the window (one row per order_id).
    SELECT
        o.order_id,
        o.order_id_str,
        o.order_no,
        o.shop_id,
        o.pay_amount_usd AS order_amount,
        o.create_time    AS order_create_time,
        o.biz_date       AS recon_date
    FROM recon.stg_recon_orders o
    WHERE o.order_status IN (5, 6, 7)
      AND o.currency_code = 'USD'
      AND o.biz_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
),

order_payments AS (
    -- Successful payments of those orders (one row per payment).
    SELECT
        p.order_id,
        p.trade_no,
        p.pay_amount_usd,
        p.create_time
    FROM recon.stg_recon_payments p
    JOIN order_base ob ON ob.order_id = p.order_id
    WHERE p.pay_status = 1
),

trade_totals AS (
    -- Successful trades per trade number (one row per trade_no), restricted to the numbers the
    -- window's payments reference.
    SELECT
        t.trade_no,
        SUM(t.trade_amount_usd) AS trade_amount,
        COUNT(*)                AS trade_count,
        MAX(t.complete_time)    AS trade_complete_time,
        MIN(t.channel_type)     AS channel_type,
        MIN(t.channel_trade_no) AS channel_trade_no
    FROM recon.stg_recon_trades t
    JOIN (SELECT DISTINCT trade_no FROM order_payments) ref ON ref.trade_no = t.trade_no
    WHERE t.trade_status = 1
      AND TRIM(t.trade_no) <> ''
    GROUP BY t.trade_no
),

payment_totals AS (
    -- One row per order with at least one successful payment. trade_totals has one row per
    -- trade_no, so this join cannot fan out.
    SELECT
        op.order_id,
        COUNT(*)                                           AS payment_count,
        SUM(op.pay_amount_usd)                             AS payment_amount,
        MIN(op.create_time)                                AS payment_create_time,
        MIN(op.trade_no)                                   AS trade_no,
        SUM(CASE WHEN tt.trade_no IS NULL THEN 1 ELSE 0 END) AS payments_missing_trade
    FROM order_payments op
    LEFT JOIN trade_totals tt ON tt.trade_no = op.trade_no
    GROUP BY op.order_id
),

order_trade_totals AS (
    -- One row per order with at least one successful trade: each distinct trade number counted once.
    SELECT
        otn.order_id,
        SUM(tt.trade_amount)        AS trade_amount,
        SUM(tt.trade_count)         AS trade_count,
        MAX(tt.trade_complete_time) AS trade_complete_time
    FROM (SELECT DISTINCT order_id, trade_no FROM order_payments) otn
    JOIN trade_totals tt ON tt.trade_no = otn.trade_no
    GROUP BY otn.order_id
),

combined AS (
    SELECT
        ob.recon_date,
        ob.order_id,
        ob.order_id_str,
        ob.order_no,
        ob.shop_id,
        ob.order_amount,
        pt.payment_amount,
        ott.trade_amount,
        COALESCE(pt.payment_count, 0)          AS payment_count,
        COALESCE(ott.trade_count, 0)           AS trade_count,
        COALESCE(pt.payments_missing_trade, 0) AS payments_missing_trade,
        ob.order_amount - COALESCE(pt.payment_amount, 0)                  AS diff_order_payment,
        ob.order_amount - COALESCE(ott.trade_amount, 0)                   AS diff_order_trade,
        COALESCE(pt.payment_amount, 0) - COALESCE(ott.trade_amount, 0)    AS diff_payment_trade,
        ob.order_create_time,
        pt.payment_create_time,
        ott.trade_complete_time,
        pt.trade_no,
        ft.channel_type,
        ft.channel_trade_no
    FROM order_base ob
    LEFT JOIN payment_totals pt ON pt.order_id = ob.order_id
    LEFT JOIN order_trade_totals ott ON ott.order_id = ob.order_id
    LEFT JOIN trade_totals ft ON ft.trade_no = pt.trade_no
)

SELECT
    c.recon_date,
    c.order_id,
    c.order_id_str,
    c.order_no,
    c.shop_id,
    c.order_amount,
    c.payment_amount,
    c.trade_amount,
    c.payment_count,
    c.trade_count,
    c.payments_missing_trade,
    CASE
        WHEN c.payment_count = 0 THEN 'MISSING_PAYMENT'
        WHEN c.payments_missing_trade > 0 THEN 'MISSING_TRADE'
        WHEN ABS(c.diff_order_payment) > CAST(:l1AmountTolerance AS DECIMAL(18,6))
            THEN 'AMOUNT_MISMATCH_ORDER_PAY'
        WHEN ABS(c.diff_order_trade) > CAST(:l1AmountTolerance AS DECIMAL(18,6))
            THEN 'AMOUNT_MISMATCH_ORDER_TRADE'
        WHEN ABS(c.diff_payment_trade) > CAST(:l1AmountTolerance AS DECIMAL(18,6))
            THEN 'AMOUNT_MISMATCH_PAY_TRADE'
        ELSE 'MATCHED'
    END AS match_status,
    c.diff_order_payment,
    c.diff_order_trade,
    c.diff_payment_trade,
    c.order_create_time,
    c.payment_create_time,
    c.trade_complete_time,
    DATEDIFF('second', c.order_create_time, c.payment_create_time) AS order_to_payment_sec,
    c.trade_no,
    c.channel_type,
    c.channel_trade_no
FROM combined c;
