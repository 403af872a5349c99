/**
 * The dialect rules panel SQL must follow to run on Amazon Redshift as well as on the PostgreSQL
 * warehouse it is tested against: the constructs of the SQL models' guard
 * (packages/sql/src/guard.test.ts), plus what matters for dashboard queries — no leader-node-only
 * "now" functions, date arithmetic only through the views, and result column names that survive
 * Redshift's identifier folding and reserved words. Applied to the SQL as Grafana sends it
 * (macros expanded).
 */
import { codeOnly, lex } from '../../../sql/src/lexer.ts';

/** Redshift's reserved words (AWS Redshift Database Developer Guide, "Reserved words"). */
export const REDSHIFT_RESERVED_WORDS: ReadonlySet<string> = new Set(
  `AES128 AES256 ALL ALLOWOVERWRITE ANALYSE ANALYZE AND ANY ARRAY AS ASC AUTHORIZATION AZ64 BACKUP
  BETWEEN BINARY BLANKSASNULL BOTH BYTEDICT BZIP2 CASE CAST CHECK COLLATE COLUMN CONSTRAINT CREATE
  CREDENTIALS CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURRENT_USER_ID DEFAULT
  DEFERRABLE DEFLATE DEFRAG DELTA DELTA32K DESC DISABLE DISTINCT DO ELSE EMPTYASNULL ENABLE ENCODE
  ENCRYPT ENCRYPTION END EXCEPT EXPLICIT FALSE FOR FOREIGN FREEZE FROM FULL GLOBALDICT256
  GLOBALDICT64K GRANT GROUP GZIP HAVING IDENTITY IGNORE ILIKE IN INITIALLY INNER INTERSECT INTERVAL
  INTO IS ISNULL JOIN LEADING LEFT LIKE LIMIT LOCALTIME LOCALTIMESTAMP LUN LUNS LZO LZOP MINUS
  MOSTLY16 MOSTLY32 MOSTLY8 NATURAL NEW NOT NOTNULL NULL NULLS OFF OFFLINE OFFSET OID OLD ON ONLY
  OPEN OR ORDER OUTER OVERLAPS PARALLEL PARTITION PERCENT PERMISSIONS PIVOT PLACING PRIMARY RAW
  READRATIO RECOVER REFERENCES REJECTLOG RESORT RESPECT RESTORE RIGHT SELECT SESSION_USER SIMILAR
  SNAPSHOT SOME SYSDATE SYSTEM TABLE TAG TDES TEXT255 TEXT32K THEN TIMESTAMP TO TOP TRAILING TRUE
  TRUNCATECOLUMNS UNION UNIQUE UNNEST UNPIVOT USER USING VERBOSE WALLET WHEN WHERE WITH WITHOUT`
    .split(/\s+/)
    .filter(Boolean),
);

/** Type names that follow AS in a CAST (not aliases). */
const CAST_TYPES = new Set([
  'DATE',
  'TIMESTAMP',
  'VARCHAR',
  'DECIMAL',
  'NUMERIC',
  'BIGINT',
  'INTEGER',
  'BOOLEAN',
]);

/** Constructs one of the two engines lacks, or that break dashboards on Redshift, with why. */
const FORBIDDEN: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /\bON\s+CONFLICT\b/i, why: 'ON CONFLICT (upsert) is PostgreSQL-only' },
  { pattern: /\bRETURNING\b/i, why: 'RETURNING is PostgreSQL-only' },
  { pattern: /\bDISTINCT\s+ON\b/i, why: 'DISTINCT ON is PostgreSQL-only; use ROW_NUMBER()' },
  { pattern: /\bFILTER\s*\(\s*WHERE\b/i, why: 'aggregate FILTER (WHERE …) is PostgreSQL-only; use CASE' },
  { pattern: /\bLATERAL\b/i, why: 'LATERAL is not in Redshift' },
  {
    pattern: /\bARRAY\s*[[(]|\bARRAY_AGG\b|\bUNNEST\b|\[\s*\]|\bANY\s*\(/i,
    why: 'arrays are PostgreSQL-only',
  },
  { pattern: /\bJSONB?\b|->>?|#>>?/i, why: 'JSON/JSONB types and operators are PostgreSQL-only' },
  { pattern: /\bGENERATE_SERIES\b/i, why: 'generate_series cannot feed tables on Redshift' },
  { pattern: /\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b/i, why: 'IS [NOT] DISTINCT FROM is not in Redshift' },
  { pattern: /::/, why: 'write CAST(x AS type), the form the SQL models use' },
  {
    pattern: /\bDATEDIFF\b|\bDATEADD\b/i,
    why: 'date arithmetic belongs in the views (v_recon_pipeline_runs, v_recon_open_anomalies)',
  },
  {
    pattern:
      /\bCURRENT_DATE\b|\bCURRENT_TIMESTAMP\b|\bCURRENT_TIME\b|\bLOCALTIMESTAMP\b|\bSYSDATE\b|\bNOW\s*\(/i,
    why: 'leader-node-only on Redshift (cannot touch user tables): use the time range macros or GETDATE()',
  },
  {
    pattern: /\b(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|GRANT|REFRESH)\b/i,
    why: 'a dashboard query only reads',
  },
];

/** Why `sql` (macros expanded) would fail or misbehave on one of the engines; empty when fine. */
export function dialectViolations(sql: string): string[] {
  const problems: string[] = [];
  const code = codeOnly(sql);
  for (const f of FORBIDDEN) if (f.pattern.test(code)) problems.push(f.why);
  for (const segment of lex(sql)) {
    // Redshift folds even quoted identifiers to lower case (enable_case_sensitive_identifier is
    // off by default): "L1 Match Rate" would come back as "l1 match rate". Names are snake case
    // and the panels set display names.
    if (segment.kind === 'identifier' && !/^"[a-z_][a-z0-9_]*"$/.test(segment.text)) {
      problems.push(`quoted identifier ${segment.text} is not lower-case snake case`);
    }
  }
  for (const m of code.matchAll(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi)) {
    const word = m[1]!.toUpperCase();
    if (!CAST_TYPES.has(word) && REDSHIFT_RESERVED_WORDS.has(word)) {
      problems.push(`alias ${m[1]} is a Redshift reserved word`);
    }
  }
  return problems;
}
