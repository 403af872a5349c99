/**
 * DDL of the source tables, derived from `SourceTableSpec` for the two places source tables live:
 * real MySQL/MariaDB databases (tests, the synthetic generator) and the embedded PostgreSQL
 * (PGlite) demo sources. Identifiers come only from the spec and are checked against a strict
 * pattern before they are quoted.
 */
import type { SourceColumn, SourceTableSpec } from './spec.ts';

/** SQL dialect of a source store. */
export type SourceDialect = 'mysql' | 'postgres';

export interface SourceDdlOptions {
  /** PostgreSQL schema to qualify the table with (the embedded store uses the source id). */
  schema?: string;
}

const IDENTIFIER_RE = /^[a-z_][a-z0-9_]*$/;
/** Default literals the spec may use: plain numbers or single-quoted text without quotes inside. */
const DEFAULT_RE = /^(-?\d+(\.\d+)?|'[^'\\]*')$/;

/**
 * Quote an identifier of the spec for `dialect`.
 * @throws Error when the name is not a plain lower-case SQL identifier (never user input).
 */
export function quoteIdent(name: string, dialect: SourceDialect): string {
  if (!IDENTIFIER_RE.test(name))
    throw new Error(`invalid SQL identifier in source spec: ${JSON.stringify(name)}`);
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

/** The table name, qualified with the schema when one is given (PostgreSQL). */
export function qualifiedTable(spec: SourceTableSpec, dialect: SourceDialect, schema?: string): string {
  const table = quoteIdent(spec.table, dialect);
  return schema === undefined ? table : `${quoteIdent(schema, dialect)}.${table}`;
}

/** SQL type of a source column in `dialect`. */
export function columnType(column: SourceColumn, dialect: SourceDialect): string {
  switch (column.type) {
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return dialect === 'mysql' ? 'INT' : 'INTEGER';
    case 'tinyint':
      return dialect === 'mysql' ? 'TINYINT' : 'SMALLINT';
    case 'varchar':
      if (column.length === undefined) throw new Error(`VARCHAR column ${column.name} has no length`);
      return `VARCHAR(${column.length})`;
    case 'decimal':
      if (column.precision === undefined || column.scale === undefined) {
        throw new Error(`DECIMAL column ${column.name} has no precision/scale`);
      }
      return `DECIMAL(${column.precision},${column.scale})`;
    case 'datetime':
      return dialect === 'mysql' ? 'DATETIME' : 'TIMESTAMP';
    case 'date':
      return 'DATE';
  }
}

function columnDefinition(column: SourceColumn, dialect: SourceDialect): string {
  const parts = [quoteIdent(column.name, dialect), columnType(column, dialect)];
  parts.push(column.nullable ? 'NULL' : 'NOT NULL');
  if (column.defaultValue !== undefined) {
    if (!DEFAULT_RE.test(column.defaultValue)) {
      throw new Error(`unsupported default literal for ${column.name}: ${column.defaultValue}`);
    }
    parts.push(`DEFAULT ${column.defaultValue}`);
  }
  return parts.join(' ');
}

/** Deterministic index name: `idx_<table>_<col>_<col>` or `uk_<table>_<col>…` (≤ 63 chars). */
export function indexName(spec: SourceTableSpec, columns: string[], unique: boolean): string {
  return `${unique ? 'uk' : 'idx'}_${spec.table}_${columns.join('_')}`.slice(0, 63);
}

/**
 * `CREATE TABLE IF NOT EXISTS` statements for one source table: columns with types, NOT NULL,
 * DEFAULT, the primary key, unique keys and secondary indexes. MySQL declares keys inline (one
 * statement); PostgreSQL gets one `CREATE [UNIQUE] INDEX IF NOT EXISTS` statement per key, with
 * DATETIME → TIMESTAMP (UTC wall-clock, no time zone) and TINYINT → SMALLINT.
 */
export function sourceTableDdl(
  spec: SourceTableSpec,
  dialect: SourceDialect,
  options: SourceDdlOptions = {},
): string[] {
  const q = (name: string) => quoteIdent(name, dialect);
  const table = qualifiedTable(spec, dialect, options.schema);
  const cols = (list: string[]) => list.map(q).join(', ');
  const known = new Set(spec.columns.map((c) => c.name));
  const keyLists = [[spec.primaryKey], ...(spec.uniqueKeys ?? []), ...spec.indexes];
  for (const list of keyLists) {
    for (const name of list) {
      if (!known.has(name)) throw new Error(`${spec.table}: key column ${name} is not a column of the spec`);
    }
  }

  const body = spec.columns.map((c) => `  ${columnDefinition(c, dialect)}`);
  body.push(`  PRIMARY KEY (${q(spec.primaryKey)})`);

  if (dialect === 'mysql') {
    for (const key of spec.uniqueKeys ?? [])
      body.push(`  UNIQUE KEY ${q(indexName(spec, key, true))} (${cols(key)})`);
    for (const key of spec.indexes) body.push(`  KEY ${q(indexName(spec, key, false))} (${cols(key)})`);
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (\n${body.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ];
  }

  const statements = [`CREATE TABLE IF NOT EXISTS ${table} (\n${body.join(',\n')}\n)`];
  for (const key of spec.uniqueKeys ?? []) {
    statements.push(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${q(indexName(spec, key, true))} ON ${table} (${cols(key)})`,
    );
  }
  for (const key of spec.indexes) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${q(indexName(spec, key, false))} ON ${table} (${cols(key)})`,
    );
  }
  return statements;
}
