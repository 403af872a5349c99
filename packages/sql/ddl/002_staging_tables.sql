-- 002_staging_tables.sql
-- Creates: the nine warehouse staging tables, one per source table (SPEC §2, §8), with exactly the
-- columns, types and nullability of SOURCE_TABLES[*].staging in packages/core/src/sources/spec.ts
-- (a test compares the created tables with the spec, so they cannot drift).
-- Grain of every table: one row per source primary key (the staging primary key), holding the
-- latest version (versionColumn) loaded; deleted source rows are removed by tombstones on load.
-- DISTKEY/SORTKEY: each CREATE TABLE's `-- redshift:` marker comment, which the Redshift dialect
-- appends to the statement (PostgreSQL ignores it); PRIMARY KEY is informational on Redshift.

-- recon.stg_recon_orders: one row per salesorder.t_order row (key order_id), latest update_time wins.
-- Redshift keys: joined to payments on order_id (L1, L2); matched by business-date window.
-- redshift: DISTKEY (order_id) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_orders (
    order_id            BIGINT NOT NULL,
    order_id_str        VARCHAR(64) NOT NULL,
    order_no            VARCHAR(64) NOT NULL,
    shop_id             BIGINT NOT NULL,
    user_id             BIGINT,
    pay_amount_usd      DECIMAL(12,2) NOT NULL,
    discount_amount_usd DECIMAL(12,2) NOT NULL,
    order_status        INTEGER NOT NULL,
    pay_status          INTEGER NOT NULL,
    currency_code       VARCHAR(8) NOT NULL,
    order_type          INTEGER,
    order_source        INTEGER,
    create_time         TIMESTAMP NOT NULL,
    update_time         TIMESTAMP NOT NULL,
    pay_time            TIMESTAMP,
    complete_time       TIMESTAMP,
    biz_date            DATE NOT NULL,
    PRIMARY KEY (order_id)
);

-- recon.stg_recon_payments: one row per salesorder.t_order_pay row (key order_pay_id), latest update_time wins.
-- Redshift keys: co-located with orders on order_id, the L1/L2 join.
-- redshift: DISTKEY (order_id) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_payments (
    order_pay_id   BIGINT NOT NULL,
    order_id       BIGINT NOT NULL,
    order_id_str   VARCHAR(64) NOT NULL,
    trade_no       VARCHAR(64) NOT NULL,
    pay_amount_usd DECIMAL(12,2) NOT NULL,
    pay_type       INTEGER,
    pay_status     INTEGER NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL,
    biz_date       DATE NOT NULL,
    PRIMARY KEY (order_pay_id)
);

-- recon.stg_recon_receipts: one row per salesorder.t_finance_receipt row (key receipt_id), latest update_time wins.
-- Redshift keys: joined by text order id or trade number, neither of which co-locates with the
-- BIGINT order key (and receipts without an order id would pile up on one slice): spread evenly on
-- the primary key the staging merge joins on.
-- redshift: DISTKEY (receipt_id) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_receipts (
    receipt_id         BIGINT NOT NULL,
    order_id_str       VARCHAR(64),
    order_no           VARCHAR(64),
    tp_serial_no       VARCHAR(128),
    receipt_amount_usd DECIMAL(12,2) NOT NULL,
    stripe_fee_usd     DECIMAL(12,2) NOT NULL,
    net_receipt_usd    DECIMAL(12,2) NOT NULL,
    receipt_type       INTEGER,
    receipt_status     INTEGER NOT NULL,
    shop_id            BIGINT NOT NULL,
    create_time        TIMESTAMP NOT NULL,
    update_time        TIMESTAMP NOT NULL,
    biz_date           DATE NOT NULL,
    PRIMARY KEY (receipt_id)
);

-- recon.stg_recon_trades: one row per salespayment.t_trade row (key trade_id), latest update_time wins.
-- Redshift keys: joined on trade_no by L1 and the anomaly models; co-located with fees, refunds
-- and vouchers.
-- redshift: DISTKEY (trade_no) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_trades (
    trade_id         BIGINT NOT NULL,
    trade_no         VARCHAR(64) NOT NULL,
    trade_amount_usd DECIMAL(12,2) NOT NULL,
    trade_status     INTEGER NOT NULL,
    channel_type     INTEGER,
    channel_trade_no VARCHAR(128),
    create_time      TIMESTAMP NOT NULL,
    update_time      TIMESTAMP NOT NULL,
    complete_time    TIMESTAMP,
    biz_date         DATE NOT NULL,
    PRIMARY KEY (trade_id)
);

-- recon.stg_recon_fees: one row per salespayment.t_channel_fee row (key fee_id), latest create_time wins.
-- Redshift keys: co-located with trades on trade_no (ANO-03).
-- redshift: DISTKEY (trade_no) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_fees (
    fee_id         BIGINT NOT NULL,
    trade_no       VARCHAR(64) NOT NULL,
    fee_amount_usd DECIMAL(12,2) NOT NULL,
    fee_rate       DECIMAL(8,6),
    channel_type   INTEGER,
    create_time    TIMESTAMP NOT NULL,
    biz_date       DATE NOT NULL,
    PRIMARY KEY (fee_id)
);

-- recon.stg_recon_refunds: one row per salespayment.t_refund row (key refund_id), latest update_time wins.
-- Redshift keys: co-located with trades on trade_no (ANO-04).
-- redshift: DISTKEY (trade_no) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_refunds (
    refund_id         BIGINT NOT NULL,
    trade_no          VARCHAR(64) NOT NULL,
    refund_amount_usd DECIMAL(12,2) NOT NULL,
    refund_status     INTEGER NOT NULL,
    create_time       TIMESTAMP NOT NULL,
    update_time       TIMESTAMP NOT NULL,
    complete_time     TIMESTAMP,
    biz_date          DATE NOT NULL,
    PRIMARY KEY (refund_id)
);

-- recon.stg_recon_income_bills: one row per ifiaccounting.t_acc_income_bill row (key income_bill_id), latest update_time wins.
-- Redshift keys: L3 aggregates per shop × business date.
-- redshift: DISTKEY (shop_id) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_income_bills (
    income_bill_id BIGINT NOT NULL,
    biz_no         VARCHAR(64) NOT NULL,
    biz_type       INTEGER,
    income_type    INTEGER,
    amount_usd     DECIMAL(12,2) NOT NULL,
    shop_id        BIGINT NOT NULL,
    bill_status    INTEGER NOT NULL,
    biz_date       DATE NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL,
    PRIMARY KEY (income_bill_id)
);

-- recon.stg_recon_voucher_entries: one row per ifiaccounting.t_pre_voucher_entry row (key voucher_entry_id), latest create_time wins.
-- Redshift keys: DQ-08 and ANO-07 aggregate per voucher_id.
-- redshift: DISTKEY (voucher_id) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_voucher_entries (
    voucher_entry_id  BIGINT NOT NULL,
    voucher_id        BIGINT NOT NULL,
    account_code      VARCHAR(32) NOT NULL,
    debit_amount_usd  DECIMAL(12,2) NOT NULL,
    credit_amount_usd DECIMAL(12,2) NOT NULL,
    biz_date          DATE NOT NULL,
    create_time       TIMESTAMP NOT NULL,
    PRIMARY KEY (voucher_entry_id)
);

-- recon.stg_recon_vouchers: one row per iunifiedreconcile.t_reconcile_voucher row (key voucher_row_id), latest update_time wins.
-- Redshift keys: ANO-05/ANO-06 join on trade_no; co-located with trades.
-- redshift: DISTKEY (trade_no) SORTKEY (biz_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_vouchers (
    voucher_row_id BIGINT NOT NULL,
    voucher_no     VARCHAR(64) NOT NULL,
    biz_no         VARCHAR(64),
    trade_no       VARCHAR(64),
    shop_id        BIGINT NOT NULL,
    amount_usd     DECIMAL(12,2) NOT NULL,
    voucher_status INTEGER NOT NULL,
    biz_date       DATE NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL,
    PRIMARY KEY (voucher_row_id)
);
