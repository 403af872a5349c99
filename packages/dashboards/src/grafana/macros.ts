/**
 * Expansion of the Grafana macros and template variables of panel SQL, as the Redshift
 * datasource plugin and Grafana's template service do it — so a panel's query can be run outside
 * Grafana (against the PostgreSQL warehouse in the tests) exactly as Grafana would send it:
 *
 * - `$__timeFilter(col)` → `col BETWEEN '<from>' AND '<to>'`, `$__timeFrom()` / `$__timeTo()` →
 *   the quoted instant, both as RFC 3339 UTC seconds ('2026-10-05T04:00:00Z');
 * - `${name:sqlstring}` → each selected value quoted with `'` doubled, comma-separated; "All"
 *   with a custom all value → that value verbatim (Grafana never formats a custom all value);
 * - `$name` / `${name}` → the plugin's own interpolation: a multi-value selection quoted the same
 *   way, a single value verbatim.
 *
 * Anything macro-like left over is an error, so a typo in a panel cannot pass unnoticed.
 */
import type { VariableModel } from '@grafana/schema';

/** What a variable is set to: "All" or specific values (a text box: one value). */
export type VariableSelection = 'all' | readonly string[];

/** The dashboard state a query is expanded for. */
export interface ExpansionContext {
  /** Start and end of the time range (instants). */
  from: Date;
  to: Date;
  /** The dashboard's template variables. */
  variables: readonly VariableModel[];
  /** The selection of each variable (by name); a variable left out is an error if used. */
  selections: Readonly<Record<string, VariableSelection>>;
}

/** An unexpanded or unknown macro or variable. */
export class MacroError extends Error {
  override name = 'MacroError';
}

const rfc3339 = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** The values of a variable's options (custom variables: its comma-separated query). */
function optionValues(variable: VariableModel): string[] {
  if (variable.type === 'custom' && typeof variable.query === 'string') {
    return variable.query.split(',').map((v) => v.trim());
  }
  return (variable.options ?? [])
    .map((o) => (Array.isArray(o.value) ? o.value.join(',') : o.value))
    .filter((v) => v !== '$__all');
}

function render(name: string, format: 'sqlstring' | 'plugin', ctx: ExpansionContext): string {
  const variable = ctx.variables.find((v) => v.name === name);
  if (!variable) throw new MacroError(`unknown template variable "${name}"`);
  const selection = ctx.selections[name];
  if (selection === undefined) throw new MacroError(`no selection given for template variable "${name}"`);
  if (selection === 'all') {
    if (!variable.includeAll) throw new MacroError(`variable "${name}" has no "All" option`);
    if (variable.allValue !== undefined && variable.allValue !== '') return variable.allValue;
    return optionValues(variable).map(quote).join(',');
  }
  if (variable.type === 'textbox') {
    if (selection.length !== 1) throw new MacroError(`text box "${name}" takes exactly one value`);
    return format === 'sqlstring' ? quote(selection[0]!) : selection[0]!;
  }
  if (selection.length === 0) throw new MacroError(`variable "${name}" has nothing selected`);
  // A multi-value variable hands the plugin an array, which it quotes; a single-value one a string.
  if (format === 'plugin' && !variable.multi) return selection[0]!;
  return selection.map(quote).join(',');
}

const MACROS =
  /\$__timeFilter\(\s*([^()]+?)\s*\)|\$__timeFrom\(\)|\$__timeTo\(\)|\$\{(\w+):sqlstring\}|\$\{(\w+)\}|\$([A-Za-z]\w*)/g;
const LEFTOVER = /\$__\w+|\$\{[^}]*\}|\[\[\w+\]\]/;

/** Expand the macros and template variables of one panel query (in one pass: inserted values are never re-expanded). */
export function expandMacros(sql: string, ctx: ExpansionContext): string {
  const left = LEFTOVER.exec(sql.replace(MACROS, ''));
  if (left) throw new MacroError(`unexpanded macro or variable ${left[0]}`);
  const from = rfc3339(ctx.from);
  const to = rfc3339(ctx.to);
  return sql.replace(
    MACROS,
    (match, column?: string, sqlstringVar?: string, bracedVar?: string, bareVar?: string) => {
      if (column !== undefined) return `${column} BETWEEN '${from}' AND '${to}'`;
      if (match === '$__timeFrom()') return `'${from}'`;
      if (match === '$__timeTo()') return `'${to}'`;
      if (sqlstringVar !== undefined) return render(sqlstringVar, 'sqlstring', ctx);
      return render((bracedVar ?? bareVar)!, 'plugin', ctx);
    },
  );
}
