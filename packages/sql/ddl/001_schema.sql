-- 001_schema.sql
-- Creates: schema recon and recon.schema_migrations.
-- Grain:
--   recon.schema_migrations: one row per applied migration file (version = file path, e.g.
--   'ddl/002_staging_tables.sql').
-- Idempotent by construction (IF NOT EXISTS): the migrator runs this file first on every run to
-- bootstrap its own bookkeeping table, then records it like any other migration.
-- PRIMARY KEY is informational on Redshift and enforced on PostgreSQL.

CREATE SCHEMA IF NOT EXISTS recon;

-- Redshift keys: a handful of rows read under a table lock by every migrate: a full copy on every
-- node.
-- redshift: DISTSTYLE ALL
CREATE TABLE IF NOT EXISTS recon.schema_migrations (
    version    VARCHAR(128) NOT NULL,
    applied_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (version)
);
