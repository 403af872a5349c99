-- bench/seed-sql/level1.sql
-- The seed design's Level 1 (order ↔ payment ↔ trade), for the seed comparison of
-- bench/seed-compare.ts. Source: /work/shared/seeds/phase2-etl-reconciliation-design.md,
-- §5 "Reconciliation Match Logic — Level 1", "SQL Implementation", lines 604–683
-- (`CREATE TABLE stg_recon_level1_results AS WITH order_base AS (…) … LEFT JOIN payment_base pb
-- ON ob.order_id = pb.order_id LEFT JOIN trade_base tb ON pb.trade_no = tb.trade_no;`).
--
-- Below is the seed's query (its WITH … SELECT) with ONLY these adaptations, all renames:
--   1. `CREATE TABLE stg_recon_level1_results AS` is not here: bench/seed-compare.ts wraps this
--      query as `CREATE TEMP TABLE seed_l1 AS <query> WITH NO DATA` (untimed) and then times
--      `INSERT INTO seed_l1 <query>`, inside a transaction that is rolled back (the product's
--      step is an INSERT … SELECT as well, so both sides run under the same planner rules).
--   2. Staging tables schema-qualified: stg_recon_orders → recon.stg_recon_orders,
--      stg_recon_payments → recon.stg_recon_payments, stg_recon_trades → recon.stg_recon_trades.
--   3. `o.dt` → `o.biz_date AS dt`: the product's staging tables have no `dt` (the seed's
--      extract-date partition column); their date column is biz_date. The output column keeps
--      the seed's name `dt`, so `ob.dt` below is unchanged.
--   4. `TIMESTAMPDIFF(SECOND, a, b)` (MySQL) → `DATEDIFF('second', a, b)`: the Redshift spelling
--      the product's own models use, provided on PostgreSQL by the product's shim
--      packages/sql/shims/postgres/001_redshift_dates.sql (same arguments, same result).
-- Unchanged: every join (including the fan-out: one row per order × successful payment ×
-- successful trade of that trade_no), every predicate (no date filter: the seed reconciles the
-- whole staging table), the hard-coded 0.01 tolerance, CURRENT_TIMESTAMP AS reconciled_at.

-- step: seed_level1
WITH order_base AS (
    SELECT
        o.order_id,
        o.order_id_str,
        o.order_no,
        o.shop_id,
        o.pay_amount_usd      AS order_amount,
        o.order_status,
        o.pay_status           AS order_pay_status,
        o.pay_time,
        o.create_time          AS order_create_time,
        o.biz_date AS dt
    FROM recon.stg_recon_orders o
    WHERE o.order_status IN (5, 6, 7)  -- completed/settled orders
),

payment_base AS (
    SELECT
        p.order_id,
        p.trade_no,
        p.pay_amount_usd      AS payment_amount,
        p.pay_status           AS payment_pay_status,
        p.create_time          AS payment_create_time
    FROM recon.stg_recon_payments p
    WHERE p.pay_status = 1  -- successful payments only
),

trade_base AS (
    SELECT
        t.trade_no,
        t.trade_amount_usd    AS trade_amount,
        t.trade_status,
        t.channel_type,
        t.channel_trade_no,
        t.complete_time        AS trade_complete_time
    FROM recon.stg_recon_trades t
    WHERE t.trade_status = 1  -- successful trades only
)

SELECT
    ob.order_id,
    ob.order_id_str,
    ob.order_no,
    ob.shop_id,
    ob.order_amount,
    pb.payment_amount,
    tb.trade_amount,
    ob.dt,

    -- Match flags
    CASE
        WHEN pb.order_id IS NULL THEN 'MISSING_PAYMENT'
        WHEN tb.trade_no IS NULL THEN 'MISSING_TRADE'
        WHEN ABS(ob.order_amount - pb.payment_amount) > 0.01 THEN 'AMOUNT_MISMATCH_ORDER_PAY'
        WHEN ABS(ob.order_amount - tb.trade_amount) > 0.01 THEN 'AMOUNT_MISMATCH_ORDER_TRADE'
        WHEN ABS(pb.payment_amount - tb.trade_amount) > 0.01 THEN 'AMOUNT_MISMATCH_PAY_TRADE'
        ELSE 'MATCHED'
    END AS match_status,

    -- Amount differences (for anomaly detection)
    COALESCE(ob.order_amount - pb.payment_amount, 0) AS diff_order_payment,
    COALESCE(ob.order_amount - tb.trade_amount, 0)   AS diff_order_trade,
    COALESCE(pb.payment_amount - tb.trade_amount, 0) AS diff_payment_trade,

    -- Timing
    ob.order_create_time,
    pb.payment_create_time,
    tb.trade_complete_time,
    DATEDIFF('second', ob.order_create_time, pb.payment_create_time) AS order_to_payment_sec,

    -- Metadata
    pb.trade_no,
    tb.channel_type,
    tb.channel_trade_no,
    CURRENT_TIMESTAMP AS reconciled_at

FROM order_base ob
LEFT JOIN payment_base pb ON ob.order_id = pb.order_id
LEFT JOIN trade_base tb ON pb.trade_no = tb.trade_no;
