-- anomalies/workflow_triage.sql
-- What a person does to an anomaly (seed phase 4 §14.3, SPEC §7): assign, start investigating,
-- resolve, mark a false positive, re-open. Each command runs in its own transaction
-- (packages/core/src/anomalies/workflow.ts): read the anomaly, check the transition, UPDATE it
-- only if its status is still the one read (:expectedStatus; 0 rows → someone changed it
-- meanwhile and the command is refused), append one event, refresh that date's summary.
-- A status set here is owned by a person (status_set_by = 'PERSON'): runs never overwrite it.
-- Grain: recon.dwd_recon_anomalies one row per anomaly; recon.dwd_recon_anomaly_events one row
-- per change (event_id a random UUID for a person's events).

-- step: read
SELECT anomaly_id, anomaly_type, severity, status, status_set_by, recon_date, assigned_to,
       resolution_notes
FROM recon.dwd_recon_anomalies
WHERE anomaly_id = CAST(:id AS VARCHAR(160));

-- step: assign
-- The status and who owns it stay as they are.
UPDATE recon.dwd_recon_anomalies
SET assigned_to = CAST(:assignee AS VARCHAR(128)),
    updated_at = CAST(:now AS TIMESTAMP)
WHERE anomaly_id = CAST(:id AS VARCHAR(160))
  AND status = CAST(:expectedStatus AS VARCHAR(16));

-- step: set_status
-- Investigating with nobody assigned makes the investigator the assignee; resolving and marking a
-- false positive write the person's note as the resolution note; re-opening keeps the notes.
UPDATE recon.dwd_recon_anomalies
SET status = CAST(:toStatus AS VARCHAR(16)),
    status_set_by = 'PERSON',
    assigned_to = CASE
                      WHEN CAST(:toStatus AS VARCHAR(16)) = 'INVESTIGATING' AND assigned_to IS NULL
                          THEN CAST(:actor AS VARCHAR(128))
                      ELSE assigned_to
                  END,
    resolution_notes = CASE
                           WHEN CAST(:toStatus AS VARCHAR(16)) IN ('RESOLVED', 'FALSE_POSITIVE')
                               THEN CAST(:note AS VARCHAR(2048))
                           ELSE resolution_notes
                       END,
    updated_at = CAST(:now AS TIMESTAMP)
WHERE anomaly_id = CAST(:id AS VARCHAR(160))
  AND status = CAST(:expectedStatus AS VARCHAR(16));

-- step: insert_event
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
VALUES
    (CAST(:eventId AS VARCHAR(64)), CAST(:id AS VARCHAR(160)), CAST(:now AS TIMESTAMP),
     CAST(:actor AS VARCHAR(128)), CAST(:eventType AS VARCHAR(24)), CAST(:expectedStatus AS VARCHAR(16)),
     CAST(:toStatus AS VARCHAR(16)), NULL, NULL, CAST(:note AS VARCHAR(2048)), NULL);
