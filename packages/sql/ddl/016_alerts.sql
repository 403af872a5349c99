-- ddl/016_alerts.sql
-- Creates: recon.dwd_recon_alerts, the alerts raised at the end of each pipeline run (SPEC §9;
-- seed phase 4 §8.3, phase 2 §10.3) and what became of their delivery to WeCom.
-- Grain: one row per run × rule (run_id, alert_rule). A rule a run raised is delivered at most
-- once: a re-invocation for the same run (a redrive, a retried task, `recon alerts --send`) skips
-- the rules already SENT and retries only those FAILED or NOT_CONFIGURED (no webhook then).
-- alert_level: critical | warning; channel: wecom-critical | wecom-warning; status: SENT | FAILED |
-- NOT_CONFIGURED; attempts: HTTP attempts over every invocation; sent_at NULL until delivered;
-- last_error never holds a webhook URL or key. Timestamps are UTC.

-- Redshift keys: a handful of rows per run, read by run id and business date: Redshift chooses the
-- distribution.
-- redshift: DISTSTYLE AUTO SORTKEY (recon_date)
CREATE TABLE IF NOT EXISTS recon.dwd_recon_alerts (
    run_id            VARCHAR(64)   NOT NULL,
    alert_rule        VARCHAR(32)   NOT NULL,
    recon_date        DATE          NOT NULL,
    alert_level       VARCHAR(8)    NOT NULL,
    channel           VARCHAR(16)   NOT NULL,
    message           VARCHAR(1024) NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    attempts          INTEGER       NOT NULL,
    last_error        VARCHAR(512),
    first_attempt_at  TIMESTAMP     NOT NULL,
    last_attempt_at   TIMESTAMP     NOT NULL,
    sent_at           TIMESTAMP,
    PRIMARY KEY (run_id, alert_rule)
);
