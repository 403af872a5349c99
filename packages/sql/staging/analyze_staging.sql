-- staging/analyze_staging.sql
-- Refreshes the planner statistics of one table after a step rewrote it: the staging tables after
-- a load, the result and fact tables after matching, so the models that read them next are
-- planned on real row counts (PGlite has no autovacuum; PostgreSQL's autovacuum comes too late
-- within a run; Redshift COPY only analyzes empty tables). Templated with a table name of the
-- product only. Grain: one statement per table; runs outside the writing transaction.

-- step: analyze
ANALYZE {{target}};
