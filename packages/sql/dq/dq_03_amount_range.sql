-- dq/dq_03_amount_range.sql
-- DQ-03 AMOUNT_RANGE (SPEC §6): smallest and largest amount of business date D in each
-- transaction staging table (negative → FAIL, above dqAmountMax → WARN, applied in
-- packages/core/src/dq/checks.ts). Amounts are DECIMAL(12,2) and come back as exact text.
-- Grain: one row per checked staging table (min/max NULL when the table has no rows for D).

-- step: amount_range
SELECT
    CAST('stg_recon_orders' AS VARCHAR(64)) AS table_name,
    CAST('pay_amount_usd' AS VARCHAR(64)) AS amount_column,
    COUNT(*) AS total_rows,
    MIN(pay_amount_usd) AS min_amount,
    MAX(pay_amount_usd) AS max_amount
FROM recon.stg_recon_orders
WHERE biz_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT CAST('stg_recon_payments' AS VARCHAR(64)), CAST('pay_amount_usd' AS VARCHAR(64)), COUNT(*),
       MIN(pay_amount_usd), MAX(pay_amount_usd)
FROM recon.stg_recon_payments
WHERE biz_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT CAST('stg_recon_trades' AS VARCHAR(64)), CAST('trade_amount_usd' AS VARCHAR(64)), COUNT(*),
       MIN(trade_amount_usd), MAX(trade_amount_usd)
FROM recon.stg_recon_trades
WHERE biz_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT CAST('stg_recon_receipts' AS VARCHAR(64)), CAST('receipt_amount_usd' AS VARCHAR(64)), COUNT(*),
       MIN(receipt_amount_usd), MAX(receipt_amount_usd)
FROM recon.stg_recon_receipts
WHERE biz_date = CAST(:reconDate AS DATE);
