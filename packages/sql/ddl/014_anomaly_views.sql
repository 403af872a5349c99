-- 014_anomaly_views.sql
-- Creates: recon.dwd_recon_anomaly_summary (SPEC §7 daily aggregates, refreshed by
-- anomalies/lifecycle_summary.sql for the dates a run re-evaluates and for the date of an anomaly
-- a person triages) and view recon.v_recon_open_anomalies (seed phase 4 §3.4: the open anomalies
-- with their age and SLA status, for the investigation workbench and `recon anomalies list`).
-- Grain:
--   dwd_recon_anomaly_summary: one row per recon_date × anomaly_type × severity that has at
--     least one anomaly, counts per status and affected amounts (all, and still open).
--   v_recon_open_anomalies: one row per anomaly whose status is OPEN or INVESTIGATING.
-- SLA (seed §3.4): CRITICAL 30 minutes, HIGH 4 hours, MEDIUM 24 hours, LOW 1 day, counted from
-- created_at to now with Redshift's DATEDIFF (datepart boundaries crossed; the datepart written
-- quoted, which PostgreSQL resolves to the shim in shims/postgres/001_redshift_dates.sql).

-- Redshift keys: small daily aggregates: Redshift chooses the distribution.
-- redshift: DISTSTYLE AUTO SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_anomaly_summary (
    recon_date             DATE          NOT NULL,
    anomaly_type           VARCHAR(8)    NOT NULL,
    anomaly_name           VARCHAR(32)   NOT NULL,
    severity               VARCHAR(8)    NOT NULL,
    total_count            BIGINT        NOT NULL,
    open_count             BIGINT        NOT NULL,
    investigating_count    BIGINT        NOT NULL,
    resolved_count         BIGINT        NOT NULL,
    false_positive_count   BIGINT        NOT NULL,
    auto_resolved_count    BIGINT        NOT NULL,
    total_affected_amount  DECIMAL(16,2) NOT NULL,
    open_affected_amount   DECIMAL(16,2) NOT NULL,
    PRIMARY KEY (recon_date, anomaly_type, severity)
);

-- "Now" is GETDATE(), Redshift's current instant as a TIMESTAMP (UTC) like created_at; on
-- PostgreSQL/PGlite the shim in shims/postgres/002_getdate.sql provides it (CURRENT_TIMESTAMP
-- is leader-node-only on Redshift and cannot be used with user tables). No ORDER BY: callers
-- sort (anomalies/queries_list.sql: severity CRITICAL → LOW, then created_at).
CREATE OR REPLACE VIEW recon.v_recon_open_anomalies AS
SELECT
    a.anomaly_id,
    a.anomaly_type,
    a.anomaly_name,
    a.severity,
    a.status,
    a.status_set_by,
    a.detected_date,
    a.recon_date,
    a.entity_key,
    a.order_id,
    a.shop_id,
    a.affected_amount,
    a.expected_value,
    a.actual_value,
    a.confidence_score,
    a.description,
    a.recommendation,
    a.assigned_to,
    a.resolution_notes,
    a.created_at,
    a.updated_at,
    a.last_seen_at,
    DATEDIFF('day', a.created_at, GETDATE()) AS age_days,
    CASE
        WHEN a.severity = 'CRITICAL'
             AND DATEDIFF('minute', a.created_at, GETDATE()) > 30
            THEN 'SLA_BREACHED'
        WHEN a.severity = 'HIGH'
             AND DATEDIFF('hour', a.created_at, GETDATE()) > 4
            THEN 'SLA_BREACHED'
        WHEN a.severity = 'MEDIUM'
             AND DATEDIFF('hour', a.created_at, GETDATE()) > 24
            THEN 'SLA_BREACHED'
        WHEN a.severity = 'LOW'
             AND DATEDIFF('day', a.created_at, GETDATE()) > 1
            THEN 'SLA_BREACHED'
        ELSE 'WITHIN_SLA'
    END AS sla_status
FROM recon.dwd_recon_anomalies a
WHERE a.status IN ('OPEN', 'INVESTIGATING');
