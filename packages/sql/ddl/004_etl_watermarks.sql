-- 004_etl_watermarks.sql
-- Creates: recon.etl_watermarks, the extraction high-watermarks used when no DynamoDB table is
-- configured (local runs, tests).
-- Grain: one row per source table (source_name, table_name). last_extracted_at only moves
-- forward and is advanced only after the load that read up to it committed (SPEC §4 step 2).

-- Redshift keys: one row per source table: a full copy on every node.
-- redshift: DISTSTYLE ALL
CREATE TABLE IF NOT EXISTS recon.etl_watermarks (
    source_name       VARCHAR(32) NOT NULL,
    table_name        VARCHAR(64) NOT NULL,
    last_extracted_at TIMESTAMP   NOT NULL,
    last_run_id       VARCHAR(64) NOT NULL,
    row_count         BIGINT      NOT NULL,
    updated_at        TIMESTAMP   NOT NULL,
    PRIMARY KEY (source_name, table_name)
);
