-- runs/backfills.sql
-- Reads and updates backfill progress in recon.etl_backfills (see ddl/011_backfills.sql).
-- Grain: one row per backfill. status: RUNNING (in progress, or its process died), STOPPED (a
-- date failed or was halted by data quality), COMPLETED.

-- step: find_unfinished
SELECT backfill_id, from_date, to_date, next_date, status, last_run_id, message
FROM recon.etl_backfills
WHERE from_date = CAST(:fromDate AS DATE)
  AND to_date = CAST(:toDate AS DATE)
  AND status <> 'COMPLETED'
ORDER BY started_at DESC
LIMIT 1;

-- step: insert_backfill
INSERT INTO recon.etl_backfills
    (backfill_id, from_date, to_date, next_date, status, started_at, updated_at, last_run_id, message)
VALUES
    (:backfillId, CAST(:fromDate AS DATE), CAST(:toDate AS DATE), CAST(:fromDate AS DATE), 'RUNNING',
     CAST(:now AS TIMESTAMP), CAST(:now AS TIMESTAMP), NULL, NULL);

-- step: mark_progress
UPDATE recon.etl_backfills
SET next_date = CAST(:nextDate AS DATE),
    status = :status,
    updated_at = CAST(:now AS TIMESTAMP),
    last_run_id = :runId,
    message = :message
WHERE backfill_id = :backfillId;
