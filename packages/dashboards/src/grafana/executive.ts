/**
 * Executive Reconciliation dashboard (seed Phase 4 §4): for finance leadership, "is yesterday's
 * revenue right?" — match rates with their day-over-day change, what is still open and at risk,
 * 30-day trends, shop health and the most urgent open anomalies.
 */
import {
  AxisPlacement,
  BigValueGraphMode,
  GraphDrawStyle,
  HeatmapCellLayout,
  PercentChangeColorMode,
  StackingMode,
  TableCellDisplayMode,
  TableCellHeight,
  TooltipDisplayMode,
  VisibilityMode,
} from '@grafana/schema';
import {
  HeatmapColorMode,
  HeatmapColorScale,
} from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import { QueryFormat, redshiftQuery } from './datasource.ts';
import {
  type DashboardDefinition,
  FOLDERS,
  reconDashboard,
  SEVERITY_COLORS,
  SEVERITY_MAPPING,
  SLA_MAPPING,
} from './dashboard.ts';
import {
  byName,
  fixedColor,
  heatmapPanel,
  legend,
  statOptions,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  tooltipAll,
} from './panels.ts';
import { businessDates, severityRank, sql } from './sql.ts';

/**
 * The last two business dates of the range that have a value for a daily-summary rate, oldest
 * first: the stat shows the latest and its change from the date before.
 */
function latestTwoDays(column: string): string {
  return sql`
    SELECT "time", ${column}
    FROM (
        SELECT recon_date AS "time", ${column}
        FROM recon.mv_recon_daily_summary
        WHERE ${businessDates('recon_date')}
          AND ${column} IS NOT NULL
        ORDER BY recon_date DESC
        LIMIT 2
    ) latest
    ORDER BY "time"`;
}

function matchRateStat(id: number, x: number, level: 'L1' | 'L2' | 'L3', what: string) {
  const column = `${level.toLowerCase()}_match_rate_pct`;
  return statPanel({
    id,
    title: `${level} Match Rate`,
    description:
      `${what}: matched × 100 / total of the latest business date in the range ` +
      `(recon.mv_recon_daily_summary), and its change from the business date before. ` +
      `Below 95 % is a warning, below 90 % critical (seed §8.3).`,
    gridPos: { x, y: 0, w: 5, h: 5 },
    targets: [redshiftQuery(latestTwoDays(column), QueryFormat.TimeSeries)],
    options: statOptions({ showPercentChange: true, graphMode: BigValueGraphMode.None }),
    defaults: {
      displayName: `${level} Match Rate`,
      unit: 'percent',
      decimals: 1,
      min: 0,
      max: 100,
      // The L3 rate is a shop-day count rate and legitimately low; the seed's alert thresholds
      // are for L1/L2 order rates, so L3 gets no red.
      thresholds: level === 'L3' ? thresholds('blue') : thresholds('red', [90, 'orange'], [95, 'green']),
    },
  });
}

/** The executive dashboard (uid `recon-exec-overview`, folder `recon-exec`). */
export function executiveDashboard(): DashboardDefinition {
  const panels = [
    matchRateStat(1, 0, 'L1', 'Level 1, order ↔ payment ↔ trade'),
    matchRateStat(2, 5, 'L2', 'Level 2, order ↔ finance receipt'),
    matchRateStat(3, 10, 'L3', 'Level 3, shop-day receipts ↔ income bills'),
    statPanel({
      id: 4,
      title: 'Open Anomalies',
      description:
        'Anomalies OPEN or INVESTIGATING now (recon.v_recon_open_anomalies), all business dates, and ' +
        'the change from the number open at the last run of the previous business date ' +
        '(recon.dwd_recon_anomaly_metrics.open_anomalies).',
      gridPos: { x: 15, y: 0, w: 5, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT "time", open_anomalies
          FROM (
              SELECT m.as_of AS "time", m.open_anomalies
              FROM recon.dwd_recon_anomaly_metrics m
              WHERE m.status = 'SUCCEEDED'
                AND m.open_anomalies IS NOT NULL
                AND m.recon_date < (
                    SELECT MAX(l.recon_date)
                    FROM recon.dwd_recon_anomaly_metrics l
                    WHERE l.status = 'SUCCEEDED'
                )
              ORDER BY m.recon_date DESC, m.as_of DESC
              LIMIT 1
          ) previous_run
          UNION ALL
          SELECT GETDATE(), COUNT(*)
          FROM recon.v_recon_open_anomalies
          ORDER BY 1`,
          QueryFormat.TimeSeries,
        ),
      ],
      // Fewer open anomalies is good: a drop shows green.
      options: statOptions({
        showPercentChange: true,
        percentChangeColorMode: PercentChangeColorMode.Inverted,
      }),
      defaults: {
        displayName: 'Open Anomalies',
        unit: 'short',
        decimals: 0,
        thresholds: thresholds('green', [1, 'orange']),
      },
    }),
    statPanel({
      id: 5,
      title: 'Revenue at Risk',
      description:
        'Affected amount of the CRITICAL and HIGH anomalies still OPEN or INVESTIGATING, all business ' +
        'dates (recon.dwd_recon_anomalies).',
      gridPos: { x: 20, y: 0, w: 4, h: 5 },
      targets: [
        redshiftQuery(
          sql`
          SELECT COALESCE(SUM(affected_amount), 0) AS revenue_at_risk
          FROM recon.dwd_recon_anomalies
          WHERE status IN ('OPEN', 'INVESTIGATING')
            AND severity IN ('CRITICAL', 'HIGH')`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions(),
      defaults: {
        displayName: 'Revenue at Risk',
        unit: 'currencyUSD',
        decimals: 2,
        thresholds: thresholds('green', [0.01, 'orange'], [1000, 'red']),
      },
    }),
    timeSeriesPanel({
      id: 6,
      title: 'Match Rate Trend (30d)',
      description:
        'Daily match rate per level over the last 30 business dates (recon.mv_recon_daily_summary).',
      gridPos: { x: 0, y: 5, w: 12, h: 9 },
      timeFrom: '30d',
      targets: [
        redshiftQuery(
          sql`
          SELECT
              recon_date AS "time",
              l1_match_rate_pct AS l1_order_payment,
              l2_match_rate_pct AS l2_order_receipt,
              l3_match_rate_pct AS l3_receipt_income
          FROM recon.mv_recon_daily_summary
          WHERE ${businessDates('recon_date')}
          ORDER BY recon_date`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: { legend: legend('bottom', ['lastNotNull', 'min']), tooltip: tooltipAll() },
      defaults: {
        unit: 'percent',
        min: 0,
        max: 100,
        decimals: 2,
        custom: {
          drawStyle: GraphDrawStyle.Line,
          lineWidth: 2,
          pointSize: 5,
          showPoints: VisibilityMode.Always,
        },
      },
      overrides: [
        byName('l1_order_payment', { displayName: 'L1 Order↔Payment', color: fixedColor('green') }),
        byName('l2_order_receipt', { displayName: 'L2 Order↔Receipt', color: fixedColor('blue') }),
        byName('l3_receipt_income', { displayName: 'L3 Receipt↔Income', color: fixedColor('purple') }),
      ],
    }),
    timeSeriesPanel({
      id: 7,
      title: 'Anomaly Count Trend (30d)',
      description:
        'Anomalies per business date by severity, whatever their status now ' +
        '(recon.mv_recon_anomaly_by_type).',
      gridPos: { x: 12, y: 5, w: 12, h: 9 },
      timeFrom: '30d',
      targets: [
        redshiftQuery(
          sql`
          SELECT
              recon_date AS "time",
              SUM(CASE WHEN severity = 'CRITICAL' THEN anomaly_count ELSE 0 END) AS critical,
              SUM(CASE WHEN severity = 'HIGH' THEN anomaly_count ELSE 0 END) AS high,
              SUM(CASE WHEN severity = 'MEDIUM' THEN anomaly_count ELSE 0 END) AS medium,
              SUM(CASE WHEN severity = 'LOW' THEN anomaly_count ELSE 0 END) AS low
          FROM recon.mv_recon_anomaly_by_type
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
          stacking: { mode: StackingMode.Normal, group: 'severity' },
        },
      },
      overrides: (['critical', 'high', 'medium', 'low'] as const).map((s) =>
        byName(s, {
          displayName: s[0]!.toUpperCase() + s.slice(1),
          color: fixedColor(SEVERITY_COLORS[s.toUpperCase() as keyof typeof SEVERITY_COLORS]),
        }),
      ),
    }),
    timeSeriesPanel({
      id: 8,
      title: 'Revenue by Match Status',
      description:
        'Level 1 order revenue per business date: matched to payments and trades, or not ' +
        '(every status but MATCHED) (recon.mv_recon_daily_summary).',
      gridPos: { x: 0, y: 14, w: 12, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              recon_date AS "time",
              l1_matched_amount AS matched,
              l1_unmatched_amount AS unmatched
          FROM recon.mv_recon_daily_summary
          WHERE ${businessDates('recon_date')}
          ORDER BY recon_date`,
          QueryFormat.TimeSeries,
        ),
      ],
      options: { legend: legend('bottom', ['sum']), tooltip: tooltipAll() },
      defaults: {
        unit: 'currencyUSD',
        min: 0,
        custom: {
          drawStyle: GraphDrawStyle.Bars,
          fillOpacity: 80,
          lineWidth: 1,
          stacking: { mode: StackingMode.Normal, group: 'revenue' },
        },
      },
      overrides: [
        byName('matched', { displayName: 'Matched', color: fixedColor('green') }),
        byName('unmatched', { displayName: 'Unmatched', color: fixedColor('red') }),
      ],
    }),
    heatmapPanel({
      id: 9,
      title: 'Shop Health Heatmap',
      description:
        'Level 1 match rate per shop (rows) and business date (columns) ' +
        '(recon.mv_recon_shop_health); red is a low rate.',
      gridPos: { x: 12, y: 14, w: 12, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              recon_date AS "time",
              'Shop ' || CAST(shop_id AS VARCHAR(20)) AS shop,
              l1_match_rate_pct
          FROM recon.mv_recon_shop_health
          WHERE ${businessDates('recon_date')}
            AND l1_match_rate_pct IS NOT NULL
          ORDER BY recon_date, shop_id`,
          // Long rows (time, shop, rate) are widened by the plugin into one field per shop: the
          // pre-bucketed shape the heatmap draws as rows.
          QueryFormat.TimeSeries,
        ),
      ],
      options: {
        calculate: false,
        rowsFrame: { layout: HeatmapCellLayout.unknown, value: 'L1 match rate' },
        color: {
          mode: HeatmapColorMode.Scheme,
          scheme: 'RdYlGn',
          fill: 'dark-orange',
          scale: HeatmapColorScale.Linear,
          reverse: false,
          exponent: 0.5,
          steps: 64,
          min: 0,
          max: 100,
        },
        cellGap: 1,
        cellValues: { unit: 'percent', decimals: 1 },
        // Grafana hides cells ≤ 1e-9 by default; a 0 % shop-day must show (in red).
        filterValues: { le: -1 },
        showValue: VisibilityMode.Never,
        legend: { show: true },
        tooltip: { mode: TooltipDisplayMode.Single, yHistogram: false, showColorScale: true },
        yAxis: { axisPlacement: AxisPlacement.Left, reverse: false },
        exemplars: { color: 'rgba(255,0,255,0.7)' },
      },
      defaults: { displayName: '${__field.labels.shop}', unit: 'percent' },
    }),
    tablePanel({
      id: 10,
      title: 'Open Anomalies — most urgent',
      description:
        'The 20 most urgent open anomalies: CRITICAL first, then oldest (recon.v_recon_open_anomalies). ' +
        'Age in days since detection; SLA per seed §3.4.',
      gridPos: { x: 0, y: 23, w: 24, h: 10 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              severity,
              anomaly_type,
              anomaly_name,
              shop_id,
              affected_amount,
              status,
              age_days,
              sla_status
          FROM recon.v_recon_open_anomalies
          ORDER BY ${severityRank('severity')}, created_at, anomaly_id
          LIMIT 20`,
          QueryFormat.Table,
        ),
      ],
      options: { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm },
      defaults: {
        custom: { align: 'auto', cellOptions: { type: TableCellDisplayMode.Auto }, inspect: false },
      },
      overrides: [
        byName('severity', {
          displayName: 'Severity',
          mappings: SEVERITY_MAPPING,
          custom: { cellOptions: { type: TableCellDisplayMode.ColorText } },
        }),
        byName('anomaly_type', { displayName: 'Type' }),
        byName('anomaly_name', { displayName: 'Name' }),
        byName('shop_id', { displayName: 'Shop', unit: 'none' }),
        byName('affected_amount', { displayName: 'Amount', unit: 'currencyUSD', decimals: 2 }),
        byName('status', { displayName: 'Status' }),
        byName('age_days', { displayName: 'Age', unit: 'suffix:d', decimals: 0 }),
        byName('sla_status', {
          displayName: 'SLA',
          mappings: SLA_MAPPING,
          custom: { cellOptions: { type: TableCellDisplayMode.ColorText } },
        }),
      ],
    }),
  ];
  return {
    folder: FOLDERS.executive,
    dashboard: reconDashboard({
      uid: 'recon-exec-overview',
      title: 'Revenue Reconciliation — Executive Overview',
      description:
        "Daily reconciliation health for finance leadership: is the chain's recorded revenue the " +
        'money it collected?',
      tag: 'executive',
      from: 'now-7d',
      panels,
    }),
  };
}
