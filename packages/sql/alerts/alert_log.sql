-- alerts/alert_log.sql
-- The delivery log of run alerts, recon.dwd_recon_alerts (ddl/016_alerts.sql): what a run already
-- sent, and recording one rule's outcome. Redshift has no upsert, so a rule's row is replaced by
-- DELETE then INSERT in the caller's transaction.
-- Grain: for_run — one row per rule recorded for :runId; delete_alert / insert_alert — one row
-- (run_id, alert_rule).
-- Parameters: :runId, :rule and the columns of insert_alert.

-- step: for_run
SELECT a.alert_rule, a.alert_level, a.status, a.attempts, a.first_attempt_at, a.sent_at, a.last_error
FROM recon.dwd_recon_alerts a
WHERE a.run_id = :runId
ORDER BY a.alert_rule;

-- step: delete_alert
DELETE FROM recon.dwd_recon_alerts
WHERE run_id = :runId
  AND alert_rule = :rule;

-- step: insert_alert
INSERT INTO recon.dwd_recon_alerts
    (run_id, alert_rule, recon_date, alert_level, channel, message, status, attempts, last_error,
     first_attempt_at, last_attempt_at, sent_at)
VALUES
    (:runId, :rule, CAST(:reconDate AS DATE), :level, :channel, :message, :status,
     CAST(:attempts AS INTEGER), :lastError, CAST(:firstAttemptAt AS TIMESTAMP),
     CAST(:lastAttemptAt AS TIMESTAMP), CAST(:sentAt AS TIMESTAMP));
