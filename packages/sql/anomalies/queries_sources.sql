-- anomalies/queries_sources.sql
-- The source rows behind one anomaly, for `recon anomalies show` (seed phase 4 §6.1 "source data
-- comparison"), read from the warehouse staging and result tables:
--   order-keyed anomalies (:orderId): the order, its payments, their trades, its receipts (by
--     order id, and by trade number for the fallback), fees, refunds, the L1 and L2 results;
--   trade-keyed anomalies (:tradeNo): the trades, the payments naming it, their orders, refunds,
--     reconcile vouchers, fees, receipts by trade number;
--   refund-keyed anomalies (:refundId): the refund (then its trade as above);
--   shop-day anomalies (:shopId, :reconDate): the L3 row and the income bills;
--   voucher anomalies (:voucherId): the voucher entries.
-- Grain: each step one row per source row, in key order. Never an OR-join: receipts by order id
-- and by trade number are two equi-join selects put together with UNION. A blank trade number
-- identifies nothing (as at Level 1): no source row is shown for it.

-- step: order
SELECT order_id, order_no, shop_id, pay_amount_usd, discount_amount_usd, order_status, pay_status,
       currency_code, create_time, pay_time, complete_time, biz_date
FROM recon.stg_recon_orders
WHERE order_id = CAST(:orderId AS BIGINT);

-- step: order_payments
SELECT order_pay_id, order_id, trade_no, pay_amount_usd, pay_type, pay_status, create_time, biz_date
FROM recon.stg_recon_payments
WHERE order_id = CAST(:orderId AS BIGINT)
ORDER BY order_pay_id;

-- step: order_trades
SELECT t.trade_id, t.trade_no, t.trade_amount_usd, t.trade_status, t.channel_type, t.channel_trade_no,
       t.create_time, t.complete_time, t.biz_date
FROM recon.stg_recon_trades t
WHERE t.trade_no IN (SELECT p.trade_no FROM recon.stg_recon_payments p
                     WHERE p.order_id = CAST(:orderId AS BIGINT) AND TRIM(p.trade_no) <> '')
ORDER BY t.trade_id;

-- step: order_receipts
SELECT r.receipt_id, r.order_id_str, r.tp_serial_no, r.receipt_amount_usd, r.stripe_fee_usd,
       r.net_receipt_usd, r.receipt_status, r.shop_id, r.create_time, r.biz_date
FROM recon.stg_recon_receipts r
WHERE r.order_id_str = CAST(:orderId AS VARCHAR(64))
UNION
SELECT r.receipt_id, r.order_id_str, r.tp_serial_no, r.receipt_amount_usd, r.stripe_fee_usd,
       r.net_receipt_usd, r.receipt_status, r.shop_id, r.create_time, r.biz_date
FROM recon.stg_recon_receipts r
WHERE r.tp_serial_no IN (SELECT p.trade_no FROM recon.stg_recon_payments p
                     WHERE p.order_id = CAST(:orderId AS BIGINT) AND TRIM(p.trade_no) <> '')
ORDER BY receipt_id;

-- step: order_fees
SELECT f.fee_id, f.trade_no, f.fee_amount_usd, f.fee_rate, f.channel_type, f.create_time, f.biz_date
FROM recon.stg_recon_fees f
WHERE f.trade_no IN (SELECT p.trade_no FROM recon.stg_recon_payments p
                     WHERE p.order_id = CAST(:orderId AS BIGINT) AND TRIM(p.trade_no) <> '')
ORDER BY f.fee_id;

-- step: order_refunds
SELECT r.refund_id, r.trade_no, r.refund_amount_usd, r.refund_status, r.create_time, r.complete_time,
       r.biz_date
FROM recon.stg_recon_refunds r
WHERE r.trade_no IN (SELECT p.trade_no FROM recon.stg_recon_payments p
                     WHERE p.order_id = CAST(:orderId AS BIGINT) AND TRIM(p.trade_no) <> '')
ORDER BY r.refund_id;

-- step: order_level1
SELECT recon_date, match_status, order_amount, payment_amount, trade_amount, payment_count, trade_count,
       diff_order_payment, diff_order_trade, diff_payment_trade, trade_no
FROM recon.stg_recon_level1_results
WHERE order_id = CAST(:orderId AS BIGINT)
ORDER BY recon_date;

-- step: order_level2
SELECT recon_date, match_status, match_key, order_amount, receipt_amount_usd, stripe_fee_usd,
       net_receipt_usd, receipt_count, diff_order_receipt, fee_status
FROM recon.stg_recon_level2_results
WHERE order_id = CAST(:orderId AS BIGINT)
ORDER BY recon_date;

-- step: refund
SELECT refund_id, trade_no, refund_amount_usd, refund_status, create_time, complete_time, biz_date
FROM recon.stg_recon_refunds
WHERE refund_id = CAST(:refundId AS BIGINT);

-- step: trade_trades
SELECT trade_id, trade_no, trade_amount_usd, trade_status, channel_type, channel_trade_no, create_time,
       complete_time, biz_date
FROM recon.stg_recon_trades
WHERE trade_no = CAST(:tradeNo AS VARCHAR(64))
ORDER BY trade_id;

-- step: trade_payments
SELECT order_pay_id, order_id, trade_no, pay_amount_usd, pay_type, pay_status, create_time, biz_date
FROM recon.stg_recon_payments
WHERE trade_no = CAST(:tradeNo AS VARCHAR(64))
ORDER BY order_pay_id;

-- step: trade_orders
SELECT o.order_id, o.order_no, o.shop_id, o.pay_amount_usd, o.discount_amount_usd, o.order_status,
       o.pay_status, o.currency_code, o.create_time, o.pay_time, o.complete_time, o.biz_date
FROM recon.stg_recon_orders o
WHERE o.order_id IN (SELECT p.order_id FROM recon.stg_recon_payments p WHERE p.trade_no = CAST(:tradeNo AS VARCHAR(64)))
ORDER BY o.order_id;

-- step: trade_refunds
SELECT refund_id, trade_no, refund_amount_usd, refund_status, create_time, complete_time, biz_date
FROM recon.stg_recon_refunds
WHERE trade_no = CAST(:tradeNo AS VARCHAR(64))
ORDER BY refund_id;

-- step: trade_vouchers
SELECT voucher_row_id, voucher_no, biz_no, trade_no, shop_id, amount_usd, voucher_status, biz_date,
       create_time
FROM recon.stg_recon_vouchers
WHERE trade_no = CAST(:tradeNo AS VARCHAR(64))
ORDER BY voucher_row_id;

-- step: trade_fees
SELECT fee_id, trade_no, fee_amount_usd, fee_rate, channel_type, create_time, biz_date
FROM recon.stg_recon_fees
WHERE trade_no = CAST(:tradeNo AS VARCHAR(64))
ORDER BY fee_id;

-- step: trade_receipts
SELECT receipt_id, order_id_str, tp_serial_no, receipt_amount_usd, stripe_fee_usd, net_receipt_usd,
       receipt_status, shop_id, create_time, biz_date
FROM recon.stg_recon_receipts
WHERE tp_serial_no = CAST(:tradeNo AS VARCHAR(128))
ORDER BY receipt_id;

-- step: shop_day_level3
SELECT recon_date, shop_id, match_status, receipt_count, total_receipt_amount, total_stripe_fees,
       total_net_receipt, bill_count, total_income_amount, order_count, total_order_amount,
       variance_amount, variance_pct
FROM recon.stg_recon_level3_results
WHERE shop_id = CAST(:shopId AS BIGINT)
  AND recon_date = CAST(:reconDate AS DATE);

-- step: shop_day_income_bills
SELECT income_bill_id, biz_no, biz_type, income_type, amount_usd, shop_id, bill_status, biz_date,
       create_time
FROM recon.stg_recon_income_bills
WHERE shop_id = CAST(:shopId AS BIGINT)
  AND biz_date = CAST(:reconDate AS DATE)
ORDER BY income_bill_id;

-- step: voucher_entries
SELECT voucher_entry_id, voucher_id, account_code, debit_amount_usd, credit_amount_usd, biz_date,
       create_time
FROM recon.stg_recon_voucher_entries
WHERE voucher_id = CAST(:voucherId AS BIGINT)
ORDER BY voucher_entry_id;
