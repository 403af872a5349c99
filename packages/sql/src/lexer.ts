/**
 * A small SQL lexer: enough of PostgreSQL/Redshift lexical structure to tell code from string
 * literals, quoted identifiers, comments and dollar-quoted bodies. Everything that rewrites SQL
 * text (named parameters, statement splitting, identifier templating, the dialect guard test)
 * works on these segments so a `:name` or `;` inside a literal or comment is never touched.
 */

/** Kind of a lexical segment. */
export type SegmentKind = 'code' | 'string' | 'identifier' | 'lineComment' | 'blockComment' | 'dollar';

/** A contiguous piece of SQL text of one kind; concatenating all segments gives the input back. */
export interface Segment {
  kind: SegmentKind;
  text: string;
}

/** Raised when SQL text cannot be lexed (unterminated literal, comment or quoted identifier). */
export class SqlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

const IDENT_CHAR = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Split `sql` into segments. Throws {@link SqlSyntaxError} on unterminated constructs. */
export function lex(sql: string): Segment[] {
  const segments: Segment[] = [];
  let code = '';
  let i = 0;
  const flushCode = (): void => {
    if (code.length > 0) segments.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      flushCode();
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      segments.push({ kind: 'lineComment', text: sql.slice(i, stop) });
      i = stop;
      continue;
    }
    if (ch === '/' && next === '*') {
      flushCode();
      // PostgreSQL block comments nest.
      let depth = 0;
      let j = i;
      while (j < sql.length) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else {
          j++;
        }
      }
      if (depth !== 0) throw new SqlSyntaxError(`unterminated block comment at offset ${i}`);
      segments.push({ kind: 'blockComment', text: sql.slice(i, j) });
      i = j;
      continue;
    }
    if (ch === "'") {
      // E'…' strings honour backslash escapes; the E belongs to the literal.
      const prev = code[code.length - 1];
      const beforePrev = code[code.length - 2];
      const escaped =
        (prev === 'E' || prev === 'e') && (beforePrev === undefined || !IDENT_CHAR.test(beforePrev));
      let start = i;
      if (escaped) {
        code = code.slice(0, -1);
        start = i - 1;
      }
      flushCode();
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new SqlSyntaxError(`unterminated string literal at offset ${start}`);
        const c = sql[j];
        if (escaped && c === '\\') {
          j += 2;
          continue;
        }
        if (c === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      segments.push({ kind: 'string', text: sql.slice(start, j) });
      i = j;
      continue;
    }
    if (ch === '"') {
      flushCode();
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new SqlSyntaxError(`unterminated quoted identifier at offset ${i}`);
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      segments.push({ kind: 'identifier', text: sql.slice(i, j) });
      i = j;
      continue;
    }
    if (ch === '$') {
      const prev = code[code.length - 1];
      const tag = prev !== undefined && IDENT_CHAR.test(prev) ? null : DOLLAR_TAG.exec(sql.slice(i));
      if (tag) {
        flushCode();
        const delimiter = tag[0];
        const end = sql.indexOf(delimiter, i + delimiter.length);
        if (end === -1) throw new SqlSyntaxError(`unterminated dollar-quoted string at offset ${i}`);
        const stop = end + delimiter.length;
        segments.push({ kind: 'dollar', text: sql.slice(i, stop) });
        i = stop;
        continue;
      }
    }
    code += ch;
    i++;
  }
  flushCode();
  return segments;
}

/**
 * The code of `sql` with comments removed and the contents of string literals, quoted
 * identifiers and dollar-quoted bodies blanked (`''`, `""`, `$$ $$`), for scanning keywords.
 */
export function codeOnly(sql: string): string {
  return lex(sql)
    .map((s) => {
      switch (s.kind) {
        case 'code':
          return s.text;
        case 'string':
          return "''";
        case 'identifier':
          return '""';
        case 'dollar':
          return '$$ $$';
        default:
          return ' ';
      }
    })
    .join('');
}
