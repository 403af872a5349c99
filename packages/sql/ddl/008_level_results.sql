-- 008_level_results.sql
-- Creates: recon.stg_recon_level1_results, recon.stg_recon_level2_results and
-- recon.stg_recon_level3_results, the match results of Levels 1–3 (SPEC §5; seed §5–7), written
-- by match/match_level1.sql, match_level2.sql and match_level3.sql for a window of business dates.
-- Grain:
--   level 1: one row per (recon_date, order_id) — every completed (status 5/6/7) USD order of
--            business date recon_date, whatever its number of payments or trades;
--   level 2: one row per (recon_date, order_id) — the same orders, receipts summed;
--   level 3: one row per (recon_date, shop_id) — every shop × business date with an active
--            receipt, a valid income bill or a completed USD order.
-- recon_date is the business date (businessTimeZone) of the order, or of the receipts / bills of
-- the shop-day. No wall-clock or run-id column: the rows are a pure function of the staging
-- tables, so re-running a window rewrites them identically. Sums are DECIMAL(14,2) (DECIMAL(16,2)
-- for shop-days); a missing side is NULL at levels 1–2 (counts 0) and 0 at level 3.
-- DISTKEY/SORTKEY: each CREATE TABLE's `-- redshift:` marker comment, which the Redshift dialect
-- appends to the statement (PostgreSQL ignores it); PRIMARY KEY is informational on Redshift.

-- Redshift keys: one row per order, rewritten and read by business-date window.
-- redshift: DISTKEY (order_id) SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_level1_results (
    recon_date             DATE          NOT NULL,
    order_id               BIGINT        NOT NULL,
    order_id_str           VARCHAR(64)   NOT NULL,
    order_no               VARCHAR(64)   NOT NULL,
    shop_id                BIGINT        NOT NULL,
    order_amount           DECIMAL(12,2) NOT NULL,
    payment_amount         DECIMAL(14,2),
    trade_amount           DECIMAL(14,2),
    payment_count          INTEGER       NOT NULL,
    trade_count            INTEGER       NOT NULL,
    payments_missing_trade INTEGER       NOT NULL,
    match_status           VARCHAR(32)   NOT NULL,
    diff_order_payment     DECIMAL(14,2) NOT NULL,
    diff_order_trade       DECIMAL(14,2) NOT NULL,
    diff_payment_trade     DECIMAL(14,2) NOT NULL,
    order_create_time      TIMESTAMP     NOT NULL,
    payment_create_time    TIMESTAMP,
    trade_complete_time    TIMESTAMP,
    order_to_payment_sec   BIGINT,
    trade_no               VARCHAR(64),
    channel_type           INTEGER,
    channel_trade_no       VARCHAR(128),
    PRIMARY KEY (recon_date, order_id)
);

-- Redshift keys: one row per order, co-located with level 1 for the facts and anomaly models.
-- redshift: DISTKEY (order_id) SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_level2_results (
    recon_date          DATE          NOT NULL,
    order_id            BIGINT        NOT NULL,
    order_id_str        VARCHAR(64)   NOT NULL,
    order_no            VARCHAR(64)   NOT NULL,
    shop_id             BIGINT        NOT NULL,
    order_amount        DECIMAL(12,2) NOT NULL,
    trade_no            VARCHAR(64),
    receipt_id          BIGINT,
    receipt_count       INTEGER       NOT NULL,
    match_key           VARCHAR(16),
    receipt_amount_usd  DECIMAL(14,2),
    stripe_fee_usd      DECIMAL(14,2),
    net_receipt_usd     DECIMAL(14,2),
    match_status        VARCHAR(32)   NOT NULL,
    diff_order_receipt  DECIMAL(14,2) NOT NULL,
    fee_status          VARCHAR(16)   NOT NULL,
    receipt_create_time TIMESTAMP,
    PRIMARY KEY (recon_date, order_id)
);

-- Redshift keys: one row per shop-day.
-- redshift: DISTKEY (shop_id) SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.stg_recon_level3_results (
    recon_date           DATE          NOT NULL,
    shop_id              BIGINT        NOT NULL,
    receipt_count        INTEGER       NOT NULL,
    total_receipt_amount DECIMAL(16,2) NOT NULL,
    total_stripe_fees    DECIMAL(16,2) NOT NULL,
    total_net_receipt    DECIMAL(16,2) NOT NULL,
    bill_count           INTEGER       NOT NULL,
    total_income_amount  DECIMAL(16,2) NOT NULL,
    order_count          INTEGER       NOT NULL,
    total_order_amount   DECIMAL(16,2) NOT NULL,
    match_status         VARCHAR(32)   NOT NULL,
    variance_amount      DECIMAL(16,2) NOT NULL,
    variance_pct         DECIMAL(18,4),
    diff_net             DECIMAL(16,2) NOT NULL,
    diff_receipt_order   DECIMAL(16,2) NOT NULL,
    diff_income_order    DECIMAL(16,2) NOT NULL,
    PRIMARY KEY (recon_date, shop_id)
);
