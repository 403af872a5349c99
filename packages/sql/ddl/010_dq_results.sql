-- 010_dq_results.sql
-- Creates: recon.dwd_recon_dq_results, the results of the data-quality checks (SPEC §6):
-- DQ-01…DQ-06 and DQ-08 before matching, DQ-07 after it.
-- Grain: one row per business date × check × table (recon_date, check_id, table_name), replaced
-- by the latest run that evaluated it (packages/sql/dq/save_dq_results.sql deletes the date's rows
-- of the checks a run evaluated and inserts its results, in the run's transaction).
-- table_name is the staging table the row is about, or the match level ('L1', 'L2', 'L3') for
-- DQ-07. measured_value is NULL when there was nothing to measure;
-- status is PASS, WARN or FAIL. PRIMARY KEY is informational on Redshift.

-- Redshift keys: a few dozen rows per business date: Redshift chooses the distribution.
-- redshift: DISTSTYLE AUTO SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_dq_results (
    run_id         VARCHAR(64)   NOT NULL,
    recon_date     DATE          NOT NULL,
    check_id       VARCHAR(8)    NOT NULL,
    check_name     VARCHAR(32)   NOT NULL,
    table_name     VARCHAR(64)   NOT NULL,
    measured_value DECIMAL(20,4),
    threshold      VARCHAR(128),
    status         VARCHAR(8)    NOT NULL,
    detail         VARCHAR(1024) NOT NULL,
    PRIMARY KEY (recon_date, check_id, table_name)
);
