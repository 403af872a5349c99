-- marts/dwd_two_way_reconciliation_detail.sql
-- Loads recon.dwd_two_way_reconciliation_detail (see ddl/009_reconciliation_facts.sql) from the
-- Level 1–3 result tables for every business date in [:fromDate, :toDate]: replaces those dates'
-- rows. Runs inside the caller's transaction (packages/core/src/reconcile/facts.ts).
-- Grain: one row per (recon_date, recon_level, entity_key) — one per result row, in one shape:
--   L1: entity 'ORDER' (key = order id text); left = order_amount, right = payment_amount
--       (NULL when no successful payment), difference = diff_order_payment; left_count 1,
--       right_count = payment_count.
--   L2: entity 'ORDER'; left = order_amount, right = receipt_amount_usd (NULL when no receipt),
--       difference = diff_order_receipt; left_count 1, right_count = receipt_count;
--       detail_status = fee_status, match_key = 'ORDER_ID' | 'TRADE_NO' | NULL.
--   L3: entity 'SHOP_DAY' (key = shop id text); left = total_receipt_amount, right =
--       total_income_amount, difference = variance_amount; left_count = receipt_count,
--       right_count = bill_count.
-- difference_amount is always left − right with a missing right counted as 0.
-- Parameters: :fromDate, :toDate ('YYYY-MM-DD').

-- step: delete_window
DELETE FROM recon.dwd_two_way_reconciliation_detail
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);

-- step: insert_details
INSERT INTO recon.dwd_two_way_reconciliation_detail (
    recon_date, recon_level, entity_type, entity_key, shop_id, match_status, left_amount,
    right_amount, difference_amount, left_count, right_count, detail_status, match_key
)
SELECT
    l1.recon_date,
    CAST('L1' AS VARCHAR(2)),
    CAST('ORDER' AS VARCHAR(16)),
    CAST(l1.order_id AS VARCHAR(64)),
    l1.shop_id,
    l1.match_status,
    l1.order_amount,
    l1.payment_amount,
    l1.diff_order_payment,
    1,
    l1.payment_count,
    CAST(NULL AS VARCHAR(16)),
    CAST(NULL AS VARCHAR(16))
FROM recon.stg_recon_level1_results l1
WHERE l1.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
UNION ALL
SELECT
    l2.recon_date,
    CAST('L2' AS VARCHAR(2)),
    CAST('ORDER' AS VARCHAR(16)),
    CAST(l2.order_id AS VARCHAR(64)),
    l2.shop_id,
    l2.match_status,
    l2.order_amount,
    l2.receipt_amount_usd,
    l2.diff_order_receipt,
    1,
    l2.receipt_count,
    l2.fee_status,
    l2.match_key
FROM recon.stg_recon_level2_results l2
WHERE l2.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
UNION ALL
SELECT
    l3.recon_date,
    CAST('L3' AS VARCHAR(2)),
    CAST('SHOP_DAY' AS VARCHAR(16)),
    CAST(l3.shop_id AS VARCHAR(64)),
    l3.shop_id,
    l3.match_status,
    l3.total_receipt_amount,
    l3.total_income_amount,
    l3.variance_amount,
    l3.receipt_count,
    l3.bill_count,
    CAST(NULL AS VARCHAR(16)),
    CAST(NULL AS VARCHAR(16))
FROM recon.stg_recon_level3_results l3
WHERE l3.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE);
