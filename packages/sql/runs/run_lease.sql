-- runs/run_lease.sql
-- The business date's run lease (see ddl/018_run_leases.sql). Every task of an execution holds it
-- first, in one transaction: lock, read the holder, then renew the caller's own lease, or — when
-- nobody holds it or the holder's lease expired — replace the row with the caller's.
-- `release` runs in the transaction that records the run's outcome (or `recon lease release`, for
-- a run an operator knows is dead) and deletes only that run's lease; `leases` reads one date's lease or all of them. Grain: one row per business date (recon_date).

-- step: lock
LOCK recon.etl_run_leases;

-- step: leases
-- The lease of one date (:reconDate), or every lease (:reconDate NULL), by date.
SELECT recon_date,
       run_id,
       acquired_at,
       renewed_at,
       expires_at,
       CASE WHEN expires_at > GETDATE() THEN 1 ELSE 0 END AS live
FROM recon.etl_run_leases
WHERE CAST(:reconDate AS DATE) IS NULL OR recon_date = CAST(:reconDate AS DATE)
ORDER BY recon_date;

-- step: renew
UPDATE recon.etl_run_leases
SET renewed_at = GETDATE(),
    expires_at = DATEADD('minute', CAST(:minutes AS INTEGER), GETDATE())
WHERE recon_date = CAST(:reconDate AS DATE)
  AND run_id = :runId;

-- step: take
DELETE FROM recon.etl_run_leases
WHERE recon_date = CAST(:reconDate AS DATE);

-- step: insert
INSERT INTO recon.etl_run_leases (recon_date, run_id, acquired_at, renewed_at, expires_at)
VALUES (CAST(:reconDate AS DATE), :runId, GETDATE(), GETDATE(),
        DATEADD('minute', CAST(:minutes AS INTEGER), GETDATE()));

-- step: release
DELETE FROM recon.etl_run_leases
WHERE recon_date = CAST(:reconDate AS DATE)
  AND run_id = :runId;
