/**
 * Typed panel builders. `@grafana/schema`'s `Panel` leaves `options` as an open record, so each
 * builder takes the panel plugin's own generated `Options` (and field-config) types: a misspelt
 * option, a missing required option or a wrong enum value fails the TypeScript build instead of
 * being silently ignored by Grafana.
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  type DataTransformerConfig,
  type FieldConfig,
  FieldColorModeId,
  type FieldConfigSource,
  type GraphFieldConfig,
  type GridPos,
  LegendDisplayMode,
  type LegendPlacement,
  MappingType,
  type Panel,
  PercentChangeColorMode,
  SortOrder,
  type TableFieldOptions,
  type Threshold,
  type ThresholdsConfig,
  ThresholdsMode,
  TooltipDisplayMode,
  type ValueMapping,
  type VizLegendOptions,
  VizOrientation,
  type VizTooltipOptions,
} from '@grafana/schema';
import type {
  FieldConfig as BarChartFieldConfig,
  Options as BarChartOptions,
} from '@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen';
import type {
  FieldConfig as HeatmapFieldConfig,
  Options as HeatmapOptions,
} from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type {
  FieldConfig as PieChartFieldConfig,
  Options as PieChartOptions,
} from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { RECON_DATASOURCE, type RedshiftQuery } from './datasource.ts';

export type {
  BarChartOptions,
  HeatmapOptions,
  PieChartOptions,
  StatOptions,
  TableOptions,
  TimeSeriesOptions,
};

/** Standard (non-custom) field properties an override may set, typed as in `FieldConfig`. */
export type OverrideProperties<TCustom> = Partial<Omit<FieldConfig, 'custom'>> & {
  custom?: Partial<TCustom>;
};

/** One field override: a field matcher and the properties it sets. */
export interface FieldOverride<TCustom> {
  matcher: { id: 'byName' | 'byRegexp'; options: string };
  properties: OverrideProperties<TCustom>;
}

/** What every panel has: identity, place, the queries and (optionally) field options. */
export interface PanelSpec<TOptions, TCustom> {
  /** Unique within the dashboard. */
  id: number;
  title: string;
  /** Shown as the panel's info tooltip: what the numbers mean and where they come from. */
  description: string;
  gridPos: GridPos;
  targets: RedshiftQuery[];
  options: TOptions;
  defaults?: FieldConfig<TCustom>;
  overrides?: FieldOverride<TCustom>[];
  transformations?: DataTransformerConfig[];
  /** Relative time override (e.g. '30d'): the panel's macros then expand to that range. */
  timeFrom?: string;
}

function overrideToSchema<TCustom>(o: FieldOverride<TCustom>): FieldConfigSource['overrides'][number] {
  const properties: { id: string; value?: unknown }[] = [];
  const { custom, ...standard } = o.properties;
  for (const [id, value] of Object.entries(standard)) properties.push({ id, value });
  for (const [id, value] of Object.entries(custom ?? {})) properties.push({ id: `custom.${id}`, value });
  return { matcher: { id: o.matcher.id, options: o.matcher.options }, properties };
}

function buildPanel<TOptions extends object, TCustom>(
  type: string,
  spec: PanelSpec<TOptions, TCustom>,
): Panel {
  const panel: Panel = {
    id: spec.id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: RECON_DATASOURCE,
    gridPos: { ...spec.gridPos },
    targets: spec.targets.map((t) => ({ ...t })),
    // The plugin option types are closed interfaces (checked by the builders' signatures); the
    // schema's Panel keeps options an open record.
    options: { ...(spec.options as Record<string, unknown>) },
    fieldConfig: {
      defaults: { ...(spec.defaults ?? {}) },
      overrides: (spec.overrides ?? []).map(overrideToSchema),
    },
  };
  if (spec.timeFrom) panel.timeFrom = spec.timeFrom;
  if (spec.transformations) panel.transformations = spec.transformations;
  return panel;
}

/** A stat panel (single values; with `showPercentChange`, the change from first to last row). */
export function statPanel(spec: PanelSpec<StatOptions, Record<string, unknown>>): Panel {
  return buildPanel('stat', spec);
}

/** A time series panel (lines or bars over the business dates). */
export function timeSeriesPanel(spec: PanelSpec<TimeSeriesOptions, GraphFieldConfig>): Panel {
  return buildPanel('timeseries', spec);
}

/** A bar chart over a string x field (categories, not time). */
export function barChartPanel(spec: PanelSpec<BarChartOptions, BarChartFieldConfig>): Panel {
  return buildPanel('barchart', spec);
}

/** A pie chart, one slice per row. */
export function pieChartPanel(spec: PanelSpec<PieChartOptions, PieChartFieldConfig>): Panel {
  return buildPanel('piechart', spec);
}

/** A table. */
export function tablePanel(spec: PanelSpec<TableOptions, TableFieldOptions>): Panel {
  return buildPanel('table', spec);
}

/** A heatmap of pre-bucketed data (one numeric field per row of the map). */
export function heatmapPanel(spec: PanelSpec<HeatmapOptions, HeatmapFieldConfig>): Panel {
  return buildPanel('heatmap', spec);
}

/** Absolute thresholds from a base color and `[value, color]` steps in ascending order. */
export function thresholds(base: string, ...steps: [number, string][]): ThresholdsConfig {
  const list: Threshold[] = [{ color: base, value: null }];
  for (const [value, color] of steps) list.push({ color, value });
  return { mode: ThresholdsMode.Absolute, steps: list };
}

/** Value mappings from exact values to display text and color. */
export function valueText(entries: Record<string, { text?: string; color: string }>): ValueMapping[] {
  const options: Record<string, { text?: string; color: string; index: number }> = {};
  Object.entries(entries).forEach(([value, result], index) => {
    options[value] = { ...result, index };
  });
  return [{ type: MappingType.ValueToText, options }];
}

/** Override of one field by its name. */
export function byName<TCustom>(
  name: string,
  properties: OverrideProperties<TCustom>,
): FieldOverride<TCustom> {
  return { matcher: { id: 'byName', options: name }, properties };
}

/** A fixed series color. */
export function fixedColor(color: string): NonNullable<FieldConfig['color']> {
  return { mode: FieldColorModeId.Fixed, fixedColor: color };
}

/** A legend shown as a list. */
export function legend(placement: LegendPlacement = 'bottom', calcs: string[] = []): VizLegendOptions {
  return { showLegend: true, displayMode: LegendDisplayMode.List, placement, calcs };
}

/** A tooltip showing every series at the hovered point, largest first. */
export function tooltipAll(): VizTooltipOptions {
  return { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending };
}

/**
 * Options of a stat panel showing the last value and, when the query returns two rows (the
 * previous and the latest business date or run), its change since the previous one.
 */
export function statOptions(overrides: Partial<StatOptions> = {}): StatOptions {
  return {
    reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' },
    orientation: VizOrientation.Auto,
    textMode: BigValueTextMode.Value,
    colorMode: BigValueColorMode.Value,
    graphMode: BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Center,
    showPercentChange: false,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    wideLayout: true,
    ...overrides,
  };
}
