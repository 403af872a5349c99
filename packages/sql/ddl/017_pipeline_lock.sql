-- 017_pipeline_lock.sql
-- Creates: recon.etl_pipeline_lock, the mutex that serializes the pipeline's writing transactions
-- (staging load, matching and facts, anomaly scan). Two executions may run at once (a backfill
-- with concurrency: different dates, whose re-evaluation windows overlap; two runs of one date are
-- refused by the date's run lease, 018); each of those transactions
-- deletes a window and inserts it again, and on Redshift primary keys are not enforced, so two
-- of them interleaving would write every row twice. Each one therefore starts with
-- `LOCK recon.etl_pipeline_lock` (runs/pipeline_lock.sql): the second waits for the first to
-- commit, then replaces what it wrote. Readers of the result tables are never blocked by it.
-- Grain: one row, never read: the table exists to be locked.

-- Redshift keys: a single row.
-- redshift: DISTSTYLE ALL
CREATE TABLE IF NOT EXISTS recon.etl_pipeline_lock (
    lock_name VARCHAR(32) NOT NULL,
    PRIMARY KEY (lock_name)
);

INSERT INTO recon.etl_pipeline_lock (lock_name)
SELECT 'pipeline' WHERE NOT EXISTS (SELECT 1 FROM recon.etl_pipeline_lock);
