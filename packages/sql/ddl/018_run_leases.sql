-- 018_run_leases.sql
-- Creates: recon.etl_run_leases, who is reconciling each business date right now. Two runs for the
-- same date at once (the schedule and an operator, two operators) would both extract, load and
-- match it; the pipeline's lock (017) keeps their transactions from interleaving, but the second
-- would still redo, or undo, what the first is in the middle of. So every task of an execution
-- first holds its date's lease (runs/run_lease.sql): a run finding the lease held by another live
-- run is refused with the holder's name; the holder renews the lease at every task and releases
-- it when its outcome is recorded (RecordRun, RecordHalt, the failure recorder). A holder that
-- dies without recording anything (a killed process) loses the lease when it expires.
-- Grain: one row per business date being reconciled (recon_date); no row = nobody holds it.
-- Timestamps are UTC, from the warehouse's clock (GETDATE()), so machines' clocks never disagree.

-- Redshift keys: a handful of rows: a full copy on every node.
-- redshift: DISTSTYLE ALL
CREATE TABLE IF NOT EXISTS recon.etl_run_leases (
    recon_date   DATE        NOT NULL,
    run_id       VARCHAR(64) NOT NULL,
    acquired_at  TIMESTAMP   NOT NULL,
    renewed_at   TIMESTAMP   NOT NULL,
    expires_at   TIMESTAMP   NOT NULL,
    PRIMARY KEY (recon_date)
);
