-- 012_anomalies.sql
-- Creates: recon.dwd_recon_anomalies (SPEC §7: the seed's columns plus entity_key, recon_date,
-- last_seen_at, recommendation, and who set the status) and recon.dwd_recon_anomaly_events, the
-- append-only audit trail of every change.
-- Grain:
--   dwd_recon_anomalies: one row per anomaly identity, anomaly_id = anomaly_type || ':' ||
--     entity_key (order id, trade number, refund id, 'shop_id|YYYY-MM-DD' or voucher id), so
--     re-runs and backfills update an anomaly instead of duplicating it.
--   dwd_recon_anomaly_events: one row per change of an anomaly (detected, escalated, amounts
--     changed, auto-resolved, re-opened, assigned, status set by a person, note), never updated.
-- status: OPEN | INVESTIGATING | RESOLVED | FALSE_POSITIVE | AUTO_RESOLVED; status_set_by:
-- SYSTEM (detection, auto-resolution) | PERSON (a triage command): a run never overwrites a
-- status, assignee or note set by a person, and never lowers a severity.
-- created_at / last_seen_at / updated_at by a run are that run's as-of instant (reproducible).

-- Redshift keys: the lifecycle joins candidates and events on anomaly_id; windows by business
-- date.
-- redshift: DISTKEY (anomaly_id) SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_anomalies (
    anomaly_id        VARCHAR(160)  NOT NULL,
    anomaly_type      VARCHAR(8)    NOT NULL,
    anomaly_name      VARCHAR(32)   NOT NULL,
    severity          VARCHAR(8)    NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    status_set_by     VARCHAR(8)    NOT NULL,
    detected_date     DATE          NOT NULL,
    recon_date        DATE          NOT NULL,
    entity_key        VARCHAR(128)  NOT NULL,
    order_id          BIGINT,
    shop_id           BIGINT,
    affected_amount   DECIMAL(14,2) NOT NULL,
    expected_value    DECIMAL(14,2),
    actual_value      DECIMAL(14,2),
    confidence_score  DECIMAL(4,3)  NOT NULL,
    description       VARCHAR(1024) NOT NULL,
    recommendation    VARCHAR(1024) NOT NULL,
    assigned_to       VARCHAR(128),
    resolution_notes  VARCHAR(2048),
    created_at        TIMESTAMP     NOT NULL,
    updated_at        TIMESTAMP     NOT NULL,
    last_seen_at      TIMESTAMP     NOT NULL,
    last_run_id       VARCHAR(64),
    PRIMARY KEY (anomaly_id)
);

-- Redshift keys: co-located with the anomalies they audit; appended in time order.
-- redshift: DISTKEY (anomaly_id) SORTKEY (event_time)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_anomaly_events (
    event_id       VARCHAR(64)   NOT NULL,
    anomaly_id     VARCHAR(160)  NOT NULL,
    event_time     TIMESTAMP     NOT NULL,
    actor          VARCHAR(128)  NOT NULL,
    event_type     VARCHAR(24)   NOT NULL,
    from_status    VARCHAR(16),
    to_status      VARCHAR(16),
    from_severity  VARCHAR(8),
    to_severity    VARCHAR(8),
    note           VARCHAR(2048),
    run_id         VARCHAR(64),
    PRIMARY KEY (event_id)
);
