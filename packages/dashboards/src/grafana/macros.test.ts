/**
 * The macro expansion the query tests rely on, and the SQL helpers the panels are written with.
 */
import type { VariableModel } from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { expandMacros, MacroError } from './macros.ts';
import { sql, variableFilter } from './sql.ts';
import { customVariable, textboxVariable } from './variables.ts';

const variables: VariableModel[] = [
  customVariable({ name: 'severity', label: 'Severity', description: '', values: ['CRITICAL', 'HIGH'] }),
  textboxVariable({ name: 'anomaly_id', label: 'Anomaly', description: '' }),
  { type: 'custom', name: 'single', query: 'a,b', multi: false },
];
const ctx = {
  from: new Date('2026-10-05T04:00:00.123Z'),
  to: new Date('2026-10-09T03:59:59Z'),
  variables,
};

describe('expandMacros', () => {
  it('expands the time macros to quoted RFC 3339 instants, as the Redshift plugin does', () => {
    expect(
      expandMacros('WHERE $__timeFilter(a.created_at) AND d BETWEEN $__timeFrom() AND $__timeTo()', {
        ...ctx,
        selections: {},
      }),
    ).toBe(
      "WHERE a.created_at BETWEEN '2026-10-05T04:00:00Z' AND '2026-10-09T03:59:59Z' AND d BETWEEN " +
        "'2026-10-05T04:00:00Z' AND '2026-10-09T03:59:59Z'",
    );
  });

  it('quotes selected values, escapes quotes, and inserts a custom all value verbatim', () => {
    const filter = variableFilter('severity', 'severity');
    expect(expandMacros(filter, { ...ctx, selections: { severity: ['HIGH', "O'Brien"] } })).toBe(
      "('__all' IN ('HIGH','O''Brien') OR severity IN ('HIGH','O''Brien'))",
    );
    expect(expandMacros(filter, { ...ctx, selections: { severity: 'all' } })).toBe(
      "('__all' IN ('__all') OR severity IN ('__all'))",
    );
    expect(
      expandMacros('id = ${anomaly_id:sqlstring}', { ...ctx, selections: { anomaly_id: ["x'y"] } }),
    ).toBe("id = 'x''y'");
  });

  it('follows the plugin for plain $var: quoted when multi-value, verbatim when single', () => {
    expect(expandMacros('IN ($severity)', { ...ctx, selections: { severity: ['HIGH'] } })).toBe(
      "IN ('HIGH')",
    );
    expect(expandMacros('= ${single}', { ...ctx, selections: { single: ['b'] } })).toBe('= b');
  });

  it('never re-expands an inserted value', () => {
    expect(
      expandMacros('= ${anomaly_id:sqlstring}', { ...ctx, selections: { anomaly_id: ['$severity'] } }),
    ).toBe("= '$severity'");
  });

  it('fails on unknown variables, missing selections and macros it does not know', () => {
    const run = (text: string) => () => expandMacros(text, { ...ctx, selections: { severity: 'all' } });
    expect(run('${nope:sqlstring}')).toThrow(MacroError);
    expect(run('${anomaly_id:sqlstring}')).toThrow(/no selection/);
    expect(run('$__timeGroup(t, 1h)')).toThrow(/unexpanded macro/);
    expect(run('${severity:csv}')).toThrow(/unexpanded/);
  });
});

describe('sql tag', () => {
  it('removes the literal’s indentation and indents multi-line values to their line', () => {
    const filters = ['a = 1', 'b = 2'].join('\n  AND ');
    const text = sql`
        SELECT x
        FROM t
        WHERE ${filters}
          AND c IN (
              ${'SELECT 1\nUNION ALL\nSELECT 2'}
          )`;
    expect(text).toBe(
      [
        'SELECT x',
        'FROM t',
        'WHERE a = 1',
        '  AND b = 2',
        '  AND c IN (',
        '      SELECT 1',
        '      UNION ALL',
        '      SELECT 2',
        '  )',
      ].join('\n'),
    );
  });
});
