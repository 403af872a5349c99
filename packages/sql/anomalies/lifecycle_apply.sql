-- anomalies/lifecycle_apply.sql
-- Merges the candidates of one anomaly scan (temp table tmp_recon_anomaly_candidates, filled by
-- detection for the window [:fromDate, :toDate]) into recon.dwd_recon_anomalies and appends every
-- change to recon.dwd_recon_anomaly_events (SPEC §7). Runs step by step in the caller's
-- transaction (packages/core/src/anomalies/lifecycle.ts).
-- Grain:
--   tmp_recon_anomaly_plan: one row per candidate identity (anomaly_id), with what is stored for
--     it (s_*) and what changes (flags).
--   recon.dwd_recon_anomalies: one row per anomaly identity; recon.dwd_recon_anomaly_events: one
--     row per change, never updated.
-- Rules:
--   * new identity → OPEN (SYSTEM), event DETECTED;
--   * known identity → amounts, evidence and last_seen_at/last_run_id follow the candidate;
--     severity only rises (event ESCALATED); changed amounts → event AMOUNTS_CHANGED; an
--     AUTO_RESOLVED anomaly (SYSTEM) re-opens (event REOPENED); a status, assignee or note set by
--     a person is never written: every UPDATE tests status_set_by on the row it writes, not on
--     the plan, so a triage that committed meanwhile wins;
--   * stored, in the window, OPEN (SYSTEM), no candidate → AUTO_RESOLVED with :autoNote; OPEN or
--     INVESTIGATING set by a person → only an event CONDITION_CLEARED, once per disappearance;
--   * updated_at moves (to :asOf) only when severity, status or amounts change, so a re-run on
--     the same data changes nothing but last_seen_at / last_run_id, and appends no event.
-- System event ids are MD5(run id ':' anomaly id ':' event type): deterministic, unique, 32
-- characters whatever the length of the anomaly id; inserts skip ids already present.
-- Portable SQL only (Redshift and PostgreSQL): CTAS, INSERT … SELECT … WHERE NOT EXISTS,
-- UPDATE … FROM, NOT IN over the plan; no upsert, no RETURNING.

-- step: drop_plan
DROP TABLE IF EXISTS tmp_recon_anomaly_plan;

-- step: create_plan
-- One row per identity even if detection emitted an identity twice (highest severity, then
-- largest amount wins).
CREATE TEMP TABLE tmp_recon_anomaly_plan AS
SELECT
    c.anomaly_id        AS c_anomaly_id,
    c.anomaly_type      AS c_anomaly_type,
    c.anomaly_name      AS c_anomaly_name,
    c.severity          AS c_severity,
    c.recon_date        AS c_recon_date,
    c.entity_key        AS c_entity_key,
    c.order_id          AS c_order_id,
    c.shop_id           AS c_shop_id,
    c.affected_amount   AS c_affected_amount,
    c.expected_value    AS c_expected_value,
    c.actual_value      AS c_actual_value,
    c.confidence_score  AS c_confidence_score,
    c.description       AS c_description,
    c.recommendation    AS c_recommendation,
    c.severity_rank     AS c_severity_rank,
    a.severity          AS s_severity,
    a.status            AS s_status,
    a.status_set_by     AS s_status_set_by,
    a.affected_amount   AS s_affected_amount,
    a.expected_value    AS s_expected_value,
    a.actual_value      AS s_actual_value,
    CASE WHEN a.anomaly_id IS NULL THEN 1 ELSE 0 END AS is_new,
    CASE
        WHEN a.anomaly_id IS NOT NULL
             AND c.severity_rank > CASE a.severity
                                       WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2
                                       WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0 END
            THEN 1 ELSE 0
    END AS is_escalated,
    CASE
        WHEN a.anomaly_id IS NULL
             OR c.severity_rank > CASE a.severity
                                      WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2
                                      WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0 END
            THEN c.severity ELSE a.severity
    END AS new_severity,
    CASE WHEN a.status = 'AUTO_RESOLVED' AND a.status_set_by = 'SYSTEM' THEN 1 ELSE 0 END AS is_reopened,
    CASE
        WHEN a.anomaly_id IS NOT NULL
             AND (a.affected_amount <> c.affected_amount
                  OR a.expected_value <> c.expected_value
                  OR (a.expected_value IS NULL AND c.expected_value IS NOT NULL)
                  OR (a.expected_value IS NOT NULL AND c.expected_value IS NULL)
                  OR a.actual_value <> c.actual_value
                  OR (a.actual_value IS NULL AND c.actual_value IS NOT NULL)
                  OR (a.actual_value IS NOT NULL AND c.actual_value IS NULL))
            THEN 1 ELSE 0
    END AS amounts_changed
FROM (
    SELECT
        t.*,
        CASE t.severity
            WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0
        END AS severity_rank,
        ROW_NUMBER() OVER (
            PARTITION BY t.anomaly_id
            ORDER BY CASE t.severity
                         WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0
                     END DESC,
                     t.affected_amount DESC,
                     t.entity_key
        ) AS identity_rank
    FROM tmp_recon_anomaly_candidates t
    WHERE t.anomaly_id IS NOT NULL
) c
LEFT JOIN recon.dwd_recon_anomalies a ON a.anomaly_id = c.anomaly_id
WHERE c.identity_rank = 1;

-- step: count_plan
SELECT
    COUNT(*) AS seen,
    COALESCE(SUM(is_new), 0) AS detected,
    COALESCE(SUM(is_escalated), 0) AS escalated,
    COALESCE(SUM(is_reopened), 0) AS reopened
FROM tmp_recon_anomaly_plan;

-- step: event_detected
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':DETECTED'),
    p.c_anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'DETECTED',
    CAST(NULL AS VARCHAR(16)),
    'OPEN',
    CAST(NULL AS VARCHAR(8)),
    p.new_severity,
    p.c_description,
    CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
WHERE p.is_new = 1
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':DETECTED')
  );

-- step: event_escalated
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':ESCALATED'),
    p.c_anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'ESCALATED',
    CAST(NULL AS VARCHAR(16)),
    CAST(NULL AS VARCHAR(16)),
    p.s_severity,
    p.new_severity,
    p.c_description,
    CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
WHERE p.is_escalated = 1
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':ESCALATED')
  );

-- step: event_amounts_changed
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':AMOUNTS_CHANGED'),
    p.c_anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'AMOUNTS_CHANGED',
    CAST(NULL AS VARCHAR(16)),
    CAST(NULL AS VARCHAR(16)),
    CAST(NULL AS VARCHAR(8)),
    CAST(NULL AS VARCHAR(8)),
    'affected ' || CAST(p.s_affected_amount AS VARCHAR(32)) || ' -> ' || CAST(p.c_affected_amount AS VARCHAR(32))
        || '; expected ' || COALESCE(CAST(p.s_expected_value AS VARCHAR(32)), 'none')
        || ' -> ' || COALESCE(CAST(p.c_expected_value AS VARCHAR(32)), 'none')
        || '; actual ' || COALESCE(CAST(p.s_actual_value AS VARCHAR(32)), 'none')
        || ' -> ' || COALESCE(CAST(p.c_actual_value AS VARCHAR(32)), 'none'),
    CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
WHERE p.amounts_changed = 1
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':AMOUNTS_CHANGED')
  );

-- step: insert_new
INSERT INTO recon.dwd_recon_anomalies
    (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by, detected_date,
     recon_date, entity_key, order_id, shop_id, affected_amount, expected_value, actual_value,
     confidence_score, description, recommendation, assigned_to, resolution_notes, created_at,
     updated_at, last_seen_at, last_run_id)
SELECT
    p.c_anomaly_id,
    p.c_anomaly_type,
    p.c_anomaly_name,
    p.new_severity,
    'OPEN',
    'SYSTEM',
    CAST(:reconDate AS DATE),
    p.c_recon_date,
    p.c_entity_key,
    p.c_order_id,
    p.c_shop_id,
    p.c_affected_amount,
    p.c_expected_value,
    p.c_actual_value,
    p.c_confidence_score,
    p.c_description,
    p.c_recommendation,
    CAST(NULL AS VARCHAR(128)),
    CAST(NULL AS VARCHAR(2048)),
    CAST(:asOf AS TIMESTAMP),
    CAST(:asOf AS TIMESTAMP),
    CAST(:asOf AS TIMESTAMP),
    CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
WHERE p.is_new = 1
  AND NOT EXISTS (SELECT 1 FROM recon.dwd_recon_anomalies a WHERE a.anomaly_id = p.c_anomaly_id);

-- step: update_seen
-- Every SET expression reads the row being written (unqualified names are the target's: the plan's
-- columns are all prefixed), so a status, assignee or note a person set meanwhile is kept.
UPDATE recon.dwd_recon_anomalies
SET severity = CASE
                   WHEN p.c_severity_rank > CASE severity
                                                WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2
                                                WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0 END
                       THEN p.c_severity
                   ELSE severity
               END,
    status = CASE
                 WHEN status = 'AUTO_RESOLVED' AND status_set_by = 'SYSTEM' THEN 'OPEN'
                 ELSE status
             END,
    resolution_notes = CASE
                           WHEN status = 'AUTO_RESOLVED' AND status_set_by = 'SYSTEM' THEN NULL
                           ELSE resolution_notes
                       END,
    affected_amount = p.c_affected_amount,
    expected_value = p.c_expected_value,
    actual_value = p.c_actual_value,
    confidence_score = p.c_confidence_score,
    description = p.c_description,
    recommendation = p.c_recommendation,
    updated_at = CASE
                     WHEN p.c_severity_rank > CASE severity
                                                  WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2
                                                  WHEN 'HIGH' THEN 3 WHEN 'CRITICAL' THEN 4 ELSE 0 END
                          OR (status = 'AUTO_RESOLVED' AND status_set_by = 'SYSTEM')
                          OR affected_amount <> p.c_affected_amount
                          OR expected_value <> p.c_expected_value
                          OR (expected_value IS NULL AND p.c_expected_value IS NOT NULL)
                          OR (expected_value IS NOT NULL AND p.c_expected_value IS NULL)
                          OR actual_value <> p.c_actual_value
                          OR (actual_value IS NULL AND p.c_actual_value IS NOT NULL)
                          OR (actual_value IS NOT NULL AND p.c_actual_value IS NULL)
                         THEN CAST(:asOf AS TIMESTAMP)
                     ELSE updated_at
                 END,
    last_seen_at = CAST(:asOf AS TIMESTAMP),
    last_run_id = CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
WHERE anomaly_id = p.c_anomaly_id
  AND p.is_new = 0;

-- step: event_reopened
-- After update_seen, for the rows it actually re-opened (a person who re-opened the anomaly
-- meanwhile owns it: no system event).
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':REOPENED'),
    p.c_anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'REOPENED',
    'AUTO_RESOLVED',
    'OPEN',
    CAST(NULL AS VARCHAR(8)),
    CAST(NULL AS VARCHAR(8)),
    CAST(:reopenNote AS VARCHAR(2048)),
    CAST(:runId AS VARCHAR(64))
FROM tmp_recon_anomaly_plan p
JOIN recon.dwd_recon_anomalies a ON a.anomaly_id = p.c_anomaly_id
WHERE p.is_reopened = 1
  AND a.status = 'OPEN'
  AND a.status_set_by = 'SYSTEM'
  AND a.last_run_id = CAST(:runId AS VARCHAR(64))
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || p.c_anomaly_id || ':REOPENED')
  );

-- step: auto_resolve
UPDATE recon.dwd_recon_anomalies
SET status = 'AUTO_RESOLVED',
    resolution_notes = CAST(:autoNote AS VARCHAR(2048)),
    updated_at = CAST(:asOf AS TIMESTAMP)
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
  AND status = 'OPEN'
  AND status_set_by = 'SYSTEM'
  AND anomaly_id NOT IN (SELECT p.c_anomaly_id FROM tmp_recon_anomaly_plan p);

-- step: event_auto_resolved
-- After auto_resolve, for the rows it wrote (its note names this run and as-of).
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || a.anomaly_id || ':AUTO_RESOLVED'),
    a.anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'AUTO_RESOLVED',
    'OPEN',
    'AUTO_RESOLVED',
    CAST(NULL AS VARCHAR(8)),
    CAST(NULL AS VARCHAR(8)),
    CAST(:autoNote AS VARCHAR(2048)),
    CAST(:runId AS VARCHAR(64))
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
  AND a.status = 'AUTO_RESOLVED'
  AND a.status_set_by = 'SYSTEM'
  AND a.resolution_notes = CAST(:autoNote AS VARCHAR(2048))
  AND a.anomaly_id NOT IN (SELECT p.c_anomaly_id FROM tmp_recon_anomaly_plan p)
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || a.anomaly_id || ':AUTO_RESOLVED')
  );

-- step: event_condition_cleared
-- A person owns the status: record that the condition is gone, once — not again while it stays
-- gone (an event at or after the last time a run saw the condition already says so).
INSERT INTO recon.dwd_recon_anomaly_events
    (event_id, anomaly_id, event_time, actor, event_type, from_status, to_status, from_severity,
     to_severity, note, run_id)
SELECT
    MD5(CAST(:runId AS VARCHAR(64)) || ':' || a.anomaly_id || ':CONDITION_CLEARED'),
    a.anomaly_id,
    CAST(:asOf AS TIMESTAMP),
    'system',
    'CONDITION_CLEARED',
    a.status,
    a.status,
    CAST(NULL AS VARCHAR(8)),
    CAST(NULL AS VARCHAR(8)),
    CAST(:autoNote AS VARCHAR(2048)),
    CAST(:runId AS VARCHAR(64))
FROM recon.dwd_recon_anomalies a
WHERE a.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
  AND a.status IN ('OPEN', 'INVESTIGATING')
  AND a.status_set_by = 'PERSON'
  AND a.anomaly_id NOT IN (SELECT p.c_anomaly_id FROM tmp_recon_anomaly_plan p)
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.anomaly_id = a.anomaly_id
        AND e.event_type = 'CONDITION_CLEARED'
        AND e.event_time >= a.last_seen_at
  )
  AND NOT EXISTS (
      SELECT 1 FROM recon.dwd_recon_anomaly_events e
      WHERE e.event_id = MD5(CAST(:runId AS VARCHAR(64)) || ':' || a.anomaly_id || ':CONDITION_CLEARED')
  );

-- step: drop_plan_end
DROP TABLE IF EXISTS tmp_recon_anomaly_plan;

-- step: drop_candidates
DROP TABLE IF EXISTS tmp_recon_anomaly_candidates;
