-- 011_backfills.sql
-- Creates: recon.etl_backfills, the progress of `recon backfill --from D1 --to D2` runs, so a
-- backfill stopped half-way (failure, data-quality halt or a killed process) resumes where it
-- stopped when started again with the same range.
-- Grain: one row per backfill (backfill_id); next_date is the first business date not yet done.

-- Redshift keys: one row per backfill: a full copy on every node.
-- redshift: DISTSTYLE ALL
CREATE TABLE IF NOT EXISTS recon.etl_backfills (
    backfill_id  VARCHAR(64)   NOT NULL,
    from_date    DATE          NOT NULL,
    to_date      DATE          NOT NULL,
    next_date    DATE          NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    started_at   TIMESTAMP     NOT NULL,
    updated_at   TIMESTAMP     NOT NULL,
    last_run_id  VARCHAR(64),
    message      VARCHAR(1024),
    PRIMARY KEY (backfill_id)
);
