-- bench/seed-sql/level2.sql
-- The seed design's Level 2 (order ↔ finance receipt), for the seed comparison of
-- bench/seed-compare.ts. Source: /work/shared/seeds/phase2-etl-reconciliation-design.md,
-- §6 "Reconciliation Match Logic — Level 2", "SQL Implementation", lines 724–794
-- (`CREATE TABLE stg_recon_level2_results AS WITH order_with_payment AS (…) … LEFT JOIN
-- receipt_base rb ON owp.order_id_str = rb.receipt_order_id OR owp.trade_no = rb.tp_serial_no;`,
-- the OR-join at line 794).
--
-- Below is the seed's query (its WITH … SELECT) with ONLY these adaptations, all renames:
--   1. `CREATE TABLE stg_recon_level2_results AS` is not here: bench/seed-compare.ts wraps this
--      query as `CREATE TEMP TABLE seed_l2 AS <query> WITH NO DATA` (untimed) and then times
--      `INSERT INTO seed_l2 <query>` under `SET LOCAL statement_timeout`, inside a transaction
--      that is rolled back (the product's step is an INSERT … SELECT as well).
--   2. Staging tables schema-qualified: stg_recon_orders → recon.stg_recon_orders,
--      stg_recon_payments → recon.stg_recon_payments, stg_recon_receipts → recon.stg_recon_receipts.
--   3. `o.dt` → `o.biz_date AS dt`: the product's staging tables have no `dt` (the seed's
--      extract-date partition column); their date column is biz_date. The output column keeps
--      the seed's name `dt`, so `owp.dt` below is unchanged.
--   4. The seed selects `rb.stripe_fee_usd` twice (once after net_receipt_usd, once after
--      fee_status); a table cannot have two columns of one name (PostgreSQL and Redshift both
--      refuse the seed's CREATE TABLE AS), so the second one is aliased
--      `rb.stripe_fee_usd AS stripe_fee_usd_2`. Same value, same cost.
-- Unchanged: every join, including the OR-join on (order_id_str = receipt_order_id OR trade_no =
-- tp_serial_no) and the fan-out on several successful payments; every predicate (no date filter:
-- the seed reconciles the whole staging table); the hard-coded 0.01 / 2.00 / 8.00 thresholds;
-- CURRENT_TIMESTAMP AS reconciled_at.

-- step: seed_level2
WITH order_with_payment AS (
    SELECT
        o.order_id,
        o.order_id_str,
        o.order_no,
        o.shop_id,
        o.pay_amount_usd      AS order_amount,
        o.biz_date AS dt,
        p.trade_no
    FROM recon.stg_recon_orders o
    LEFT JOIN recon.stg_recon_payments p ON o.order_id = p.order_id AND p.pay_status = 1
    WHERE o.order_status IN (5, 6, 7)
),

receipt_base AS (
    SELECT
        r.receipt_id,
        r.order_id_str        AS receipt_order_id,
        r.order_no             AS receipt_order_no,
        r.tp_serial_no,
        r.receipt_amount_usd,
        r.stripe_fee_usd,
        r.net_receipt_usd,
        r.receipt_status,
        r.shop_id              AS receipt_shop_id,
        r.create_time          AS receipt_create_time
    FROM recon.stg_recon_receipts r
    WHERE r.receipt_status = 1  -- active receipts
)

SELECT
    owp.order_id,
    owp.order_id_str,
    owp.order_no,
    owp.shop_id,
    owp.order_amount,
    owp.trade_no,
    rb.receipt_id,
    rb.receipt_amount_usd,
    rb.stripe_fee_usd,
    rb.net_receipt_usd,
    owp.dt,

    -- Match flags
    CASE
        WHEN rb.receipt_id IS NULL THEN 'MISSING_RECEIPT'
        WHEN ABS(owp.order_amount - rb.receipt_amount_usd) > 0.01 THEN 'AMOUNT_MISMATCH'
        ELSE 'MATCHED'
    END AS match_status,

    -- Amount differences
    COALESCE(owp.order_amount - rb.receipt_amount_usd, 0) AS diff_order_receipt,

    -- Stripe fee validation
    CASE
        WHEN rb.stripe_fee_usd IS NULL THEN 'NO_RECEIPT'
        WHEN rb.stripe_fee_usd < 0.01 THEN 'ZERO_FEE'
        WHEN rb.stripe_fee_usd < 2.00 THEN 'LOW_FEE'
        WHEN rb.stripe_fee_usd > 8.00 THEN 'HIGH_FEE'
        ELSE 'NORMAL_FEE'
    END AS fee_status,

    rb.stripe_fee_usd AS stripe_fee_usd_2,
    rb.receipt_create_time,
    CURRENT_TIMESTAMP AS reconciled_at

FROM order_with_payment owp
LEFT JOIN receipt_base rb
    ON owp.order_id_str = rb.receipt_order_id
    OR owp.trade_no = rb.tp_serial_no;  -- fallback join via trade_no
