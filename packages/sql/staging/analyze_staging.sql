-- staging/analyze_staging.sql
-- Refreshes the planner statistics of one staging table after a load changed it, so the match
-- and data-quality models are planned on real row counts (PGlite has no autovacuum; Redshift
-- COPY only analyzes empty tables). Templated with the table name from the spec only.
-- Grain: one statement per loaded staging table; runs outside the load transaction.

-- step: analyze
ANALYZE {{target}};
