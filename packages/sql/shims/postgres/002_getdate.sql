-- shims/postgres/002_getdate.sql  (PostgreSQL / PGlite only — never run on Redshift)
-- Creates: function public.getdate(), Redshift's GETDATE(): the current instant as a TIMESTAMP
-- (without time zone) in UTC. Models use GETDATE() for "now" because on Redshift CURRENT_TIMESTAMP
-- is a leader-node-only function that cannot be combined with user tables.

CREATE OR REPLACE FUNCTION public.getdate()
RETURNS timestamp
LANGUAGE sql
STABLE
AS $$
SELECT CAST(now() AT TIME ZONE 'UTC' AS timestamp)
$$;
