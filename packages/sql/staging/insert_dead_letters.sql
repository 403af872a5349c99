-- staging/insert_dead_letters.sql
-- Appends dead-lettered rows (rows that could not be standardized) to
-- recon.dwd_recon_dead_letter without duplicating rows already stored, so reruns and backfills
-- are idempotent. Runs inside the caller's transaction; load.ts fills {{incoming}} with bound
-- multi-row INSERT … VALUES batches between create_incoming and insert_new.
-- Identity of a dead letter: (table_name, source_pk, source_version, reason), NULLs comparing
-- equal; when source_pk is NULL (the key itself was unreadable) raw_row is part of the identity
-- too, so distinct keyless rows are all kept.
-- Grain:
--   {{incoming}}: one row per dead letter offered by the caller.
--   recon.dwd_recon_dead_letter: one row per identity (see 003_dead_letter.sql).

-- step: create_incoming
CREATE TEMP TABLE {{incoming}} AS
SELECT run_id, recon_date, source_name, table_name, source_pk, source_version, reason, raw_row, created_at
FROM recon.dwd_recon_dead_letter
WHERE 1 = 0;

-- step: insert_new
INSERT INTO recon.dwd_recon_dead_letter
    (run_id, recon_date, source_name, table_name, source_pk, source_version, reason, raw_row, created_at)
SELECT n.run_id, n.recon_date, n.source_name, n.table_name, n.source_pk, n.source_version, n.reason,
       n.raw_row, n.created_at
FROM (
    SELECT
        i.*,
        ROW_NUMBER() OVER (
            PARTITION BY i.table_name, i.source_pk, i.source_version, i.reason,
                         CASE WHEN i.source_pk IS NULL THEN i.raw_row END
            ORDER BY i.created_at, i.run_id
        ) AS dup_rank
    FROM {{incoming}} i
) n
WHERE n.dup_rank = 1
  AND NOT EXISTS (
      SELECT 1
      FROM recon.dwd_recon_dead_letter d
      WHERE d.table_name = n.table_name
        AND d.reason = n.reason
        AND COALESCE(d.source_pk, '<null>') = COALESCE(n.source_pk, '<null>')
        AND COALESCE(d.source_version, CAST('0001-01-01 00:00:00' AS TIMESTAMP))
            = COALESCE(n.source_version, CAST('0001-01-01 00:00:00' AS TIMESTAMP))
        AND CASE WHEN d.source_pk IS NULL THEN d.raw_row ELSE '' END
            = CASE WHEN n.source_pk IS NULL THEN n.raw_row ELSE '' END
  );

-- step: drop_incoming
DROP TABLE {{incoming}};

-- step: purge_expired
-- Retention (setting deadLetterRetentionDays, seed Appendix B): dead letters stored more than that
-- many days ago are deleted. A row still bad in the source is dead-lettered again when re-read.
DELETE FROM recon.dwd_recon_dead_letter
WHERE created_at < DATEADD('day', -CAST(:retentionDays AS INTEGER), GETDATE());
