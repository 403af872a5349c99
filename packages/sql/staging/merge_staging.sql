-- staging/merge_staging.sql
-- Merges one staging load file (already COPYed into {{incoming}}) into {{target}} by primary key,
-- latest version wins (SPEC §4 step 2). Runs inside the caller's transaction, step by step
-- (`-- step:` names are used by packages/core/src/warehouse/load.ts).
-- Templated with identifiers from the table spec only ({{target}} schema-qualified,
-- {{target_name}}, {{incoming}}, {{latest}}, {{pk}}, {{version}}, {{columns}}); no values are
-- spliced.
-- Grain:
--   {{incoming}}: one row per load-file row (staging columns + _deleted); tombstones
--     (_deleted = TRUE) carry only the key and version.
--   {{latest}}: one row per incoming primary key — its latest version; on a version tie a
--     tombstone wins (the deletion is the later event within the same second).
--   {{target}}: one row per primary key.
--   recon.stg_recon_tombstones: one row per (table, key) deleted, with the deletion's version.
-- Last writer wins by version, whatever order runs load in: an incoming version older than a
-- stored row or a stored deletion is skipped; a deletion wins a version tie.
-- PostgreSQL/PGlite fill the incoming table from a CSV streamed by the process; Redshift COPYs one
-- Parquet object from S3 into it, matching the file's columns to the table's by position — so
-- create_incoming fixes the column order ({{columns}}, then _deleted). The SQL is otherwise the
-- same on every engine (CREATE TEMP TABLE … AS, DELETE … USING, INSERT … SELECT).

-- step: create_incoming
-- CTAS from the target (no rows) copies the column types but not the NOT NULL constraints,
-- which tombstones would violate.
CREATE TEMP TABLE {{incoming}} AS
SELECT {{columns}}, CAST(NULL AS BOOLEAN) AS _deleted
FROM {{target}}
WHERE 1 = 0;

-- step: create_latest
CREATE TEMP TABLE {{latest}} AS
SELECT {{columns}}, _deleted
FROM (
    SELECT
        {{columns:i.}},
        i._deleted,
        ROW_NUMBER() OVER (
            PARTITION BY i.{{pk}}
            ORDER BY i.{{version}} DESC, CASE WHEN i._deleted THEN 0 ELSE 1 END
        ) AS version_rank
    FROM {{incoming}} i
    WHERE i.{{pk}} IS NOT NULL
      AND i.{{version}} IS NOT NULL
) ranked
WHERE version_rank = 1;

-- step: count_incoming_live
SELECT COUNT(*) AS n FROM {{incoming}} WHERE NOT _deleted;

-- step: count_pk_conflicts
-- DQ-05 input, before de-duplication: keys extracted more than once with different content at
-- the same version (identical re-reads, e.g. from the extraction overlap, are not conflicts).
-- Only (key, version) pairs read more than once are compared column by column: the DISTINCT over
-- every column then touches those few rows, not the whole load (live rows always carry their key
-- and version: rows without them are dead-lettered at extraction).
SELECT COUNT(*) AS n
FROM (
    SELECT d.{{pk}}, d.{{version}}
    FROM (
        SELECT DISTINCT {{columns:i.}}
        FROM {{incoming}} i
        JOIN (
            SELECT {{pk}}, {{version}}
            FROM {{incoming}}
            WHERE NOT _deleted
            GROUP BY {{pk}}, {{version}}
            HAVING COUNT(*) > 1
        ) reread ON reread.{{pk}} = i.{{pk}} AND reread.{{version}} = i.{{version}}
        WHERE NOT i._deleted
    ) d
    GROUP BY d.{{pk}}, d.{{version}}
    HAVING COUNT(*) > 1
) conflicts;

-- step: count_stale
-- Incoming keys whose stored version — a row or a deletion — is newer: left as they are.
SELECT COUNT(*) AS n
FROM {{latest}} l
WHERE EXISTS (SELECT 1 FROM {{target}} t WHERE t.{{pk}} = l.{{pk}} AND t.{{version}} > l.{{version}})
   OR EXISTS (
       SELECT 1 FROM recon.stg_recon_tombstones d
       WHERE d.table_name = :tableName
         AND d.pk = l.{{pk}}
         AND (d.version > l.{{version}} OR (d.version = l.{{version}} AND NOT l._deleted))
   );

-- step: drop_superseded
-- Incoming live versions that a stored deletion supersedes (older, or tied: deletion wins).
DELETE FROM {{latest}}
USING recon.stg_recon_tombstones d
WHERE d.table_name = :tableName
  AND d.pk = {{latest}}.{{pk}}
  AND (d.version > {{latest}}.{{version}} OR (d.version = {{latest}}.{{version}} AND NOT {{latest}}._deleted));

-- step: count_deleted
-- Stored rows a tombstone removes.
SELECT COUNT(*) AS n
FROM {{latest}} l
JOIN {{target}} t ON t.{{pk}} = l.{{pk}}
WHERE l._deleted
  AND t.{{version}} <= l.{{version}};

-- step: delete_replaced
-- The target is qualified by its bare table name (its implicit alias on both engines).
DELETE FROM {{target}}
USING {{latest}} l
WHERE {{target_name}}.{{pk}} = l.{{pk}}
  AND {{target_name}}.{{version}} <= l.{{version}};

-- step: insert_latest
INSERT INTO {{target}} ({{columns}})
SELECT {{columns:l.}}
FROM {{latest}} l
WHERE NOT l._deleted
  AND NOT EXISTS (
      SELECT 1 FROM {{target}} t WHERE t.{{pk}} = l.{{pk}}
  );

-- step: forget_tombstones
-- Deletions this load supersedes (a newer or equal incoming version of the key).
DELETE FROM recon.stg_recon_tombstones
USING {{latest}} l
WHERE recon.stg_recon_tombstones.table_name = :tableName
  AND recon.stg_recon_tombstones.pk = l.{{pk}}
  AND recon.stg_recon_tombstones.version <= l.{{version}}
  AND NOT EXISTS (SELECT 1 FROM {{target}} t WHERE t.{{pk}} = l.{{pk}} AND t.{{version}} > l.{{version}});

-- step: record_tombstones
INSERT INTO recon.stg_recon_tombstones (table_name, pk, version)
SELECT CAST(:tableName AS VARCHAR(64)), l.{{pk}}, l.{{version}}
FROM {{latest}} l
WHERE l._deleted
  AND NOT EXISTS (SELECT 1 FROM {{target}} t WHERE t.{{pk}} = l.{{pk}} AND t.{{version}} > l.{{version}})
  AND NOT EXISTS (
      SELECT 1 FROM recon.stg_recon_tombstones d
      WHERE d.table_name = :tableName AND d.pk = l.{{pk}}
  );

-- step: drop_latest
DROP TABLE {{latest}};

-- step: drop_incoming
DROP TABLE {{incoming}};
