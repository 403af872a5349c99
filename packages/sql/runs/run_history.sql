-- runs/run_history.sql
-- What `recon runs` and `recon dead-letters` show an operator (read only). The row limit is a
-- bound value compared with ROW_NUMBER() (LIMIT takes no parameter on every engine).
-- Grain:
--   runs: one row per recorded pipeline run (recon.dwd_recon_anomaly_metrics), newest first,
--     optionally of one business date and/or one status, at most :limit rows;
--   dead_letters: one row per dead letter of a business date (recon.dwd_recon_dead_letter),
--     optionally of one source table, at most :limit rows; dead_letter_count: how many in all.

-- step: runs
SELECT run_id, recon_date, status, failed_step, error_message, started_at, finished_at,
       duration_seconds, rows_extracted, rows_loaded, rows_dead_lettered, l1_match_rate,
       l2_match_rate, l3_match_rate, total_anomalies_detected
FROM (
    SELECT pipeline_run_id AS run_id,
           recon_date,
           status,
           failed_step,
           error_message,
           pipeline_start_time AS started_at,
           pipeline_end_time AS finished_at,
           DATEDIFF('second', pipeline_start_time, pipeline_end_time) AS duration_seconds,
           rows_extracted,
           rows_loaded,
           rows_dead_lettered,
           l1_match_rate,
           l2_match_rate,
           l3_match_rate,
           total_anomalies_detected,
           ROW_NUMBER() OVER (ORDER BY pipeline_start_time DESC, pipeline_run_id) AS rn
    FROM recon.dwd_recon_anomaly_metrics
    WHERE (CAST(:reconDate AS DATE) IS NULL OR recon_date = CAST(:reconDate AS DATE))
      AND (CAST(:status AS VARCHAR(16)) IS NULL OR status = CAST(:status AS VARCHAR(16)))
) r
WHERE rn <= CAST(:limit AS INTEGER)
ORDER BY rn;

-- step: dead_letters
SELECT table_name, source_pk, source_version, reason, run_id, created_at, raw_row
FROM (
    SELECT table_name,
           source_pk,
           source_version,
           reason,
           run_id,
           created_at,
           raw_row,
           ROW_NUMBER() OVER (ORDER BY table_name, source_pk, source_version, reason, created_at) AS rn
    FROM recon.dwd_recon_dead_letter
    WHERE recon_date = CAST(:reconDate AS DATE)
      AND (CAST(:tableName AS VARCHAR(64)) IS NULL OR table_name = CAST(:tableName AS VARCHAR(64)))
) d
WHERE rn <= CAST(:limit AS INTEGER)
ORDER BY rn;

-- step: dead_letter_count
SELECT COUNT(*) AS n
FROM recon.dwd_recon_dead_letter
WHERE recon_date = CAST(:reconDate AS DATE)
  AND (CAST(:tableName AS VARCHAR(64)) IS NULL OR table_name = CAST(:tableName AS VARCHAR(64)));
