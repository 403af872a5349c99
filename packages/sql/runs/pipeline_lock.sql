-- runs/pipeline_lock.sql
-- The first statement of every writing transaction of the pipeline (staging load, matching and
-- facts, anomaly scan): waits until no other execution's writing transaction is open, so two
-- executions never interleave their delete-then-insert windows (see ddl/017_pipeline_lock.sql).
-- LOCK is valid on Redshift and PostgreSQL; it is held until the transaction ends.
-- Grain: none (a lock).

-- step: lock
LOCK recon.etl_pipeline_lock;
