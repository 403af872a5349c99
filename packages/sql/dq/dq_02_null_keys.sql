-- dq/dq_02_null_keys.sql
-- DQ-02 NULL_KEY (SPEC §6): rows of business date D whose join key is NULL or empty:
-- stg_recon_payments.trade_no and stg_recon_trades.trade_no (Level 1 joins), and receipts with
-- neither order_id_str nor tp_serial_no (Level 2 matches a receipt by order id, else by trade
-- number; a receipt with only tp_serial_no is legitimate). The rate threshold is applied in
-- packages/core/src/dq/checks.ts.
-- Grain: one row per checked staging table (total_rows 0 when the table has no rows for D).

-- step: null_keys
SELECT
    CAST('stg_recon_payments' AS VARCHAR(64)) AS table_name,
    CAST('trade_no' AS VARCHAR(64)) AS key_column,
    COUNT(*) AS total_rows,
    COALESCE(SUM(CASE WHEN trade_no IS NULL OR TRIM(trade_no) = '' THEN 1 ELSE 0 END), 0) AS null_rows
FROM recon.stg_recon_payments
WHERE biz_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT
    CAST('stg_recon_trades' AS VARCHAR(64)),
    CAST('trade_no' AS VARCHAR(64)),
    COUNT(*),
    COALESCE(SUM(CASE WHEN trade_no IS NULL OR TRIM(trade_no) = '' THEN 1 ELSE 0 END), 0)
FROM recon.stg_recon_trades
WHERE biz_date = CAST(:reconDate AS DATE)
UNION ALL
SELECT
    CAST('stg_recon_receipts' AS VARCHAR(64)),
    CAST('order_id_str and tp_serial_no' AS VARCHAR(64)),
    COUNT(*),
    COALESCE(SUM(CASE
        WHEN (order_id_str IS NULL OR TRIM(order_id_str) = '')
         AND (tp_serial_no IS NULL OR TRIM(tp_serial_no) = '') THEN 1
        ELSE 0
    END), 0)
FROM recon.stg_recon_receipts
WHERE biz_date = CAST(:reconDate AS DATE);
