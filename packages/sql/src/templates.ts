/**
 * Turning SQL model text into executable statements: named parameters (`:name` → `$n`),
 * statement splitting, named steps of a multi-statement model, and identifier templating
 * (`{{name}}`, identifiers only — values are always bound, never spliced).
 */
import { lex } from './lexer.ts';

/** A named parameter is referenced by the SQL but not supplied (or supplied as `undefined`). */
export class SqlParamError extends Error {
  /** The parameter name, without the colon. */
  readonly param: string;
  constructor(message: string, param: string) {
    super(message);
    this.name = 'SqlParamError';
    this.param = param;
  }
}

/** An identifier template could not be rendered (unknown placeholder or unsafe identifier). */
export class SqlTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlTemplateError';
  }
}

/** SQL text with positional placeholders and the values to bind, in order. */
export interface CompiledSql {
  text: string;
  values: unknown[];
}

const NAMED = /::|:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Compile `:name` placeholders into `$1…$n` (a name used twice binds once). `::` casts, string
 * literals, quoted identifiers, comments and dollar-quoted bodies are left alone. Parameters the
 * SQL does not reference are ignored, so one context object can serve many models.
 * @throws SqlParamError naming a parameter the SQL references but `params` lacks or sets to `undefined`.
 */
export function compileNamed(sql: string, params: Readonly<Record<string, unknown>>): CompiledSql {
  const order = new Map<string, number>();
  const values: unknown[] = [];
  const text = lex(sql)
    .map((segment) => {
      if (segment.kind !== 'code') return segment.text;
      return segment.text.replace(NAMED, (match: string, name: string | undefined) => {
        if (name === undefined) return match;
        let index = order.get(name);
        if (index === undefined) {
          if (!Object.hasOwn(params, name)) {
            throw new SqlParamError(`missing SQL parameter :${name}`, name);
          }
          const value = params[name];
          if (value === undefined) throw new SqlParamError(`SQL parameter :${name} is undefined`, name);
          values.push(value);
          index = values.length;
          order.set(name, index);
        }
        return `$${index}`;
      });
    })
    .join('');
  return { text, values };
}

/** The names of the `:name` parameters `sql` references, in first-use order. */
export function namedParams(sql: string): string[] {
  const names: string[] = [];
  for (const segment of lex(sql)) {
    if (segment.kind !== 'code') continue;
    for (const m of segment.text.matchAll(NAMED)) {
      const name = m[1];
      if (name !== undefined && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * Split a multi-statement SQL text on top-level semicolons. Comments stay with the statement
 * they precede; pieces holding nothing but whitespace and comments are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let hasCode = false;
  const flush = (): void => {
    if (hasCode) statements.push(current.trim());
    current = '';
    hasCode = false;
  };
  for (const segment of lex(sql)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      if (segment.kind !== 'lineComment' && segment.kind !== 'blockComment') hasCode = true;
      continue;
    }
    const parts = segment.text.split(';');
    parts.forEach((part, index) => {
      if (index > 0) flush();
      current += part;
      if (part.trim().length > 0) hasCode = true;
    });
  }
  flush();
  return statements;
}

/** One statement of a multi-statement model, named by a `-- step: <name>` comment above it. */
export interface SqlStep {
  name: string;
  sql: string;
}

const STEP = /^--\s*step:\s*([A-Za-z0-9_]+)/;

/**
 * The statements of a model, each named by the `-- step: name` line comment that precedes it
 * (statements without one are named `step_<n>`, 1-based).
 */
export function namedSteps(sql: string): SqlStep[] {
  return splitStatements(sql).map((statement, index) => {
    let name = `step_${index + 1}`;
    for (const segment of lex(statement)) {
      if (segment.kind === 'lineComment') {
        const m = STEP.exec(segment.text);
        if (m?.[1]) {
          name = m[1];
          break;
        }
      } else if (segment.kind !== 'blockComment' && segment.text.trim().length > 0) {
        break;
      }
    }
    return { name, sql: statement };
  });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_]*\.))?\s*\}\}/g;

/** Identifier template values: one identifier, or a list rendered comma-separated. */
export type IdentifierVars = Readonly<Record<string, string | readonly string[]>>;

/** Whether `name` is a plain (optionally schema-qualified) SQL identifier safe to splice. */
export function isSafeIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Render `{{name}}` placeholders in code and comments (never inside string literals) with
 * identifiers; a list renders as `a, b, c`, and `{{name:t.}}` prefixes each item (`t.a, t.b`).
 * @throws SqlTemplateError for an unknown placeholder or a value that is not a plain identifier.
 */
export function renderIdentifiers(sql: string, vars: IdentifierVars): string {
  const render = (match: string, name: string, prefix: string | undefined): string => {
    if (!Object.hasOwn(vars, name)) throw new SqlTemplateError(`unknown template identifier ${match}`);
    const value = vars[name] as string | readonly string[];
    const items = typeof value === 'string' ? [value] : value;
    if (items.length === 0) throw new SqlTemplateError(`template identifier ${match} is an empty list`);
    for (const item of items) {
      if (!isSafeIdentifier(item)) {
        throw new SqlTemplateError(`template identifier ${match} has unsafe value ${JSON.stringify(item)}`);
      }
    }
    return items.map((item) => `${prefix ?? ''}${item}`).join(', ');
  };
  return lex(sql)
    .map((segment) =>
      segment.kind === 'code' || segment.kind === 'lineComment' || segment.kind === 'blockComment'
        ? segment.text.replace(PLACEHOLDER, render)
        : segment.text,
    )
    .join('');
}
