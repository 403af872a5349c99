-- 009_reconciliation_facts.sql
-- Creates: recon.dwd_two_way_reconciliation and recon.dwd_two_way_reconciliation_detail, the
-- reconciliation facts built from the Level 1–3 result tables (SPEC §4 step 6; seed Appendix A)
-- by marts/dwd_two_way_reconciliation.sql and marts/dwd_two_way_reconciliation_detail.sql.
-- Grain:
--   dwd_two_way_reconciliation: one row per (recon_date, recon_level) — 'L1', 'L2', 'L3' for
--     every business date with at least one result row at any level (a level without rows that
--     date has totals 0 and match_rate NULL);
--   dwd_two_way_reconciliation_detail: one row per (recon_date, recon_level, entity_key) — one
--     per result row: an order ('ORDER', key = order id) at L1/L2, a shop-day ('SHOP_DAY',
--     key = shop id) at L3.
-- Amounts: left = order_amount (L1, L2) or total_receipt_amount (L3); right = payment sum (L1),
-- receipt sum (L2), income sum (L3). match_rate is a percent (matched × 100 / total, 4 decimals).
-- No wall-clock column: reloading a window rewrites identical rows.

-- Redshift keys: three rows per business date, read by every report: a full copy on every node.
-- redshift: DISTSTYLE ALL SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_two_way_reconciliation (
    recon_date        DATE          NOT NULL,
    recon_level       VARCHAR(2)    NOT NULL,
    total_records     BIGINT        NOT NULL,
    matched_records   BIGINT        NOT NULL,
    unmatched_records BIGINT        NOT NULL,
    match_rate        DECIMAL(7,4),
    total_amount      DECIMAL(18,2) NOT NULL,
    matched_amount    DECIMAL(18,2) NOT NULL,
    unmatched_amount  DECIMAL(18,2) NOT NULL,
    compared_amount   DECIMAL(18,2) NOT NULL,
    PRIMARY KEY (recon_date, recon_level)
);

-- Redshift keys: one row per order or shop-day, read by business date.
-- redshift: DISTKEY (entity_key) SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_two_way_reconciliation_detail (
    recon_date        DATE          NOT NULL,
    recon_level       VARCHAR(2)    NOT NULL,
    entity_type       VARCHAR(16)   NOT NULL,
    entity_key        VARCHAR(64)   NOT NULL,
    shop_id           BIGINT        NOT NULL,
    match_status      VARCHAR(32)   NOT NULL,
    left_amount       DECIMAL(16,2) NOT NULL,
    right_amount      DECIMAL(16,2),
    difference_amount DECIMAL(16,2) NOT NULL,
    left_count        INTEGER       NOT NULL,
    right_count       INTEGER       NOT NULL,
    detail_status     VARCHAR(16),
    match_key         VARCHAR(16),
    PRIMARY KEY (recon_date, recon_level, entity_key)
);
