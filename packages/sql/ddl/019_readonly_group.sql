-- 019_readonly_group.sql
-- Creates: group recon_readonly, the read-only warehouse role of the dashboards (seed phase 4
-- §12.3 `grafana_recon`) and of anyone who only reads: USAGE on schema recon and SELECT on its
-- tables and views, now and (default privileges) those later migrations create; no INSERT,
-- UPDATE, DELETE, TRUNCATE, CREATE or REFRESH. It may not read recon.etl_pipeline_lock, which the
-- pipeline LOCKs: a reader's open transaction holding it would stall every run.
-- Grain: none (privileges). Members are added once, outside migrations (docs/deploy.md), e.g.
-- Redshift `CREATE USER grafana_recon PASSWORD DISABLE IN GROUP recon_readonly;`. Groups belong
-- to the whole cluster, not this database: the CREATE runs only when the skip-if probe finds the
-- group absent, and migrate retries a file that lost the race to another database's migrate.

-- skip-if: SELECT 1 FROM pg_group WHERE groname = 'recon_readonly'
CREATE GROUP recon_readonly;

GRANT USAGE ON SCHEMA recon TO GROUP recon_readonly;

GRANT SELECT ON ALL TABLES IN SCHEMA recon TO GROUP recon_readonly;

ALTER DEFAULT PRIVILEGES IN SCHEMA recon GRANT SELECT ON TABLES TO GROUP recon_readonly;

REVOKE SELECT ON recon.etl_pipeline_lock FROM GROUP recon_readonly;
