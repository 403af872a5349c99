-- 003_dead_letter.sql
-- Creates: recon.dwd_recon_dead_letter, the dead-letter store of rows that could not be
-- standardized (null key, unparseable or impossible amount, …; SPEC §4 step 1).
-- Grain: one row per (table_name, source_pk, source_version, reason) — one rejected version of a
-- source row and why; reruns of the same run or date do not add duplicates. source_pk and
-- source_version are NULL when the row's key or watermark itself could not be read.

-- Redshift keys: append-only and small, read by business date: Redshift chooses the distribution.
-- redshift: DISTSTYLE AUTO SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_dead_letter (
    run_id         VARCHAR(64)    NOT NULL,
    recon_date     DATE           NOT NULL,
    source_name    VARCHAR(32)    NOT NULL,
    table_name     VARCHAR(64)    NOT NULL,
    source_pk      VARCHAR(64),
    source_version TIMESTAMP,
    reason         VARCHAR(512)   NOT NULL,
    raw_row        VARCHAR(65535) NOT NULL,
    created_at     TIMESTAMP      NOT NULL
);
