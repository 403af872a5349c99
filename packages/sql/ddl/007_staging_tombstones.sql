-- 007_staging_tombstones.sql
-- Creates: recon.stg_recon_tombstones, the deletions the staging merge has seen (soft-deleted,
-- non-USD and dead-lettered source rows), so that loading is order-independent: a version
-- extracted before a deletion can never bring the row back, whichever run loads last.
-- Grain: one row per staging table × primary key, holding the latest deletion version.
-- PRIMARY KEY is informational on Redshift.

-- Redshift keys: the staging merge joins it on (table_name, pk).
-- redshift: DISTKEY (pk) SORTKEY (table_name, pk)
CREATE TABLE IF NOT EXISTS recon.stg_recon_tombstones (
    table_name  VARCHAR(64) NOT NULL,
    pk          BIGINT      NOT NULL,
    version     TIMESTAMP   NOT NULL,
    PRIMARY KEY (table_name, pk)
);
