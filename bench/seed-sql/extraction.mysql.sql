-- bench/seed-sql/extraction.mysql.sql
-- The seed design's extraction queries (MariaDB/MySQL), one step per source table, for the
-- extraction phase of bench/seed-compare.ts. Source: /work/shared/seeds/phase2-etl-reconciliation-design.md,
-- §2.1 "Extraction Jobs": t_order lines 113–133, t_order_pay 146–158, t_finance_receipt 171–186,
-- t_trade 222–235, t_channel_fee 248–258, t_refund 271–282, t_acc_income_bill 315–329,
-- t_pre_voucher_entry 342–353. Each is the seed's `(SELECT … WHERE DATE(create_time) = '{run_date}'
-- AND …) AS <alias>` text, with ONLY these adaptations:
--   1. `'{run_date}'` (a value spliced into the text by a Python f-string) → the placeholder `?`,
--      bound to the business date 'YYYY-MM-DD'. The predicate itself is kept as written:
--      DATE(create_time) = D on the UTC wall-clock DATETIME, with no time-zone handling.
--   2. The seed hands `(<query>) AS t_x_extract` to Spark's JDBC `dbtable` option, which reads it
--      as `SELECT <columns> FROM (<query>) AS t_x_extract`; here it is `SELECT * FROM (<query>) AS
--      t_x_extract` (the same columns in the same order).
--   3. t_reconcile_voucher (source iunifiedreconcile) has no extraction query in the seed; its
--      step applies the seed's pattern by analogy (the spec's columns, `WHERE DATE(create_time) =
--      ? AND is_del = 0`). This step is NOT the seed's text.
-- Everything else (select lists, aliases, `AND currency_code = 'USD'`, `AND is_del = 0`, the
-- comments) is the seed's text.

-- step: t_order
SELECT * FROM
(SELECT
    id AS order_id,
    order_no,
    shop_id,
    user_id,
    pay_money,           -- DOLLARS (no conversion needed)
    discount_money,
    order_status,
    pay_status,
    currency_code,
    order_type,
    order_source,
    create_time,
    update_time,
    pay_time,
    complete_time
FROM t_order
WHERE DATE(create_time) = ?
  AND currency_code = 'USD'
  AND is_del = 0
) AS t_order_extract
;

-- step: t_order_pay
SELECT * FROM
(SELECT
    id,
    order_id,
    trade_no,
    pay_money,           -- CENTS (needs ÷100)
    pay_type,
    pay_status,
    create_time,
    update_time
FROM t_order_pay
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_order_pay_extract
;

-- step: t_finance_receipt
SELECT * FROM
(SELECT
    id AS receipt_id,
    order_id,
    order_no,
    tp_serial_no,
    receipt_amount,       -- DOLLARS (no conversion needed)
    difference_amount,    -- Stripe fee offset (DOLLARS)
    receipt_type,
    receipt_status,
    shop_id,
    create_time,
    update_time
FROM t_finance_receipt
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_finance_receipt_extract
;

-- step: t_trade
SELECT * FROM
(SELECT
    id AS trade_id,
    trade_no,
    amount,              -- CENTS (needs ÷100)
    trade_status,
    channel_type,
    channel_trade_no,
    create_time,
    update_time,
    complete_time
FROM t_trade
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_trade_extract
;

-- step: t_channel_fee
SELECT * FROM
(SELECT
    id AS fee_id,
    trade_no,
    fee_amount,          -- CENTS (needs ÷100)
    fee_rate,
    channel_type,
    create_time
FROM t_channel_fee
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_channel_fee_extract
;

-- step: t_refund
SELECT * FROM
(SELECT
    id AS refund_id,
    trade_no,
    refund_amount,       -- CENTS (needs ÷100)
    refund_status,
    create_time,
    update_time,
    complete_time
FROM t_refund
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_refund_extract
;

-- step: t_acc_income_bill
SELECT * FROM
(SELECT
    id AS income_bill_id,
    biz_no,
    biz_type,
    income_type,
    amount,              -- DOLLARS (no conversion needed)
    shop_id,
    bill_status,
    biz_date,
    create_time,
    update_time
FROM t_acc_income_bill
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_acc_income_bill_extract
;

-- step: t_pre_voucher_entry
SELECT * FROM
(SELECT
    id AS voucher_entry_id,
    voucher_id,
    account_code,
    debit_amount,        -- DOLLARS
    credit_amount,       -- DOLLARS
    biz_date,
    create_time
FROM t_pre_voucher_entry
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_pre_voucher_entry_extract
;

-- step: t_reconcile_voucher
-- NOT in the seed: the seed's pattern applied by analogy (see adaptation 3 above).
SELECT * FROM
(SELECT
    id AS voucher_row_id,
    voucher_no,
    biz_no,
    trade_no,
    shop_id,
    amount,              -- DOLLARS
    voucher_status,
    biz_date,
    create_time,
    update_time
FROM t_reconcile_voucher
WHERE DATE(create_time) = ?
  AND is_del = 0
) AS t_reconcile_voucher_extract
;
