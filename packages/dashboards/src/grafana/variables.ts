/**
 * Template variables of the dashboards. Every list variable is multi-value with an "All" option
 * whose value is {@link ALL_VALUE}: Grafana then always hands the query a quoted list (or the
 * all literal), which {@link variableFilter} turns into a valid SQL condition in both cases.
 */
import { VariableHide, type VariableModel, VariableRefresh, VariableSort } from '@grafana/schema';
import { QueryFormat, RECON_DATASOURCE, type RedshiftQuery } from './datasource.ts';
import { ALL_VALUE, dedent } from './sql.ts';

const ALL_OPTION = { text: 'All', value: '$__all' };

/** The current selection of a variable: "All", or the given values. */
function current(values: readonly string[] | 'all'): NonNullable<VariableModel['current']> {
  if (values === 'all') return { selected: true, text: [ALL_OPTION.text], value: [ALL_OPTION.value] };
  return { selected: true, text: [...values], value: [...values] };
}

/** A fixed list of values (a Grafana "custom" variable), multi-value with "All". */
export function customVariable(spec: {
  name: string;
  label: string;
  description: string;
  values: readonly string[];
  /** Initially selected values (default: All). */
  selected?: readonly string[];
}): VariableModel {
  const selected = spec.selected ?? 'all';
  return {
    type: 'custom',
    name: spec.name,
    label: spec.label,
    description: spec.description,
    query: spec.values.join(','),
    multi: true,
    includeAll: true,
    allValue: ALL_VALUE,
    current: current(selected),
    options: [
      { ...ALL_OPTION, selected: selected === 'all' },
      ...spec.values.map((v) => ({
        text: v,
        value: v,
        selected: selected !== 'all' && selected.includes(v),
      })),
    ],
    hide: VariableHide.dontHide,
  };
}

/** Values read from the warehouse when the dashboard loads, multi-value with "All". */
export function queryVariable(spec: {
  name: string;
  label: string;
  description: string;
  /** Returns one text column; each row is one value. */
  sql: string;
}): VariableModel {
  const query: RedshiftQuery = {
    refId: `var_${spec.name}`,
    datasource: RECON_DATASOURCE,
    rawSQL: dedent(spec.sql),
    format: QueryFormat.Table,
  };
  return {
    type: 'query',
    name: spec.name,
    label: spec.label,
    description: spec.description,
    datasource: RECON_DATASOURCE,
    query: { ...query },
    refresh: VariableRefresh.onDashboardLoad,
    sort: VariableSort.naturalAsc,
    multi: true,
    includeAll: true,
    allValue: ALL_VALUE,
    current: current('all'),
    options: [],
    hide: VariableHide.dontHide,
  };
}

/** A free-text variable (empty by default), set by typing or by a data link. */
export function textboxVariable(spec: { name: string; label: string; description: string }): VariableModel {
  return {
    type: 'textbox',
    name: spec.name,
    label: spec.label,
    description: spec.description,
    query: '',
    current: { selected: false, text: '', value: '' },
    options: [{ selected: true, text: '', value: '' }],
    hide: VariableHide.dontHide,
  };
}

/** The SQL of a query variable (for tests and documentation). */
export function variableSql(variable: VariableModel): string | null {
  const q = variable.query;
  if (variable.type !== 'query' || typeof q !== 'object' || q === null) return null;
  const sql = (q as Record<string, unknown>).rawSQL;
  return typeof sql === 'string' ? sql : null;
}
