/**
 * Redshift table attributes carried by the DDL as marker comments.
 *
 * The DDL of this package is written in the Redshift/PostgreSQL common subset, so it cannot say
 * how Redshift distributes and sorts a table (DISTSTYLE / DISTKEY / SORTKEY are Redshift-only).
 * Each `CREATE TABLE` therefore states its choice in ONE line comment inside the statement,
 * conventionally right above it:
 *
 *     -- redshift: DISTSTYLE KEY DISTKEY (order_id) SORTKEY (biz_date)
 *     CREATE TABLE IF NOT EXISTS recon.stg_recon_orders ( … );
 *
 * PostgreSQL and PGlite run the statement as written (the marker is a comment). A dialect that
 * renders table attributes (the Redshift warehouse dialect's `renderDdl`) calls
 * {@link renderRedshiftDdl}, which validates the marker against a strict grammar, checks that
 * the columns it names are columns of the table, and appends the attributes after the column
 * list — the only place Redshift accepts them. The same function refuses statements Redshift
 * cannot run at all (index creation), so such DDL fails before anything is sent.
 *
 * Marker grammar (keywords case-insensitive, identifiers plain lower-case column names):
 *   [DISTSTYLE {AUTO | EVEN | ALL | KEY}] [DISTKEY (col)] [[COMPOUND] SORTKEY {(col [, col …]) | AUTO}]
 * with DISTSTYLE or DISTKEY required (every table makes an explicit distribution choice), and
 * DISTKEY only with DISTSTYLE KEY (or none, which means KEY).
 */
import { codeOnly, lex } from './lexer.ts';

/** A table-attribute marker is malformed, misplaced or names an unknown column. */
export class TableAttributesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableAttributesError';
  }
}

/** The distribution and sort keys of one table, as its marker states them. */
export interface TableAttributes {
  /** How rows are distributed across slices. */
  diststyle: 'AUTO' | 'EVEN' | 'ALL' | 'KEY';
  /** The distribution column (DISTSTYLE KEY only). */
  distkey?: string;
  /** Compound sort key columns, or `'AUTO'`; absent when the marker names no sort key. */
  sortkey?: readonly string[] | 'AUTO';
}

const MARKER = /^--\s*redshift:\s*(.*)$/i;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const CREATE_TABLE = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*\(/i;
const CREATE_INDEX = /\bCREATE\s+(?:UNIQUE\s+)?INDEX\b/i;
const CONSTRAINT_START = /^(PRIMARY|UNIQUE|CONSTRAINT|FOREIGN|CHECK)\b/i;

/** The marker texts of `statement` (what follows `-- redshift:` in each line comment). */
function markersOf(statement: string): string[] {
  const found: string[] = [];
  for (const segment of lex(statement)) {
    if (segment.kind !== 'lineComment') continue;
    const m = MARKER.exec(segment.text);
    if (m) found.push((m[1] ?? '').trim());
  }
  return found;
}

function parseColumns(list: string, marker: string): string[] {
  const columns = list.split(',').map((c) => c.trim().toLowerCase());
  for (const c of columns) {
    if (!COLUMN.test(c)) throw new TableAttributesError(`marker "${marker}": "${c}" is not a column name`);
  }
  return columns;
}

/**
 * Parse the text of one marker (after `-- redshift:`).
 * @throws TableAttributesError for anything outside the grammar in the module comment.
 */
export function parseTableAttributes(marker: string): TableAttributes {
  let rest = marker.trim();
  const take = (pattern: RegExp): RegExpExecArray | null => {
    const m = pattern.exec(rest);
    if (m) rest = rest.slice(m[0].length).trimStart();
    return m;
  };
  const style = take(/^DISTSTYLE\s+(AUTO|EVEN|ALL|KEY)\b/i);
  const key = take(/^DISTKEY\s*\(\s*([^)]*?)\s*\)/i);
  const sortAuto = take(/^(?:COMPOUND\s+)?SORTKEY\s+AUTO\b/i);
  const sort = sortAuto ? null : take(/^(?:COMPOUND\s+)?SORTKEY\s*\(\s*([^)]*?)\s*\)/i);
  if (rest !== '') {
    throw new TableAttributesError(
      `marker "${marker}": unexpected "${rest}"; expected [DISTSTYLE …] [DISTKEY (col)] [SORTKEY (cols) | SORTKEY AUTO]`,
    );
  }
  if (!style && !key) {
    throw new TableAttributesError(`marker "${marker}": state a DISTSTYLE or a DISTKEY`);
  }
  const diststyle = (style?.[1]?.toUpperCase() ?? 'KEY') as TableAttributes['diststyle'];
  if (key && diststyle !== 'KEY') {
    throw new TableAttributesError(`marker "${marker}": DISTKEY needs DISTSTYLE KEY, not ${diststyle}`);
  }
  if (diststyle === 'KEY' && !key) {
    throw new TableAttributesError(`marker "${marker}": DISTSTYLE KEY needs a DISTKEY (col)`);
  }
  const attributes: TableAttributes = { diststyle };
  if (key) {
    const [column, ...more] = parseColumns(key[1] ?? '', marker);
    if (column === undefined || more.length > 0) {
      throw new TableAttributesError(`marker "${marker}": DISTKEY takes exactly one column`);
    }
    attributes.distkey = column;
  }
  if (sortAuto) attributes.sortkey = 'AUTO';
  if (sort) attributes.sortkey = parseColumns(sort[1] ?? '', marker);
  return attributes;
}

/** The Redshift clause of `attributes`, e.g. `DISTSTYLE KEY DISTKEY (order_id) COMPOUND SORTKEY (biz_date)`. */
export function formatTableAttributes(attributes: TableAttributes): string {
  const parts = [`DISTSTYLE ${attributes.diststyle}`];
  if (attributes.distkey !== undefined) parts.push(`DISTKEY (${attributes.distkey})`);
  if (attributes.sortkey === 'AUTO') parts.push('SORTKEY AUTO');
  else if (attributes.sortkey !== undefined)
    parts.push(`COMPOUND SORTKEY (${attributes.sortkey.join(', ')})`);
  return parts.join(' ');
}

/** Split `text` on commas that are not inside parentheses. */
function topLevelItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map((i) => i.trim()).filter((i) => i !== '');
}

/**
 * The table name and column names of a `CREATE TABLE [IF NOT EXISTS] name (…)` statement, or
 * undefined when `statement` is not one (a view, CTAS, ALTER, …).
 */
export function createTableColumns(statement: string): { table: string; columns: string[] } | undefined {
  const code = codeOnly(statement);
  const head = CREATE_TABLE.exec(code);
  if (!head) return undefined;
  const open = head[0].length - 1;
  let depth = 0;
  let close = -1;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    if (code[i] === ')') depth--;
    if (depth === 0) {
      close = i;
      break;
    }
  }
  if (close === -1) throw new TableAttributesError(`unbalanced column list in CREATE TABLE ${head[1]}`);
  const columns = topLevelItems(code.slice(open + 1, close))
    .filter((item) => !CONSTRAINT_START.test(item))
    .map((item) => (item.split(/\s+/)[0] ?? '').toLowerCase());
  return { table: head[1] as string, columns };
}

/**
 * The table attributes a statement's marker states, or undefined when it has no marker.
 * @throws TableAttributesError for several markers, a marker on anything but a CREATE TABLE
 *   with a column list, a malformed marker, or one naming a column the table does not have.
 */
export function tableAttributesOf(statement: string): TableAttributes | undefined {
  const markers = markersOf(statement);
  if (markers.length === 0) return undefined;
  const created = createTableColumns(statement);
  if (!created) {
    throw new TableAttributesError(
      `a "-- redshift:" marker belongs to a CREATE TABLE … (columns) statement: ${statement.slice(0, 120)}`,
    );
  }
  if (markers.length > 1) {
    throw new TableAttributesError(
      `CREATE TABLE ${created.table} has ${markers.length} "-- redshift:" markers`,
    );
  }
  const attributes = parseTableAttributes(markers[0] as string);
  const named = [
    ...(attributes.distkey === undefined ? [] : [attributes.distkey]),
    ...(Array.isArray(attributes.sortkey) ? attributes.sortkey : []),
  ];
  for (const column of named) {
    if (!created.columns.includes(column)) {
      throw new TableAttributesError(
        `marker of ${created.table} names ${column}, which is not one of its columns`,
      );
    }
  }
  return attributes;
}

/**
 * One DDL statement as Redshift must receive it: a CREATE TABLE with a `-- redshift:` marker gets
 * the marker's attributes appended after its column list (on a new line, so a trailing comment
 * cannot swallow them); other statements are returned unchanged.
 * @throws TableAttributesError for an invalid marker (see {@link tableAttributesOf}) or a
 *   statement that creates an index (Redshift has none).
 */
export function renderRedshiftDdl(statement: string): string {
  if (CREATE_INDEX.test(codeOnly(statement))) {
    throw new TableAttributesError(
      `Redshift has no indexes; this DDL cannot run there: ${statement.slice(0, 120)}`,
    );
  }
  const attributes = tableAttributesOf(statement);
  if (attributes === undefined) return statement;
  return `${statement.trimEnd()}\n${formatTableAttributes(attributes)}`;
}
