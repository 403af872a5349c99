-- staging/etl_watermarks.sql
-- Reads and advances extraction high-watermarks in recon.etl_watermarks (see
-- ddl/004_etl_watermarks.sql); used by packages/core/src/warehouse/watermarks.ts, step by step.
-- Grain: one row per source table (source_name, table_name).
-- Monotonic: advance_existing only moves a watermark forward; insert_first only inserts when no
-- row exists (the primary key refuses a concurrent duplicate on PostgreSQL).
-- Parameters used in two places are CAST explicitly so every engine deduces one type for them.

-- step: get_all
SELECT source_name, table_name, last_extracted_at, last_run_id, row_count, updated_at
FROM recon.etl_watermarks
ORDER BY source_name, table_name;

-- step: get_one
SELECT source_name, table_name, last_extracted_at, last_run_id, row_count, updated_at
FROM recon.etl_watermarks
WHERE source_name = :source
  AND table_name = :table;

-- step: advance_existing
UPDATE recon.etl_watermarks
SET last_extracted_at = CAST(:to AS TIMESTAMP),
    last_run_id = :runId,
    row_count = CAST(:rowCount AS BIGINT),
    updated_at = CAST(:updatedAt AS TIMESTAMP)
WHERE source_name = :source
  AND table_name = :table
  AND last_extracted_at < CAST(:to AS TIMESTAMP);

-- step: insert_first
INSERT INTO recon.etl_watermarks
    (source_name, table_name, last_extracted_at, last_run_id, row_count, updated_at)
SELECT CAST(:source AS VARCHAR(32)), CAST(:table AS VARCHAR(64)), CAST(:to AS TIMESTAMP),
       CAST(:runId AS VARCHAR(64)), CAST(:rowCount AS BIGINT), CAST(:updatedAt AS TIMESTAMP)
WHERE NOT EXISTS (
    SELECT 1
    FROM recon.etl_watermarks
    WHERE source_name = CAST(:source AS VARCHAR(32))
      AND table_name = CAST(:table AS VARCHAR(64))
);
