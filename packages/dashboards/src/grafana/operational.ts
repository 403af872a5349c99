/**
 * Operational Monitoring dashboard (seed Phase 4 §5): for the people who run the pipeline — did
 * the latest run succeed, within the SLA, with clean data; where did the time go; what was
 * extracted and what was rejected. Everything comes from what the runs record in the warehouse
 * (run records, data-quality results, dead letters, staging tables).
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  PercentChangeColorMode,
  StackingMode,
  TableCellDisplayMode,
  TableCellHeight,
  VisibilityMode,
  VizOrientation,
} from '@grafana/schema';
import { QueryFormat, redshiftQuery } from './datasource.ts';
import { type DashboardDefinition, FOLDERS, reconDashboard } from './dashboard.ts';
import {
  type BarChartOptions,
  barChartPanel,
  byName,
  fixedColor,
  legend,
  statOptions,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  tooltipAll,
  valueText,
} from './panels.ts';
import { businessDates, phaseSeconds, RUN_PHASES, sql } from './sql.ts';

/** Pipeline SLA of seed §8.3: warning above 70 minutes, breached above 90. */
export const PIPELINE_SLA_SECONDS = { warning: 4200, breached: 5400 } as const;

const DQ_STATUS_MAPPING = valueText({
  PASS: { color: 'green' },
  WARN: { color: 'orange' },
  FAIL: { color: 'red' },
});

const RUN_STATUS_MAPPING = valueText({
  SUCCEEDED: { text: '✓ OK', color: 'green' },
  FAILED_DQ: { text: 'Halted by data quality', color: 'orange' },
  FAILED: { text: '✗ FAILED', color: 'red' },
});

const SLA_STATUS_MAPPING = valueText({
  WITHIN_SLA: { text: 'Within SLA', color: 'green' },
  SLA_WARNING: { text: '> 70 min', color: 'orange' },
  SLA_BREACHED: { text: '> 90 min', color: 'red' },
});

/** The staging tables of the source extraction panel (seed §5.1), in pipeline order. */
const STAGED_TABLES = [
  { table: 'stg_recon_orders', column: 'orders', title: 'Orders' },
  { table: 'stg_recon_payments', column: 'payments', title: 'Payments' },
  { table: 'stg_recon_trades', column: 'trades', title: 'Trades' },
  { table: 'stg_recon_receipts', column: 'receipts', title: 'Receipts' },
  { table: 'stg_recon_income_bills', column: 'income_bills', title: 'Income bills' },
  { table: 'stg_recon_vouchers', column: 'vouchers', title: 'Reconcile vouchers' },
] as const;

function barOptions(overrides: Partial<BarChartOptions>): BarChartOptions {
  return {
    orientation: VizOrientation.Auto,
    stacking: StackingMode.None,
    showValue: VisibilityMode.Never,
    barWidth: 0.8,
    groupWidth: 0.7,
    fullHighlight: false,
    xTickLabelMaxLength: 0,
    xTickLabelRotation: 0,
    legend: legend(),
    tooltip: tooltipAll(),
    ...overrides,
  };
}

const tableDefaults = {
  custom: {
    align: 'auto' as const,
    cellOptions: { type: TableCellDisplayMode.Auto as const },
    inspect: false,
  },
};

/** The operational dashboard (uid `recon-ops-monitor`, folder `recon-ops`). */
export function operationalDashboard(): DashboardDefinition {
  const phases = RUN_PHASES.map((p) => `${phaseSeconds('phase_durations', p.key)} AS ${p.column}`).join(
    ',\n',
  );
  const phaseColumns = RUN_PHASES.map((p) => p.column).join(',\n');
  const stagedCounts = STAGED_TABLES.map(
    (t) => sql`
      SELECT CAST('${t.column}' AS VARCHAR(16)) AS source_table, biz_date, COUNT(*) AS row_count
      FROM recon.${t.table}
      WHERE ${businessDates('biz_date')}
      GROUP BY biz_date`,
  ).join('\nUNION ALL\n');
  const stagedColumns = STAGED_TABLES.map(
    (t) => `SUM(CASE WHEN source_table = '${t.column}' THEN row_count ELSE 0 END) AS ${t.column}`,
  ).join(',\n');

  const panels = [
    statPanel({
      id: 1,
      title: 'Pipeline Status',
      description:
        'Status of the most recently started run for a business date in the range ' +
        '(recon.v_recon_pipeline_runs): succeeded, halted by a data-quality FAIL, or failed.',
      gridPos: { x: 0, y: 0, w: 5, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT pipeline_status
          FROM recon.v_recon_pipeline_runs
          WHERE ${businessDates('recon_date')}
          ORDER BY pipeline_start_time DESC
          LIMIT 1`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions({
        reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '/^pipeline_status$/' },
        colorMode: BigValueColorMode.Background,
      }),
      defaults: { displayName: 'Pipeline Status', mappings: RUN_STATUS_MAPPING, noValue: 'No run' },
    }),
    statPanel({
      id: 2,
      title: 'Duration',
      description:
        'Wall-clock duration of the latest finished run and its change from the run before ' +
        '(recon.v_recon_pipeline_runs). SLA: warning above 70 min, breached above 90 min.',
      gridPos: { x: 5, y: 0, w: 5, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT "time", duration_seconds
          FROM (
              SELECT pipeline_start_time AS "time", duration_seconds
              FROM recon.v_recon_pipeline_runs
              WHERE ${businessDates('recon_date')}
                AND duration_seconds IS NOT NULL
              ORDER BY pipeline_start_time DESC
              LIMIT 2
          ) latest
          ORDER BY "time"`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: statOptions({
        showPercentChange: true,
        percentChangeColorMode: PercentChangeColorMode.Inverted,
      }),
      defaults: {
        displayName: 'Duration',
        unit: 's',
        thresholds: thresholds(
          'green',
          [PIPELINE_SLA_SECONDS.warning, 'orange'],
          [PIPELINE_SLA_SECONDS.breached, 'red'],
        ),
      },
    }),
    statPanel({
      id: 3,
      title: 'Records Processed',
      description:
        'Source rows the latest successful run merged into the staging tables, and the change ' +
        'from the run before (recon.dwd_recon_anomaly_metrics.rows_loaded).',
      gridPos: { x: 10, y: 0, w: 5, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT "time", rows_loaded
          FROM (
              SELECT pipeline_start_time AS "time", rows_loaded
              FROM recon.dwd_recon_anomaly_metrics
              WHERE ${businessDates('recon_date')}
                AND rows_loaded IS NOT NULL
              ORDER BY pipeline_start_time DESC
              LIMIT 2
          ) latest
          ORDER BY "time"`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: statOptions({ showPercentChange: true }),
      defaults: {
        displayName: 'Records Processed',
        unit: 'short',
        decimals: 0,
        thresholds: thresholds('blue'),
      },
    }),
    statPanel({
      id: 4,
      title: 'DQ Checks Pass Rate',
      description:
        'Share of data-quality results (DQ-01…DQ-08, per check and table) that PASS on the latest ' +
        'business date in the range, and the change from the date before (recon.dwd_recon_dq_results).',
      gridPos: { x: 15, y: 0, w: 5, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT "time", dq_pass_rate
          FROM (
              SELECT
                  recon_date AS "time",
                  CAST(SUM(CASE WHEN status = 'PASS' THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS DECIMAL(5,1))
                      AS dq_pass_rate
              FROM recon.dwd_recon_dq_results
              WHERE ${businessDates('recon_date')}
              GROUP BY recon_date
              ORDER BY recon_date DESC
              LIMIT 2
          ) latest
          ORDER BY "time"`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: statOptions({ showPercentChange: true }),
      defaults: {
        displayName: 'DQ Pass Rate',
        unit: 'percent',
        decimals: 1,
        min: 0,
        max: 100,
        thresholds: thresholds('red', [80, 'orange'], [100, 'green']),
      },
    }),
    statPanel({
      id: 5,
      title: 'Dead Letters',
      description:
        'Source rows of the business dates in the range that could not be standardized and were ' +
        'set aside with their reason (recon.dwd_recon_dead_letter).',
      gridPos: { x: 20, y: 0, w: 4, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT COUNT(*) AS dead_letters
          FROM recon.dwd_recon_dead_letter
          WHERE ${businessDates('recon_date')}`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions({ graphMode: BigValueGraphMode.None }),
      defaults: {
        displayName: 'Dead Letters',
        unit: 'short',
        decimals: 0,
        thresholds: thresholds('green', [1, 'orange']),
      },
    }),
    timeSeriesPanel({
      id: 6,
      title: 'Pipeline Duration Trend (30d)',
      description:
        'Duration of the latest run of each business date, against the SLA lines at 70 and 90 min ' +
        '(recon.v_recon_pipeline_runs).',
      gridPos: { x: 0, y: 5, w: 12, h: 9 },
      timeFrom: '30d',
      targets: [
        redshiftQuery(
          sql`
          SELECT "time", duration_seconds
          FROM (
              SELECT
                  recon_date AS "time",
                  duration_seconds,
                  ROW_NUMBER() OVER (PARTITION BY recon_date ORDER BY pipeline_start_time DESC) AS run_rank
              FROM recon.v_recon_pipeline_runs
              WHERE ${businessDates('recon_date')}
                AND duration_seconds IS NOT NULL
          ) runs
          WHERE run_rank = 1
          ORDER BY "time"`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: { legend: legend('bottom', ['max', 'mean']), tooltip: tooltipAll() },
      defaults: {
        displayName: 'Duration',
        unit: 's',
        min: 0,
        color: fixedColor('blue'),
        thresholds: thresholds(
          'transparent',
          [PIPELINE_SLA_SECONDS.warning, 'orange'],
          [PIPELINE_SLA_SECONDS.breached, 'red'],
        ),
        custom: {
          drawStyle: GraphDrawStyle.Line,
          lineWidth: 2,
          showPoints: VisibilityMode.Always,
          pointSize: 5,
          thresholdsStyle: { mode: GraphThresholdsStyleMode.Dashed },
        },
      },
    }),
    timeSeriesPanel({
      id: 7,
      title: 'DQ Check Results (7d)',
      description:
        'Data-quality results per business date by outcome (recon.dwd_recon_dq_results): any FAIL ' +
        'halts the run before matching.',
      gridPos: { x: 12, y: 5, w: 12, h: 9 },
      timeFrom: '7d',
      targets: [
        redshiftQuery(
          sql`
          SELECT
              recon_date AS "time",
              SUM(CASE WHEN status = 'PASS' THEN 1 ELSE 0 END) AS pass_count,
              SUM(CASE WHEN status = 'WARN' THEN 1 ELSE 0 END) AS warn_count,
              SUM(CASE WHEN status = 'FAIL' THEN 1 ELSE 0 END) AS fail_count
          FROM recon.dwd_recon_dq_results
          WHERE ${businessDates('recon_date')}
          GROUP BY recon_date
          ORDER BY recon_date`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: { legend: legend('bottom', ['sum']), tooltip: tooltipAll() },
      defaults: {
        unit: 'short',
        decimals: 0,
        min: 0,
        custom: {
          drawStyle: GraphDrawStyle.Bars,
          fillOpacity: 80,
          lineWidth: 1,
          stacking: { mode: StackingMode.Normal, group: 'dq' },
        },
      },
      overrides: [
        byName('pass_count', { displayName: 'Pass', color: fixedColor('green') }),
        byName('warn_count', { displayName: 'Warn', color: fixedColor('orange') }),
        byName('fail_count', { displayName: 'Fail', color: fixedColor('red') }),
      ],
    }),
    barChartPanel({
      id: 8,
      title: 'Pipeline Phase Breakdown',
      description:
        'Seconds per phase of the latest run of each business date, stacked in pipeline order ' +
        '(recon.dwd_recon_anomaly_metrics.phase_durations).',
      gridPos: { x: 0, y: 14, w: 24, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              business_date,
              ${phaseColumns}
          FROM (
              SELECT
                  CAST(recon_date AS VARCHAR(10)) AS business_date,
                  ${phases},
                  ROW_NUMBER() OVER (PARTITION BY recon_date ORDER BY pipeline_start_time DESC) AS run_rank
              FROM recon.dwd_recon_anomaly_metrics
              WHERE ${businessDates('recon_date')}
                AND phase_durations IS NOT NULL
          ) runs
          WHERE run_rank = 1
          ORDER BY business_date`,
          QueryFormat.Table,
        ),
      ],
      options: barOptions({
        orientation: VizOrientation.Horizontal,
        xField: 'business_date',
        stacking: StackingMode.Normal,
      }),
      defaults: { unit: 's', min: 0, custom: { fillOpacity: 80, lineWidth: 1 } },
      overrides: [
        byName('business_date', { displayName: 'Business date' }),
        ...RUN_PHASES.map((p) => byName(p.column, { displayName: p.title })),
      ],
    }),
    barChartPanel({
      id: 9,
      title: 'Source Extraction Row Counts',
      description:
        'Rows in the staging tables per business date and source table, as the runs left them ' +
        '(latest version of each source row, soft-deleted and non-USD rows removed).',
      gridPos: { x: 0, y: 23, w: 24, h: 8 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              CAST(biz_date AS VARCHAR(10)) AS business_date,
              ${stagedColumns}
          FROM (
              ${stagedCounts}
          ) staged
          GROUP BY biz_date
          ORDER BY biz_date`,
          QueryFormat.Table,
        ),
      ],
      options: barOptions({ xField: 'business_date', showValue: VisibilityMode.Auto }),
      defaults: { unit: 'short', decimals: 0, min: 0, custom: { fillOpacity: 80, lineWidth: 1 } },
      overrides: [
        byName('business_date', { displayName: 'Business date' }),
        ...STAGED_TABLES.map((t) => byName(t.column, { displayName: t.title })),
      ],
    }),
    tablePanel({
      id: 10,
      title: 'Pipeline Run History',
      description:
        'Every run for the business dates in the range, newest first, with its outcome, SLA status, ' +
        'row counts, data-quality counts and, for a failed run, the failed step and cause ' +
        '(recon.v_recon_pipeline_runs).',
      gridPos: { x: 0, y: 31, w: 24, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              r.recon_date,
              r.pipeline_run_id,
              r.pipeline_status,
              r.pipeline_start_time,
              r.duration_seconds,
              r.pipeline_sla_status,
              m.rows_extracted,
              m.rows_loaded,
              m.rows_dead_lettered,
              r.total_orders_processed,
              r.total_anomalies_detected,
              r.dq_checks_passed,
              r.dq_checks_failed,
              m.failed_step,
              m.error_message
          FROM recon.v_recon_pipeline_runs r
          JOIN recon.dwd_recon_anomaly_metrics m ON m.pipeline_run_id = r.pipeline_run_id
          WHERE ${businessDates('r.recon_date')}
          ORDER BY r.recon_date DESC, r.pipeline_start_time DESC`,
          QueryFormat.Table,
        ),
      ],
      options: { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm },
      defaults: tableDefaults,
      overrides: [
        byName('recon_date', { displayName: 'Business date' }),
        byName('pipeline_run_id', { displayName: 'Run' }),
        byName('pipeline_status', {
          displayName: 'Status',
          mappings: RUN_STATUS_MAPPING,
          custom: { cellOptions: { type: TableCellDisplayMode.ColorText } },
        }),
        byName('pipeline_start_time', { displayName: 'Started (UTC)' }),
        byName('duration_seconds', { displayName: 'Duration', unit: 's' }),
        byName('pipeline_sla_status', {
          displayName: 'SLA',
          mappings: SLA_STATUS_MAPPING,
          custom: { cellOptions: { type: TableCellDisplayMode.ColorText } },
        }),
        byName('rows_extracted', { displayName: 'Extracted' }),
        byName('rows_loaded', { displayName: 'Loaded' }),
        byName('rows_dead_lettered', { displayName: 'Dead letters' }),
        byName('total_orders_processed', { displayName: 'L1 orders' }),
        byName('total_anomalies_detected', { displayName: 'Anomalies' }),
        byName('dq_checks_passed', { displayName: 'DQ passed' }),
        byName('dq_checks_failed', { displayName: 'DQ failed' }),
        byName('failed_step', { displayName: 'Failed step' }),
        byName('error_message', { displayName: 'Cause' }),
      ],
    }),
    tablePanel({
      id: 11,
      title: 'Data Quality Scorecard',
      description:
        'Every data-quality result of the business dates in the range, FAIL and WARN first, with ' +
        'what was measured against which threshold (recon.dwd_recon_dq_results).',
      gridPos: { x: 0, y: 40, w: 14, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT recon_date, check_id, check_name, table_name, status, measured_value, threshold, detail
          FROM recon.dwd_recon_dq_results
          WHERE ${businessDates('recon_date')}
          ORDER BY
              recon_date DESC,
              CASE status WHEN 'FAIL' THEN 1 WHEN 'WARN' THEN 2 ELSE 3 END,
              check_id,
              table_name`,
          QueryFormat.Table,
        ),
      ],
      options: { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm },
      defaults: tableDefaults,
      overrides: [
        byName('recon_date', { displayName: 'Business date' }),
        byName('check_id', { displayName: 'Check' }),
        byName('check_name', { displayName: 'Name' }),
        byName('table_name', { displayName: 'Table / level' }),
        byName('status', {
          displayName: 'Status',
          mappings: DQ_STATUS_MAPPING,
          custom: { cellOptions: { type: TableCellDisplayMode.ColorText } },
        }),
        byName('measured_value', { displayName: 'Measured' }),
        byName('threshold', { displayName: 'Threshold' }),
        byName('detail', { displayName: 'Detail' }),
      ],
    }),
    tablePanel({
      id: 12,
      title: 'Dead Letters by Reason',
      description:
        'Rejected source rows per business date, table and reason (recon.dwd_recon_dead_letter); the ' +
        'raw rows are kept there for replay.',
      gridPos: { x: 14, y: 40, w: 10, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT recon_date, table_name, reason, COUNT(*) AS dead_letters
          FROM recon.dwd_recon_dead_letter
          WHERE ${businessDates('recon_date')}
          GROUP BY recon_date, table_name, reason
          ORDER BY recon_date DESC, dead_letters DESC, table_name, reason`,
          QueryFormat.Table,
        ),
      ],
      options: { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm },
      defaults: tableDefaults,
      overrides: [
        byName('recon_date', { displayName: 'Business date' }),
        byName('table_name', { displayName: 'Source table' }),
        byName('reason', { displayName: 'Reason' }),
        byName('dead_letters', { displayName: 'Rows' }),
      ],
    }),
  ];
  return {
    folder: FOLDERS.operations,
    dashboard: reconDashboard({
      uid: 'recon-ops-monitor',
      title: 'Reconciliation Pipeline — Operational Monitor',
      description:
        'Pipeline health and SLA compliance: run outcomes and durations, data-quality results, ' +
        'phase timings, extraction volumes and dead letters.',
      tag: 'operations',
      from: 'now-7d',
      panels,
    }),
  };
}
