-- dq/save_dq_results.sql
-- Stores data-quality results in recon.dwd_recon_dq_results (ddl/010_dq_results.sql).
-- Grain: one row per business date × check × table. The caller deletes the date's rows of each
-- check it evaluated (delete_check, once per check id), then inserts its results (insert_result,
-- once per row), inside its own transaction: checks it did not evaluate keep their rows, and a
-- re-run of the same date replaces rather than duplicates.

-- step: delete_check
DELETE FROM recon.dwd_recon_dq_results
WHERE recon_date = CAST(:reconDate AS DATE)
  AND check_id = :checkId;

-- step: insert_result
INSERT INTO recon.dwd_recon_dq_results
    (run_id, recon_date, check_id, check_name, table_name, measured_value, threshold, status, detail)
VALUES
    (:runId, CAST(:reconDate AS DATE), :checkId, :checkName, :tableName,
     CAST(:measuredValue AS DECIMAL(20,4)), :threshold, :status, :detail);
