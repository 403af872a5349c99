/**
 * SQL fragments shared by the panel queries. Every query stays in the Redshift/PostgreSQL common
 * subset (the same rules as the SQL models in packages/sql), so it runs unchanged on Redshift in
 * AWS and on the PostgreSQL warehouse the tests check it against.
 */

/**
 * The value a multi-value variable takes when "All" is selected. Grafana inserts a custom all
 * value verbatim (never quoted or escaped), so it is itself a SQL string literal; no real value
 * (a severity, type code, shop id, status) can equal it.
 */
export const ALL_VALUE = "'__all'";

/**
 * The business dates of the dashboard's time range. The Redshift plugin expands `$__timeFrom()` /
 * `$__timeTo()` to quoted RFC 3339 instants ('2026-10-05T04:00:00Z'); their first ten characters
 * are the calendar date, which both engines cast to DATE the same way (a full instant with its
 * 'T' and 'Z' is parsed differently across engines). The DATE column is compared with constants,
 * a range on its sort key, never cast row by row.
 */
export function businessDates(column: string): string {
  return `${column} BETWEEN CAST(LEFT($__timeFrom(), 10) AS DATE) AND CAST(LEFT($__timeTo(), 10) AS DATE)`;
}

/**
 * A filter on a multi-value template variable: every row when "All" is selected, else the rows
 * whose `expression` (text) is one of the selected values. `${name:sqlstring}` makes Grafana quote
 * and escape each selected value, whatever the datasource's own interpolation does.
 */
export function variableFilter(expression: string, variable: string): string {
  const values = `\${${variable}:sqlstring}`;
  return `(${ALL_VALUE} IN (${values}) OR ${expression} IN (${values}))`;
}

/** The single value of a text-box variable as a quoted, escaped SQL string literal. */
export function textVariable(variable: string): string {
  return `\${${variable}:sqlstring}`;
}

/** Sort key of a severity: CRITICAL first (seed Phase 4 §3.4 ordering). */
export function severityRank(column: string): string {
  return `CASE ${column} WHEN 'CRITICAL' THEN 1 WHEN 'HIGH' THEN 2 WHEN 'MEDIUM' THEN 3 WHEN 'LOW' THEN 4 ELSE 5 END`;
}

/**
 * The phases a run records in `phase_durations` (JSON text such as {"plan":0.2,"extract":3.1,…}
 * written by the pipeline's RecordRun), with the column alias each gets (suffixed: several phase
 * names are SQL keywords).
 */
export const RUN_PHASES: readonly { key: string; column: string; title: string }[] = [
  { key: 'plan', column: 'plan_s', title: 'Plan' },
  { key: 'extract', column: 'extract_s', title: 'Extract' },
  { key: 'load', column: 'load_s', title: 'Load' },
  { key: 'dq', column: 'dq_pre_s', title: 'DQ pre-checks' },
  { key: 'match', column: 'match_s', title: 'Match L1–L3' },
  { key: 'dqPost', column: 'dq_post_s', title: 'DQ post-checks' },
  { key: 'anomalies', column: 'anomalies_s', title: 'Anomaly scan' },
  { key: 'views', column: 'views_s', title: 'Refresh views' },
];

/**
 * Seconds of one phase out of `phase_durations`. JSON functions differ between the engines
 * (JSON_EXTRACT_PATH_TEXT on Redshift, json operators on PostgreSQL), so the number is cut out
 * with SPLIT_PART, which both have: the text after `"key":` up to the next ',' or '}'. The key is
 * matched with its closing quote, so "dq" never matches "dqPost"; a phase the run did not reach
 * is absent and yields NULL.
 */
export function phaseSeconds(column: string, key: string): string {
  const after = `SPLIT_PART(${column}, '"${key}":', 2)`;
  return `CAST(NULLIF(SPLIT_PART(SPLIT_PART(${after}, ',', 1), '}', 1), '') AS DECIMAL(12,3))`;
}

/**
 * Remove the common indentation of SQL written in an indented template literal (and the blank
 * lines around it), so the dashboard JSON and Grafana's query editor show it flush left.
 */
export function dedent(text: string): string {
  const lines = text.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut).trimEnd()).join('\n');
}

/**
 * Tag for panel SQL written as an indented template literal: removes the common indentation of
 * the literal and indents the continuation lines of each multi-line value (a filter list, a
 * UNION of selects) to the column of the line it is placed on, so the SQL stored in the
 * dashboard reads as written.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  // Private-use characters never appear in SQL text.
  const marker = (i: number) => `\uE000${i}\uE001`;
  let text = strings[0] ?? '';
  values.forEach((_, i) => {
    text += marker(i) + (strings[i + 1] ?? '');
  });
  return dedent(text)
    .split('\n')
    .map((line) => {
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      return line.replace(/\uE000(\d+)\uE001/g, (_, i: string) =>
        String(values[Number(i)])
          .split('\n')
          .map((l, k) => (k === 0 || l === '' ? l : indent + l))
          .join('\n'),
      );
    })
    .join('\n');
}
