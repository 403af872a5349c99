/**
 * The dialect guard: every SQL model outside `shims/` must stay in the Redshift/PostgreSQL common
 * subset (ARCHITECTURE "Redshift cannot be run here"). Literals and comments are blanked first, so
 * a header comment may mention what it avoids.
 */
import { describe, expect, it } from 'vitest';
import { listAllSql, listSql, modelNameOf, SqlFileError, sqlFile } from './files.ts';
import { codeOnly, lex } from './lexer.ts';

/** Constructs PostgreSQL accepts and Redshift does not (or vice versa), with why. */
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
  {
    pattern: /\bJSONB?\b|->>?|#>>?/i,
    why: 'JSON/JSONB types and operators are PostgreSQL-only; store JSON as VARCHAR',
  },
  { pattern: /\bCREATE\s+(UNIQUE\s+)?INDEX\b/i, why: 'Redshift has no indexes' },
  {
    pattern: /\b(BIG|SMALL)?SERIAL\b|\bIDENTITY\b|\bGENERATED\b/i,
    why: 'SERIAL/IDENTITY columns differ between engines',
  },
  { pattern: /\bTEXT\b/i, why: 'TEXT is VARCHAR(256) on Redshift; write VARCHAR(n)' },
  { pattern: /\bGENERATE_SERIES\b/i, why: 'generate_series cannot feed tables on Redshift' },
  { pattern: /\bON\s+COMMIT\b/i, why: 'ON COMMIT clauses of temp tables are PostgreSQL-only' },
  { pattern: /\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b/i, why: 'IS [NOT] DISTINCT FROM is not in Redshift' },
  {
    pattern: /\bCREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE|TRIGGER)\b/i,
    why: 'functions belong in shims/',
  },
  { pattern: /\bCONCURRENTLY\b/i, why: 'CONCURRENTLY is PostgreSQL-only' },
];

function violations(sql: string): string[] {
  const code = codeOnly(sql);
  return FORBIDDEN.filter((f) => f.pattern.test(code)).map((f) => f.why);
}

const models = listAllSql().filter((f) => !f.startsWith('shims/'));

describe('dialect guard', () => {
  it('finds the SQL models', () => {
    expect(models).toContain('ddl/001_schema.sql');
    expect(models).toContain('staging/merge_staging.sql');
  });

  it.each(models)('%s stays in the Redshift/PostgreSQL common subset', (file) => {
    expect(violations(sqlFile(file))).toEqual([]);
  });

  it('catches each forbidden construct (the guard itself works)', () => {
    const planted = [
      'INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING',
      'INSERT INTO t VALUES (1) RETURNING id',
      'SELECT DISTINCT ON (a) a FROM t',
      'SELECT COUNT(*) FILTER (WHERE a) FROM t',
      'SELECT * FROM t, LATERAL (SELECT 1) x',
      'SELECT ARRAY[1,2]',
      "SELECT x->>'a' FROM t",
      'CREATE INDEX i ON t (a)',
      'CREATE TABLE t (id SERIAL)',
      'CREATE TABLE t (a TEXT)',
      'SELECT * FROM generate_series(1, 3)',
      'CREATE TEMP TABLE t (a INT) ON COMMIT DROP',
      'SELECT a IS DISTINCT FROM b FROM t',
      'CREATE FUNCTION f() RETURNS INT AS $$ SELECT 1 $$ LANGUAGE sql',
      'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
    ];
    for (const sql of planted) expect(violations(sql), sql).not.toEqual([]);
    expect(violations("-- no ON CONFLICT here\nSELECT 'RETURNING' AS word")).toEqual([]);
  });

  it.each(listAllSql())('%s lexes cleanly', (file) => {
    expect(() => lex(sqlFile(file))).not.toThrow();
  });

  it.each(listSql('ddl'))('%s states what it creates and its grain in a header comment', (file) => {
    const header = sqlFile(file).split('\n').slice(0, 12).join('\n');
    expect(header).toMatch(/^-- /);
    expect(header).toMatch(/Creates:/);
    expect(header).toMatch(/Grain/i);
  });
});

describe('SQL file loader', () => {
  it('lists migrations in file-name order with package-relative paths', () => {
    const ddl = listSql('ddl');
    expect(ddl[0]).toBe('ddl/001_schema.sql');
    expect([...ddl].sort()).toEqual(ddl);
    expect(ddl.every((f) => /^ddl\/\d{3}_[a-z0-9_]+\.sql$/.test(f))).toBe(true);
  });

  it('caches file text and maps it back to its model name', () => {
    const a = sqlFile('ddl/001_schema.sql');
    expect(sqlFile('./ddl/001_schema.sql')).toBe(a);
    expect(modelNameOf(a)).toBe('ddl/001_schema.sql');
  });

  it('refuses paths outside the package and missing files', () => {
    expect(() => sqlFile('../package.json')).toThrow(SqlFileError);
    expect(() => sqlFile('/etc/passwd')).toThrow(SqlFileError);
    expect(() => sqlFile('ddl/nope.sql')).toThrow(/cannot read/);
  });
});
