/**
 * Anomaly Investigation Workbench (seed Phase 4 §6): for the finance operations team — how many
 * anomalies are open and late, of which kinds, how fast they get closed, the filterable list, and
 * for one selected anomaly its facts, the source rows behind it side by side and its history.
 */
import {
  GraphDrawStyle,
  SortOrder,
  StackingMode,
  TableCellDisplayMode,
  TableCellHeight,
  TooltipDisplayMode,
  VisibilityMode,
  VizOrientation,
} from '@grafana/schema';
import {
  PieChartLabels,
  PieChartLegendValues,
  PieChartType,
} from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import { QueryFormat, redshiftQuery } from './datasource.ts';
import {
  type DashboardDefinition,
  FOLDERS,
  reconDashboard,
  SEVERITY_MAPPING,
  SLA_MAPPING,
} from './dashboard.ts';
import {
  barChartPanel,
  byName,
  fixedColor,
  legend,
  pieChartPanel,
  statOptions,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  tooltipAll,
} from './panels.ts';
import { businessDates, severityRank, sql, textVariable, variableFilter } from './sql.ts';
import { customVariable, queryVariable, textboxVariable } from './variables.ts';

/** uid of the workbench (its data links point back to it with the selected anomaly). */
export const WORKBENCH_UID = 'recon-anomaly-workbench';

const ANOMALY_TYPES = ['ANO-01', 'ANO-02', 'ANO-03', 'ANO-04', 'ANO-05', 'ANO-06', 'ANO-07'] as const;
const CLOSED_STATUSES = "('RESOLVED', 'FALSE_POSITIVE', 'AUTO_RESOLVED')";

/** The dashboard filters (time range, severity, type, shop) on the anomalies aliased `a`. */
function anomalyFilters(alias: string): string {
  return [
    businessDates(`${alias}.recon_date`),
    variableFilter(`${alias}.severity`, 'severity'),
    variableFilter(`${alias}.anomaly_type`, 'anomaly_type'),
    // Shop ids are compared as text: the variable's values are text, and NULL shops (trade- or
    // voucher-keyed anomalies) then only pass the "All" branch.
    variableFilter(`CAST(${alias}.shop_id AS VARCHAR(20))`, 'shop'),
  ].join('\n  AND ');
}

const selected = textVariable('anomaly_id');

const tableOptions = { showHeader: true, frameIndex: 0, cellHeight: TableCellHeight.Sm };
const tableDefaults = {
  custom: {
    align: 'auto' as const,
    cellOptions: { type: TableCellDisplayMode.Auto as const },
    inspect: false,
  },
};
const colorText = { cellOptions: { type: TableCellDisplayMode.ColorText as const } };

/** The anomaly fields of the selected-anomaly card, in display order. */
const CARD_FIELDS: readonly [label: string, expression: string][] = [
  ['Anomaly', 'anomaly_id'],
  ['Type', "anomaly_type || ' ' || anomaly_name"],
  ['Severity', 'severity'],
  ['Status', "status || ' (set by ' || status_set_by || ')'"],
  ['Assigned to', 'assigned_to'],
  ['Business date', 'CAST(recon_date AS VARCHAR(10))'],
  ['Detected', 'CAST(created_at AS VARCHAR(32))'],
  ['Last seen', 'CAST(last_seen_at AS VARCHAR(32))'],
  ['Affected amount', 'CAST(affected_amount AS VARCHAR(32))'],
  ['Expected value', 'CAST(expected_value AS VARCHAR(32))'],
  ['Actual value', 'CAST(actual_value AS VARCHAR(32))'],
  ['Confidence', 'CAST(confidence_score AS VARCHAR(8))'],
  ['Description', 'description'],
  ['Recommendation', 'recommendation'],
  ['Resolution notes', 'resolution_notes'],
];

/** The workbench (uid `recon-anomaly-workbench`, folder `recon-anomaly`). */
export function investigationDashboard(): DashboardDefinition {
  // In the filter bar order of seed §6.1.
  const variables = [
    customVariable({
      name: 'severity',
      label: 'Severity',
      description: 'Anomaly severity (CRITICAL → LOW).',
      values: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'],
    }),
    customVariable({
      name: 'anomaly_type',
      label: 'Type',
      description: 'Anomaly type ANO-01…ANO-07 (SPEC §7).',
      values: ANOMALY_TYPES,
    }),
    queryVariable({
      name: 'shop',
      label: 'Shop',
      description: 'Shops that have anomalies.',
      sql: sql`
        SELECT CAST(shop_id AS VARCHAR(20)) AS shop
        FROM (
            SELECT DISTINCT shop_id
            FROM recon.dwd_recon_anomalies
            WHERE shop_id IS NOT NULL
        ) shops
        ORDER BY shop_id`,
    }),
    customVariable({
      name: 'status',
      label: 'Status',
      description: 'Anomaly status; the open ones (OPEN, INVESTIGATING) by default.',
      values: ['OPEN', 'INVESTIGATING', 'RESOLVED', 'FALSE_POSITIVE', 'AUTO_RESOLVED'],
      selected: ['OPEN', 'INVESTIGATING'],
    }),
    customVariable({
      name: 'sla',
      label: 'SLA',
      description: 'SLA status of open anomalies (seed §3.4); closed anomalies have none.',
      values: ['SLA_BREACHED', 'WITHIN_SLA'],
    }),
    textboxVariable({
      name: 'anomaly_id',
      label: 'Anomaly',
      description: 'The anomaly shown in the detail panels; set by clicking an id in the detail table.',
    }),
  ];

  const cardRows = CARD_FIELDS.map(
    ([label, expression], i) => sql`
      SELECT ${i + 1} AS sort_order, CAST('${label}' AS VARCHAR(32)) AS field, CAST(${expression} AS VARCHAR(2048)) AS value
      FROM recon.dwd_recon_anomalies
      WHERE anomaly_id = ${selected}`,
  ).join('\nUNION ALL\n');
  const openFilters = `${anomalyFilters('o')}\n  AND ${variableFilter('o.sla_status', 'sla')}`;
  const detailLink = {
    title: 'Investigate this anomaly',
    url:
      `/d/${WORKBENCH_UID}?\${__url_time_range}&\${severity:queryparam}&\${anomaly_type:queryparam}` +
      '&${shop:queryparam}&${status:queryparam}&${sla:queryparam}&var-anomaly_id=${__value.raw:percentencode}',
  };

  const panels = [
    statPanel({
      id: 1,
      title: 'Total Open',
      description: 'Anomalies OPEN or INVESTIGATING, with the filters (recon.v_recon_open_anomalies).',
      gridPos: { x: 0, y: 0, w: 6, h: 4 },
      targets: [
        redshiftQuery(
          sql`
          SELECT COUNT(*) AS open_anomalies
          FROM recon.v_recon_open_anomalies o
          WHERE ${openFilters}`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions(),
      defaults: {
        displayName: 'Total Open',
        unit: 'short',
        decimals: 0,
        thresholds: thresholds('green', [1, 'orange']),
      },
    }),
    statPanel({
      id: 2,
      title: 'SLA Breached',
      description:
        'Open anomalies past their SLA: CRITICAL 30 min, HIGH 4 h, MEDIUM 24 h, LOW 1 day ' +
        '(recon.v_recon_open_anomalies).',
      gridPos: { x: 6, y: 0, w: 6, h: 4 },
      targets: [
        redshiftQuery(
          sql`
          SELECT COUNT(*) AS sla_breached
          FROM recon.v_recon_open_anomalies o
          WHERE ${anomalyFilters('o')}
            AND o.sla_status = 'SLA_BREACHED'`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions(),
      defaults: {
        displayName: 'SLA Breached',
        unit: 'short',
        decimals: 0,
        thresholds: thresholds('green', [1, 'red']),
      },
    }),
    statPanel({
      id: 3,
      title: 'Avg Age (d)',
      description: 'Average age in days of the open anomalies (day boundaries since detection).',
      gridPos: { x: 12, y: 0, w: 6, h: 4 },
      targets: [
        redshiftQuery(
          // Redshift's AVG of an integer column is an integer: averaged as a decimal instead.
          sql`
          SELECT CAST(AVG(CAST(o.age_days AS DECIMAL(12,2))) AS DECIMAL(12,1)) AS avg_age_days
          FROM recon.v_recon_open_anomalies o
          WHERE ${openFilters}`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions(),
      defaults: {
        displayName: 'Avg Age',
        unit: 'suffix:d',
        decimals: 1,
        noValue: '–',
        thresholds: thresholds('green', [1, 'orange'], [3, 'red']),
      },
    }),
    statPanel({
      id: 4,
      title: 'False Positive Rate',
      description:
        'Of the anomalies of the business dates in the range, the share a person marked ' +
        'FALSE_POSITIVE (recon.dwd_recon_anomalies).',
      gridPos: { x: 18, y: 0, w: 6, h: 4 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              CAST(SUM(CASE WHEN a.status = 'FALSE_POSITIVE' THEN 1 ELSE 0 END) * 100.0 / NULLIF(COUNT(*), 0)
                  AS DECIMAL(5,1)) AS false_positive_rate
          FROM recon.dwd_recon_anomalies a
          WHERE ${anomalyFilters('a')}`,
          QueryFormat.Table,
        ),
      ],
      options: statOptions(),
      defaults: {
        displayName: 'False Positive Rate',
        unit: 'percent',
        decimals: 1,
        noValue: '–',
        thresholds: thresholds('green', [10, 'orange'], [25, 'red']),
      },
    }),
    pieChartPanel({
      id: 5,
      title: 'Anomalies by Type',
      description: 'Anomalies per type, with the filters and statuses selected (recon.dwd_recon_anomalies).',
      gridPos: { x: 0, y: 4, w: 8, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT a.anomaly_type || ' ' || a.anomaly_name AS type_label, COUNT(*) AS anomalies
          FROM recon.dwd_recon_anomalies a
          WHERE ${anomalyFilters('a')}
            AND ${variableFilter('a.status', 'status')}
          GROUP BY a.anomaly_type, a.anomaly_name
          ORDER BY anomalies DESC, type_label`,
          QueryFormat.Table,
        ),
      ],
      options: {
        reduceOptions: { values: true, calcs: [], fields: '/^anomalies$/' },
        orientation: VizOrientation.Auto,
        pieType: PieChartType.Pie,
        displayLabels: [PieChartLabels.Percent],
        legend: {
          showLegend: true,
          placement: 'right',
          calcs: [],
          values: [PieChartLegendValues.Value, PieChartLegendValues.Percent],
        },
        sort: SortOrder.Descending,
        tooltip: { mode: TooltipDisplayMode.Single, sort: SortOrder.None },
      },
      defaults: { unit: 'short', decimals: 0 },
    }),
    barChartPanel({
      id: 6,
      title: 'Resolution Time Distribution',
      description:
        'Closed anomalies of the business dates in the range by time from detection to the event ' +
        'that closed them (recon.dwd_recon_anomaly_events): closed by a person (RESOLVED, ' +
        'FALSE_POSITIVE) or cleared by a later run (AUTO_RESOLVED).',
      gridPos: { x: 8, y: 4, w: 8, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          WITH buckets AS (
              SELECT 1 AS bucket_order, CAST('< 1h' AS VARCHAR(8)) AS bucket
              UNION ALL SELECT 2, '1-4h'
              UNION ALL SELECT 3, '4-24h'
              UNION ALL SELECT 4, '1-3d'
              UNION ALL SELECT 5, '> 3d'
          ),
          closed AS (
              SELECT
                  a.status,
                  (EXTRACT(EPOCH FROM e.closed_at) - EXTRACT(EPOCH FROM a.created_at)) / 3600.0 AS hours
              FROM recon.dwd_recon_anomalies a
              JOIN (
                  SELECT anomaly_id, to_status, MAX(event_time) AS closed_at
                  FROM recon.dwd_recon_anomaly_events
                  WHERE to_status IN ${CLOSED_STATUSES}
                  GROUP BY anomaly_id, to_status
              ) e ON e.anomaly_id = a.anomaly_id AND e.to_status = a.status
              WHERE a.status IN ${CLOSED_STATUSES}
                AND ${anomalyFilters('a')}
          ),
          bucketed AS (
              SELECT
                  status,
                  CASE WHEN hours < 1 THEN 1 WHEN hours < 4 THEN 2 WHEN hours < 24 THEN 3 WHEN hours < 72 THEN 4 ELSE 5 END
                      AS bucket_order
              FROM closed
          )
          SELECT
              b.bucket,
              SUM(CASE WHEN c.status IN ('RESOLVED', 'FALSE_POSITIVE') THEN 1 ELSE 0 END) AS closed_by_person,
              SUM(CASE WHEN c.status = 'AUTO_RESOLVED' THEN 1 ELSE 0 END) AS auto_resolved
          FROM buckets b
          LEFT JOIN bucketed c ON c.bucket_order = b.bucket_order
          GROUP BY b.bucket_order, b.bucket
          ORDER BY b.bucket_order`,
          QueryFormat.Table,
        ),
      ],
      options: {
        orientation: VizOrientation.Vertical,
        xField: 'bucket',
        stacking: StackingMode.Normal,
        showValue: VisibilityMode.Auto,
        barWidth: 0.8,
        groupWidth: 0.7,
        fullHighlight: false,
        xTickLabelMaxLength: 0,
        xTickLabelRotation: 0,
        legend: legend(),
        tooltip: tooltipAll(),
      },
      defaults: { unit: 'short', decimals: 0, min: 0, custom: { fillOpacity: 80, lineWidth: 1 } },
      overrides: [
        byName('bucket', { displayName: 'Time to close' }),
        byName('closed_by_person', { displayName: 'Closed by a person', color: fixedColor('green') }),
        byName('auto_resolved', { displayName: 'Auto-resolved', color: fixedColor('blue') }),
      ],
    }),
    timeSeriesPanel({
      id: 7,
      title: 'Anomaly Trends',
      description: 'Anomalies per business date and type, with the filters and statuses selected.',
      gridPos: { x: 16, y: 4, w: 8, h: 9 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              a.recon_date AS "time",
              a.anomaly_type || ' ' || a.anomaly_name AS type_label,
              COUNT(*) AS anomalies
          FROM recon.dwd_recon_anomalies a
          WHERE ${anomalyFilters('a')}
            AND ${variableFilter('a.status', 'status')}
          GROUP BY a.recon_date, a.anomaly_type, a.anomaly_name
          ORDER BY a.recon_date, a.anomaly_type`,
          // One series per type: the plugin widens the long rows by their text column.
          QueryFormat.TimeSeries,
        ),
      ],
      options: { legend: legend('bottom'), tooltip: tooltipAll() },
      defaults: {
        displayName: '${__field.labels.type_label}',
        unit: 'short',
        decimals: 0,
        min: 0,
        custom: {
          drawStyle: GraphDrawStyle.Bars,
          fillOpacity: 80,
          lineWidth: 1,
          stacking: { mode: StackingMode.Normal, group: 'type' },
        },
      },
    }),
    tablePanel({
      id: 8,
      title: 'Anomaly Detail',
      description:
        'The anomalies matching every filter, CRITICAL first then oldest (at most 500). Click an ' +
        'anomaly id to show its detail, source rows and history below.',
      gridPos: { x: 0, y: 13, w: 24, h: 12 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              a.anomaly_id,
              a.anomaly_type,
              a.anomaly_name,
              a.severity,
              a.status,
              a.shop_id,
              CAST(a.order_id AS VARCHAR(20)) AS order_id,
              a.entity_key,
              a.affected_amount,
              a.expected_value,
              a.actual_value,
              a.confidence_score,
              a.recon_date,
              o.age_days,
              o.sla_status,
              a.assigned_to,
              a.description
          FROM recon.dwd_recon_anomalies a
          LEFT JOIN recon.v_recon_open_anomalies o ON o.anomaly_id = a.anomaly_id
          WHERE ${anomalyFilters('a')}
            AND ${variableFilter('a.status', 'status')}
            AND ${variableFilter('o.sla_status', 'sla')}
          ORDER BY ${severityRank('a.severity')}, a.created_at, a.anomaly_id
          LIMIT 500`,
          QueryFormat.Table,
        ),
      ],
      options: { ...tableOptions, enablePagination: true },
      defaults: tableDefaults,
      overrides: [
        byName('anomaly_id', { displayName: 'ID', links: [detailLink] }),
        byName('anomaly_type', { displayName: 'Type' }),
        byName('anomaly_name', { displayName: 'Name' }),
        byName('severity', { displayName: 'Severity', mappings: SEVERITY_MAPPING, custom: colorText }),
        byName('status', { displayName: 'Status' }),
        byName('shop_id', { displayName: 'Shop', unit: 'none' }),
        // Order ids exceed 2^53: sent as text so the browser shows every digit.
        byName('order_id', { displayName: 'Order ID' }),
        byName('entity_key', { displayName: 'Entity' }),
        byName('affected_amount', { displayName: 'Amount', unit: 'currencyUSD', decimals: 2 }),
        byName('expected_value', { displayName: 'Expected', unit: 'currencyUSD', decimals: 2 }),
        byName('actual_value', { displayName: 'Actual', unit: 'currencyUSD', decimals: 2 }),
        byName('confidence_score', { displayName: 'Confidence', decimals: 3 }),
        byName('recon_date', { displayName: 'Business date' }),
        byName('age_days', { displayName: 'Age', unit: 'suffix:d', decimals: 0 }),
        byName('sla_status', { displayName: 'SLA', mappings: SLA_MAPPING, custom: colorText }),
        byName('assigned_to', { displayName: 'Assignee' }),
        byName('description', { displayName: 'Description' }),
      ],
    }),
    tablePanel({
      id: 9,
      title: 'Selected Anomaly',
      description: 'The anomaly chosen in the detail table (or typed into the Anomaly box).',
      gridPos: { x: 0, y: 25, w: 8, h: 14 },
      targets: [
        redshiftQuery(
          sql`
          SELECT field, value
          FROM (
              ${cardRows}
          ) card
          ORDER BY sort_order`,
          QueryFormat.Table,
        ),
      ],
      options: { ...tableOptions, showHeader: false, cellHeight: TableCellHeight.Auto },
      defaults: { custom: { ...tableDefaults.custom, wrapText: true } },
      overrides: [byName('field', { custom: { width: 140 } })],
    }),
    tablePanel({
      id: 10,
      title: 'Source: Order ↔ Payments ↔ Trades (Level 1)',
      description:
        "The selected anomaly's order as Level 1 matched it: order, payment and trade amounts side " +
        'by side, their counts and differences (recon.stg_recon_level1_results).',
      gridPos: { x: 8, y: 25, w: 16, h: 7 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              l1.recon_date,
              CAST(l1.order_id AS VARCHAR(20)) AS order_id,
              l1.order_no,
              l1.shop_id,
              l1.match_status,
              l1.order_amount,
              l1.payment_amount,
              l1.trade_amount,
              l1.payment_count,
              l1.trade_count,
              l1.diff_order_payment,
              l1.diff_order_trade,
              l1.diff_payment_trade,
              l1.trade_no,
              l1.order_create_time,
              l1.payment_create_time,
              l1.trade_complete_time
          FROM recon.stg_recon_level1_results l1
          JOIN recon.dwd_recon_anomalies a ON a.order_id = l1.order_id
          WHERE a.anomaly_id = ${selected}`,
          QueryFormat.Table,
        ),
      ],
      options: tableOptions,
      defaults: tableDefaults,
      overrides: [
        byName('shop_id', { unit: 'none' }),
        ...[
          'order_amount',
          'payment_amount',
          'trade_amount',
          'diff_order_payment',
          'diff_order_trade',
          'diff_payment_trade',
        ].map((f) => byName(f, { unit: 'currencyUSD', decimals: 2 })),
      ],
    }),
    tablePanel({
      id: 11,
      title: 'Source: Order ↔ Finance Receipts (Level 2)',
      description:
        "The selected anomaly's order as Level 2 matched it: the order amount against its finance " +
        'receipts (by order id, or by trade number), fee and net (recon.stg_recon_level2_results).',
      gridPos: { x: 8, y: 32, w: 16, h: 7 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              l2.recon_date,
              CAST(l2.order_id AS VARCHAR(20)) AS order_id,
              l2.match_status,
              l2.match_key,
              l2.order_amount,
              l2.receipt_amount_usd,
              l2.stripe_fee_usd,
              l2.net_receipt_usd,
              l2.receipt_count,
              l2.diff_order_receipt,
              l2.fee_status,
              l2.trade_no,
              l2.receipt_create_time
          FROM recon.stg_recon_level2_results l2
          JOIN recon.dwd_recon_anomalies a ON a.order_id = l2.order_id
          WHERE a.anomaly_id = ${selected}`,
          QueryFormat.Table,
        ),
      ],
      options: tableOptions,
      defaults: tableDefaults,
      overrides: [
        'order_amount',
        'receipt_amount_usd',
        'stripe_fee_usd',
        'net_receipt_usd',
        'diff_order_receipt',
      ].map((f) => byName(f, { unit: 'currencyUSD', decimals: 2 })),
    }),
    tablePanel({
      id: 12,
      title: 'Source: Trades',
      description:
        'Payment-system trades behind the selected anomaly: the trade it is keyed on, or the trades ' +
        "of its order's payments (recon.stg_recon_trades).",
      gridPos: { x: 0, y: 39, w: 12, h: 7 },
      targets: [
        redshiftQuery(
          // Two equi-joins put together with UNION rather than one OR-join.
          sql`
          SELECT t.trade_no, t.trade_amount_usd, t.trade_status, t.channel_type, t.channel_trade_no,
                 t.create_time, t.complete_time, t.biz_date
          FROM recon.stg_recon_trades t
          JOIN recon.dwd_recon_anomalies a ON a.entity_key = t.trade_no
          WHERE a.anomaly_id = ${selected}
          UNION
          SELECT t.trade_no, t.trade_amount_usd, t.trade_status, t.channel_type, t.channel_trade_no,
                 t.create_time, t.complete_time, t.biz_date
          FROM recon.stg_recon_trades t
          JOIN recon.stg_recon_payments p ON p.trade_no = t.trade_no
          JOIN recon.dwd_recon_anomalies a ON a.order_id = p.order_id
          WHERE a.anomaly_id = ${selected}
          ORDER BY trade_no`,
          QueryFormat.Table,
        ),
      ],
      options: tableOptions,
      defaults: tableDefaults,
      overrides: [byName('trade_amount_usd', { unit: 'currencyUSD', decimals: 2 })],
    }),
    tablePanel({
      id: 13,
      title: 'Source: Shop-day Receipts ↔ Income Bills (Level 3)',
      description:
        "The selected anomaly's shop and business date as Level 3 matched them: receipts, fees and " +
        'net against the accounting income bills and the orders (recon.stg_recon_level3_results).',
      gridPos: { x: 12, y: 39, w: 12, h: 7 },
      targets: [
        redshiftQuery(
          sql`
          SELECT
              l3.recon_date,
              l3.shop_id,
              l3.match_status,
              l3.receipt_count,
              l3.total_receipt_amount,
              l3.total_stripe_fees,
              l3.total_net_receipt,
              l3.bill_count,
              l3.total_income_amount,
              l3.order_count,
              l3.total_order_amount,
              l3.variance_amount,
              l3.variance_pct
          FROM recon.stg_recon_level3_results l3
          JOIN recon.dwd_recon_anomalies a ON a.shop_id = l3.shop_id AND a.recon_date = l3.recon_date
          WHERE a.anomaly_id = ${selected}`,
          QueryFormat.Table,
        ),
      ],
      options: tableOptions,
      defaults: tableDefaults,
      overrides: [
        byName('shop_id', { unit: 'none' }),
        ...[
          'total_receipt_amount',
          'total_stripe_fees',
          'total_net_receipt',
          'total_income_amount',
          'total_order_amount',
          'variance_amount',
        ].map((f) => byName(f, { unit: 'currencyUSD', decimals: 2 })),
      ],
    }),
    tablePanel({
      id: 14,
      title: 'Event History',
      description:
        'Every change of the selected anomaly in time order: detection, escalation, amount changes, ' +
        'auto-resolution and re-opening by runs, and triage by people (recon.dwd_recon_anomaly_events).',
      gridPos: { x: 0, y: 46, w: 24, h: 8 },
      targets: [
        redshiftQuery(
          sql`
          SELECT e.event_time, e.event_type, e.actor, e.from_status, e.to_status, e.from_severity,
                 e.to_severity, e.note, e.run_id
          FROM recon.dwd_recon_anomaly_events e
          WHERE e.anomaly_id = ${selected}
          ORDER BY
              e.event_time,
              CASE e.event_type
                  WHEN 'DETECTED' THEN 1 WHEN 'REOPENED' THEN 2 WHEN 'ESCALATED' THEN 3
                  WHEN 'AMOUNTS_CHANGED' THEN 4 WHEN 'AUTO_RESOLVED' THEN 5 WHEN 'CONDITION_CLEARED' THEN 6
                  ELSE 7
              END,
              e.event_id`,
          QueryFormat.Table,
        ),
      ],
      options: tableOptions,
      defaults: tableDefaults,
      overrides: [byName('event_time', { displayName: 'Time (UTC)' })],
    }),
  ];
  return {
    folder: FOLDERS.anomaly,
    dashboard: reconDashboard({
      uid: WORKBENCH_UID,
      title: 'Anomaly Investigation Workbench',
      description:
        'Investigate and resolve reconciliation anomalies: filter, drill into one, compare its source ' +
        'rows; triage with `recon anomalies assign|investigate|resolve|false-positive`.',
      tag: 'investigation',
      from: 'now-30d',
      panels,
      variables,
    }),
  };
}
