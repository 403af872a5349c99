-- shims/postgres/001_redshift_dates.sql  (PostgreSQL / PGlite only — never run on Redshift)
-- Creates: functions public.datediff(text, timestamp, timestamp) and
-- public.dateadd(text, bigint, timestamp) so the Redshift SQL of this package runs unchanged on
-- PostgreSQL, where DATEDIFF/DATEADD do not exist. Applied (idempotently, CREATE OR REPLACE) by
-- the PostgreSQL and PGlite warehouse adapters before migrations; excluded from the dialect guard.
--
-- Models write the datepart quoted, DATEDIFF('second', a, b), a form Redshift accepts too.
-- Semantics follow Redshift: DATEDIFF counts datepart boundaries crossed between a and b
-- (positive when b is later); NULL in, NULL out. Supported dateparts (Redshift names and
-- abbreviations): second, minute, hour, day, month, year. Any other datepart raises an error.
-- Only a (text, timestamp, timestamp) signature exists so that DATE arguments and untyped
-- literals resolve to it without ambiguity.

CREATE OR REPLACE FUNCTION public.datediff(datepart text, a timestamp, b timestamp)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
STRICT
AS $$
SELECT CASE
    WHEN lower(datepart) IN ('second', 'seconds', 's', 'sec', 'secs')
        THEN (EXTRACT(EPOCH FROM date_trunc('second', b)) - EXTRACT(EPOCH FROM date_trunc('second', a)))::bigint
    WHEN lower(datepart) IN ('minute', 'minutes', 'm', 'min', 'mins')
        THEN ((EXTRACT(EPOCH FROM date_trunc('minute', b)) - EXTRACT(EPOCH FROM date_trunc('minute', a))) / 60)::bigint
    WHEN lower(datepart) IN ('hour', 'hours', 'h', 'hr', 'hrs')
        THEN ((EXTRACT(EPOCH FROM date_trunc('hour', b)) - EXTRACT(EPOCH FROM date_trunc('hour', a))) / 3600)::bigint
    WHEN lower(datepart) IN ('day', 'days', 'd')
        THEN (b::date - a::date)::bigint
    WHEN lower(datepart) IN ('month', 'months', 'mon', 'mons')
        THEN ((EXTRACT(YEAR FROM b) * 12 + EXTRACT(MONTH FROM b)) - (EXTRACT(YEAR FROM a) * 12 + EXTRACT(MONTH FROM a)))::bigint
    WHEN lower(datepart) IN ('year', 'years', 'y', 'yr', 'yrs')
        THEN (EXTRACT(YEAR FROM b) - EXTRACT(YEAR FROM a))::bigint
    ELSE ('DATEDIFF shim: unsupported datepart ' || datepart)::bigint
END
$$;

CREATE OR REPLACE FUNCTION public.dateadd(datepart text, n bigint, ts timestamp)
RETURNS timestamp
LANGUAGE sql
IMMUTABLE
STRICT
AS $$
SELECT CASE
    WHEN lower(datepart) IN ('second', 'seconds', 's', 'sec', 'secs') THEN ts + n * INTERVAL '1 second'
    WHEN lower(datepart) IN ('minute', 'minutes', 'm', 'min', 'mins') THEN ts + n * INTERVAL '1 minute'
    WHEN lower(datepart) IN ('hour', 'hours', 'h', 'hr', 'hrs') THEN ts + n * INTERVAL '1 hour'
    WHEN lower(datepart) IN ('day', 'days', 'd') THEN ts + n * INTERVAL '1 day'
    WHEN lower(datepart) IN ('week', 'weeks', 'w') THEN ts + n * INTERVAL '1 week'
    WHEN lower(datepart) IN ('month', 'months', 'mon', 'mons') THEN ts + n * INTERVAL '1 month'
    WHEN lower(datepart) IN ('year', 'years', 'y', 'yr', 'yrs') THEN ts + n * INTERVAL '1 year'
    ELSE ('DATEADD shim: unsupported datepart ' || datepart)::timestamp
END
$$;
