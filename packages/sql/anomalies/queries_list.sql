-- anomalies/queries_list.sql
-- The anomalies a person triages (`recon anomalies list`, packages/core/src/anomalies/queries.ts):
-- filtered by severity, type, shop, status set (:statuses = ',OPEN,INVESTIGATING,' — commas
-- around each status) and SLA status, sorted as seed phase 4 §3.4 (severity CRITICAL → LOW,
-- then oldest first). Age and SLA come from recon.v_recon_open_anomalies for open anomalies;
-- closed ones have an age and no SLA status. A NULL filter is no filter.
-- Grain: one row per anomaly.

-- step: list
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
    a.last_run_id,
    COALESCE(v.age_days, DATEDIFF('day', a.created_at, GETDATE())) AS age_days,
    v.sla_status
FROM recon.dwd_recon_anomalies a
LEFT JOIN recon.v_recon_open_anomalies v ON v.anomaly_id = a.anomaly_id
WHERE POSITION(',' || a.status || ',' IN CAST(:statuses AS VARCHAR(128))) > 0
  AND (CAST(:severity AS VARCHAR(8)) IS NULL OR a.severity = CAST(:severity AS VARCHAR(8)))
  AND (CAST(:anomalyType AS VARCHAR(8)) IS NULL OR a.anomaly_type = CAST(:anomalyType AS VARCHAR(8)))
  AND (CAST(:shopId AS BIGINT) IS NULL OR a.shop_id = CAST(:shopId AS BIGINT))
  AND (CAST(:sla AS VARCHAR(16)) IS NULL OR v.sla_status = CAST(:sla AS VARCHAR(16)))
  AND (CAST(:anomalyId AS VARCHAR(160)) IS NULL OR a.anomaly_id = CAST(:anomalyId AS VARCHAR(160)))
ORDER BY
    CASE a.severity WHEN 'CRITICAL' THEN 1 WHEN 'HIGH' THEN 2 WHEN 'MEDIUM' THEN 3 WHEN 'LOW' THEN 4 ELSE 5 END,
    a.created_at ASC,
    a.anomaly_id;

-- step: events
-- The audit trail of one anomaly in time order (a run's events in the order it writes them).
SELECT event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
       to_severity, note, run_id
FROM recon.dwd_recon_anomaly_events
WHERE anomaly_id = CAST(:anomalyId AS VARCHAR(160))
ORDER BY
    event_time,
    CASE event_type
        WHEN 'DETECTED' THEN 1 WHEN 'REOPENED' THEN 2 WHEN 'ESCALATED' THEN 3
        WHEN 'AMOUNTS_CHANGED' THEN 4 WHEN 'AUTO_RESOLVED' THEN 5 WHEN 'CONDITION_CLEARED' THEN 6
        ELSE 7
    END,
    event_id;
