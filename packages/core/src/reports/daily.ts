/**
 * The daily reconciliation report (seed phase 4 §7.1; SPEC §9): pipeline status and duration,
 * orders processed, Level 1–3 match rates with their change against the previous business date,
 * matched / unmatched / at-risk revenue, the date's anomalies by severity, the largest open
 * CRITICAL anomalies and a dashboard link — as a WeCom markdown message of at most 4,096 bytes
 * (the list is cut and says how many were left out), an HTML email and two CSV attachments (the
 * day's figures, and every anomaly of the date).
 *
 * Figures come from `recon.mv_recon_daily_summary` (refreshed first, so triage done since the run
 * shows), the latest run of the date in `recon.v_recon_pipeline_runs` and the anomalies table;
 * the SQL is `packages/sql/reports/daily_report.sql`.
 */
import { stringify } from 'csv-stringify/sync';
import { Decimal } from 'decimal.js';
import { fitLines, WECOM_MARKDOWN_MAX_BYTES } from '../notify/wecom.ts';
import { refreshReportingViewsIfPermitted } from '../reporting/refresh.ts';
import { addDays } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import {
  escapeHtml,
  formatCount,
  formatMoney,
  formatRate,
  markdownText,
  minutesOf,
  NONE,
  rateChange,
} from './format.ts';
import { checkReportDate, ReportError } from './options.ts';
import type { BuiltReport, ReportArtifact } from './types.ts';

const MODEL = 'reports/daily_report.sql';

/** One row of `recon.mv_recon_daily_summary` (exact text values). */
export interface DailySummaryRow {
  recon_date: string;
  l1_total: string;
  l1_matched: string;
  l1_unmatched: string;
  l1_match_rate_pct: string | null;
  l1_order_amount: string;
  l1_matched_amount: string;
  l1_unmatched_amount: string;
  l2_total: string;
  l2_matched: string;
  l2_match_rate_pct: string | null;
  l2_matched_amount: string;
  l2_unmatched_amount: string;
  l2_stripe_fees: string;
  l3_total_shops: string;
  l3_matched_shops: string;
  l3_match_rate_pct: string | null;
  l3_total_variance: string;
  anomaly_count: string;
  critical_count: string;
  high_count: string;
  medium_count: string;
  low_count: string;
  open_count: string;
  resolved_count: string;
  false_positive_count: string;
  at_risk_amount: string;
}

/** The latest pipeline run of the date. */
export interface DailyRunRow {
  pipeline_run_id: string;
  pipeline_status: string;
  pipeline_start_time: string;
  pipeline_end_time: string | null;
  duration_seconds: string | number | null;
  total_orders_processed: string | null;
  failed_step: string | null;
}

/** An open CRITICAL anomaly in the list. */
export interface CriticalAnomalyRow {
  anomaly_id: string;
  anomaly_type: string;
  anomaly_name: string;
  status: string;
  shop_id: string | null;
  order_id: string | null;
  affected_amount: string;
  description: string;
  assigned_to: string | null;
}

/** An anomaly of the date, for the CSV attachment. */
export interface DayAnomalyRow {
  anomaly_id: string;
  anomaly_type: string;
  anomaly_name: string;
  severity: string;
  status: string;
  shop_id: string | null;
  order_id: string | null;
  affected_amount: string;
  expected_value: string | null;
  actual_value: string | null;
  created_at: string;
  assigned_to: string | null;
  description: string;
}

/** Everything the daily report shows, read from the warehouse. */
export interface DailyReportData {
  date: string;
  previousDate: string;
  summary: DailySummaryRow | null;
  previous: DailySummaryRow | null;
  run: DailyRunRow | null;
  openCritical: { total: number; amount: string; top: CriticalAnomalyRow[] };
  openInAll: string;
  anomalies: DayAnomalyRow[];
  /** When the report was generated (ISO-8601). */
  generatedAt: string;
}

/**
 * Read the daily report's figures for `date` (no refresh: see {@link buildDailyReport}).
 * @throws ReportError when the date has neither a pipeline run nor any result.
 */
export async function loadDailyReportData(
  db: SqlExecutor,
  date: string,
  now: () => Date = () => new Date(),
): Promise<DailyReportData> {
  checkReportDate(date, 'report date');
  const sql = modelSteps(MODEL);
  const previousDate = addDays(date, -1);
  const [summary] = await db.query<DailySummaryRow & Record<string, unknown>>(sql('day_summary'), {
    reconDate: date,
  });
  const [previous] = await db.query<DailySummaryRow & Record<string, unknown>>(sql('day_summary'), {
    reconDate: previousDate,
  });
  const [run] = await db.query<DailyRunRow & Record<string, unknown>>(sql('latest_run'), {
    reconDate: date,
  });
  if (!summary && !run) {
    throw new ReportError(
      `no pipeline run and no reconciliation result for business date ${date}; run \`recon run --date ${date}\` first`,
    );
  }
  const [critical] = await db.query<{ n: string; amount: string }>(sql('open_critical_count'), {
    reconDate: date,
  });
  const top = await db.query<CriticalAnomalyRow & Record<string, unknown>>(sql('open_critical_top'), {
    reconDate: date,
  });
  const [open] = await db.query<{ n: string }>(sql('open_in_all'));
  const anomalies = await db.query<DayAnomalyRow & Record<string, unknown>>(sql('day_anomalies'), {
    reconDate: date,
  });
  return {
    date,
    previousDate,
    summary: summary ?? null,
    previous: previous ?? null,
    run: run ?? null,
    openCritical: { total: Number(critical?.n ?? 0), amount: critical?.amount ?? '0.00', top },
    openInAll: open?.n ?? '0',
    anomalies,
    generatedAt: now().toISOString(),
  };
}

/** "SUCCEEDED (3.2 min)", "FAILED in LoadStaging (0.4 min)", "no run recorded". */
export function pipelineStatusText(run: DailyRunRow | null): string {
  if (!run) return 'no run recorded';
  const minutes = minutesOf(run.duration_seconds);
  const where = run.pipeline_status === 'FAILED' && run.failed_step ? ` in ${run.failed_step}` : '';
  const halted = run.pipeline_status === 'FAILED_DQ' ? ', halted by data quality' : '';
  return `${run.pipeline_status}${where}${halted} (${minutes === null ? 'duration unknown' : `${minutes} min`})`;
}

const LEVELS = [
  { key: 'l1_match_rate_pct', label: 'L1 Order↔Payment', plain: 'L1 order-payment' },
  { key: 'l2_match_rate_pct', label: 'L2 Order↔Receipt', plain: 'L2 order-receipt' },
  { key: 'l3_match_rate_pct', label: 'L3 Receipt↔Income', plain: 'L3 receipt-income' },
] as const;

function rateLine(data: DailyReportData, key: (typeof LEVELS)[number]['key']): string {
  const current = data.summary?.[key] ?? null;
  const change = data.previous ? rateChange(current, data.previous[key]) : null;
  const delta = data.previous ? (change ?? NONE) : `no result for ${data.previousDate}`;
  return `${formatRate(current)} (${delta})`;
}

function ordersProcessed(data: DailyReportData): string {
  return formatCount(data.summary?.l1_total ?? data.run?.total_orders_processed ?? null);
}

/** The list line of one open CRITICAL anomaly. */
function criticalLine(a: CriticalAnomalyRow, i: number): string {
  const where = [
    a.shop_id ? `shop ${a.shop_id}` : null,
    a.status === 'INVESTIGATING' ? 'investigating' : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return `${i + 1}. **${formatMoney(a.affected_amount)}** ${a.anomaly_id} ${a.anomaly_name}${where ? ` · ${where}` : ''} — ${markdownText(a.description)}`;
}

/** The report's sections above the CRITICAL list, as markdown lines. */
function headLines(data: DailyReportData): string[] {
  const s = data.summary;
  const n = (v: string | undefined) => formatCount(v ?? null);
  return [
    `📊 **Daily Revenue Reconciliation Report — ${data.date}**`,
    '',
    `▸ Pipeline Status: ${pipelineStatusText(data.run)}`,
    `▸ Orders Processed: ${ordersProcessed(data)}`,
    '',
    `**Match Rates** (change vs ${data.previousDate})`,
    ...LEVELS.map((l) => `> ${l.label}: ${rateLine(data, l.key)}`),
    '',
    '**Revenue Summary**',
    `> Matched: ${formatMoney(s?.l1_matched_amount ?? null)}`,
    `> Unmatched: ${formatMoney(s?.l1_unmatched_amount ?? null)}`,
    `> At Risk: ${formatMoney(s?.at_risk_amount ?? null)}`,
    '',
    '**Anomalies**',
    `> Found for ${data.date}: ${n(s?.anomaly_count)} (CRIT: ${n(s?.critical_count)}, HIGH: ${n(s?.high_count)}, MEDIUM: ${n(s?.medium_count)}, LOW: ${n(s?.low_count)})`,
    `> Open: ${n(s?.open_count)} · Resolved: ${n(s?.resolved_count)} · False positive: ${n(s?.false_positive_count)}`,
    `> Open in all (every date): ${formatCount(data.openInAll)}`,
    '',
  ];
}

function criticalHeader(data: DailyReportData): string {
  const c = data.openCritical;
  if (c.total === 0) return '**Open CRITICAL anomalies:** none';
  return `**Open CRITICAL anomalies** (${formatCount(c.total)}, ${formatMoney(c.amount)} at stake, largest first)`;
}

/**
 * The WeCom markdown message: at most `maxBytes` (4,096) UTF-8 bytes; the CRITICAL list keeps as
 * many of its (up to 5) lines as fit and ends with "…and N more" for every open CRITICAL anomaly
 * of the date it does not show.
 */
export function renderDailyMarkdown(
  data: DailyReportData,
  options: { dashboardUrl?: string | null; maxBytes?: number } = {},
): { text: string; shown: number; leftOut: number } {
  const head = [...headLines(data), criticalHeader(data)].join('\n');
  const tail = options.dashboardUrl ? `\nDashboard: [${options.dashboardUrl}](${options.dashboardUrl})` : '';
  return fitLines(head, data.openCritical.top.map(criticalLine), tail, {
    maxBytes: options.maxBytes ?? WECOM_MARKDOWN_MAX_BYTES,
    total: data.openCritical.total,
  });
}

/** The plain-text alternative of the email (the message without markdown marks or byte limit). */
export function renderDailyText(data: DailyReportData, dashboardUrl: string | null): string {
  const { text } = renderDailyMarkdown(data, { dashboardUrl, maxBytes: Number.MAX_SAFE_INTEGER });
  return text.replaceAll('**', '').replace(/^> /gm, '  ');
}

const td = (v: string, right = false) =>
  `<td style="padding:4px 10px;border-bottom:1px solid #eee${right ? ';text-align:right' : ''}">${escapeHtml(v)}</td>`;
const th = (v: string, right = false) =>
  `<th style="padding:4px 10px;border-bottom:2px solid #ccc;text-align:${right ? 'right' : 'left'}">${escapeHtml(v)}</th>`;

/** The HTML email body. */
export function renderDailyHtml(data: DailyReportData, dashboardUrl: string | null): string {
  const s = data.summary;
  const row = (label: string, value: string) => `<tr>${td(label)}${td(value, true)}</tr>`;
  const rates = LEVELS.map((l) => {
    const current = s?.[l.key] ?? null;
    const change = data.previous
      ? (rateChange(current, data.previous[l.key]) ?? NONE)
      : `no result for ${data.previousDate}`;
    return `<tr>${td(l.plain)}${td(formatRate(current), true)}${td(change, true)}</tr>`;
  }).join('');
  const c = data.openCritical;
  const critical =
    c.total === 0
      ? '<p>No open CRITICAL anomaly for this date.</p>'
      : `<table style="border-collapse:collapse"><tr>${th('amount', true)}${th('anomaly')}${th('type')}${th('shop')}${th('status')}${th('description')}</tr>${c.top
          .map(
            (a) =>
              `<tr>${td(formatMoney(a.affected_amount), true)}${td(a.anomaly_id)}${td(a.anomaly_name)}${td(a.shop_id ?? NONE)}${td(a.status)}${td(a.description)}</tr>`,
          )
          .join('')}</table>${
          c.total > c.top.length
            ? `<p>…and ${formatCount(c.total - c.top.length)} more (every anomaly of the date is in the attached CSV).</p>`
            : ''
        }`;
  const n = (v: string | undefined) => formatCount(v ?? null);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Daily Revenue Reconciliation Report — ${escapeHtml(data.date)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">
<h2>Daily Revenue Reconciliation Report — ${escapeHtml(data.date)}</h2>
<table style="border-collapse:collapse">
${row('Pipeline status', pipelineStatusText(data.run))}
${row('Orders processed', ordersProcessed(data))}
</table>
<h3>Match rates</h3>
<table style="border-collapse:collapse"><tr>${th('level')}${th('rate', true)}${th(`change vs ${data.previousDate}`, true)}</tr>${rates}</table>
<h3>Revenue summary</h3>
<table style="border-collapse:collapse">
${row('Matched', formatMoney(s?.l1_matched_amount ?? null))}
${row('Unmatched', formatMoney(s?.l1_unmatched_amount ?? null))}
${row('At risk', formatMoney(s?.at_risk_amount ?? null))}
</table>
<h3>Anomalies</h3>
<table style="border-collapse:collapse">
${row(`Found for ${data.date}`, n(s?.anomaly_count))}
${row('CRITICAL', n(s?.critical_count))}
${row('HIGH', n(s?.high_count))}
${row('MEDIUM', n(s?.medium_count))}
${row('LOW', n(s?.low_count))}
${row('Open', n(s?.open_count))}
${row('Resolved', n(s?.resolved_count))}
${row('False positive', n(s?.false_positive_count))}
${row('Open in all (every date)', formatCount(data.openInAll))}
</table>
<h3>Open CRITICAL anomalies (${formatCount(c.total)}, ${escapeHtml(formatMoney(c.amount))} at stake)</h3>
${critical}
${dashboardUrl ? `<p>Dashboard: <a href="${escapeHtml(dashboardUrl)}">${escapeHtml(dashboardUrl)}</a></p>` : ''}
<p style="color:#888;font-size:12px">Generated ${escapeHtml(data.generatedAt)} by Revenue Reconciliation.</p>
</body></html>
`;
}

/** The difference of two exact values as plain text, or '' when either is missing. */
function plainChange(a: string | null | undefined, b: string | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined) return '';
  return new Decimal(a).minus(new Decimal(b)).toString();
}

const SUMMARY_METRICS: readonly (keyof DailySummaryRow)[] = [
  'l1_total',
  'l1_matched',
  'l1_unmatched',
  'l1_match_rate_pct',
  'l1_order_amount',
  'l1_matched_amount',
  'l1_unmatched_amount',
  'l2_total',
  'l2_matched',
  'l2_match_rate_pct',
  'l2_matched_amount',
  'l2_unmatched_amount',
  'l2_stripe_fees',
  'l3_total_shops',
  'l3_matched_shops',
  'l3_match_rate_pct',
  'l3_total_variance',
  'anomaly_count',
  'critical_count',
  'high_count',
  'medium_count',
  'low_count',
  'open_count',
  'resolved_count',
  'false_positive_count',
  'at_risk_amount',
];

/**
 * The day's figures as CSV: `metric,value,previous_day,change` — exact values (no thousands
 * separators), the run first, then every column of the daily summary.
 */
export function dailySummaryCsv(data: DailyReportData): string {
  const rows: string[][] = [
    ['recon_date', data.date, data.previousDate, ''],
    ['pipeline_run_id', data.run?.pipeline_run_id ?? '', '', ''],
    ['pipeline_status', data.run?.pipeline_status ?? '', '', ''],
    ['pipeline_duration_seconds', data.run?.duration_seconds?.toString() ?? '', '', ''],
    ['open_critical_anomalies', String(data.openCritical.total), '', ''],
    ['open_critical_amount', data.openCritical.amount, '', ''],
    ['open_anomalies_all_dates', data.openInAll, '', ''],
  ];
  for (const metric of SUMMARY_METRICS) {
    const value = data.summary?.[metric] ?? null;
    const previous = data.previous?.[metric] ?? null;
    rows.push([metric, value ?? '', previous ?? '', plainChange(value, previous)]);
  }
  return stringify(rows, { header: true, columns: ['metric', 'value', 'previous_day', 'change'] });
}

/** Every anomaly of the date as CSV (CRITICAL first, then the largest amount). */
export function dailyAnomaliesCsv(data: DailyReportData): string {
  const columns = [
    'anomaly_id',
    'anomaly_type',
    'anomaly_name',
    'severity',
    'status',
    'shop_id',
    'order_id',
    'affected_amount',
    'expected_value',
    'actual_value',
    'created_at',
    'assigned_to',
    'description',
  ] as const;
  return stringify(
    data.anomalies.map((a) => columns.map((c) => a[c] ?? '')),
    { header: true, columns: [...columns] },
  );
}

/** Options of {@link buildDailyReport}. */
export interface DailyReportOptions {
  /** The business date reported. */
  date: string;
  /** Link at the end of the report (RECON_DASHBOARD_URL); none when null. */
  dashboardUrl?: string | null;
  /** Refresh the reporting materialized views first (default true). */
  refresh?: boolean;
  /** Clock for the "generated" line. */
  now?: () => Date;
}

/**
 * Build the daily report of `options.date`: WeCom markdown, HTML email, summary and anomalies CSV.
 * @throws ReportError when the date has neither a run nor a result.
 */
export async function buildDailyReport(db: SqlExecutor, options: DailyReportOptions): Promise<BuiltReport> {
  if (options.refresh ?? true) await refreshReportingViewsIfPermitted(db);
  const data = await loadDailyReportData(db, options.date, options.now);
  const dashboardUrl = options.dashboardUrl ?? null;
  const markdown = renderDailyMarkdown(data, { dashboardUrl }).text;
  const subject = `Daily Revenue Reconciliation Report — ${data.date}`;
  const html = renderDailyHtml(data, dashboardUrl);
  const stem = `daily-${data.date}`;
  const summaryCsv: ReportArtifact = {
    filename: `${stem}-summary.csv`,
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    content: dailySummaryCsv(data),
  };
  const anomaliesCsv: ReportArtifact = {
    filename: `${stem}-anomalies.csv`,
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    content: dailyAnomaliesCsv(data),
  };
  return {
    kind: 'daily',
    period: data.date,
    artifacts: [
      {
        filename: `${stem}.md`,
        format: 'markdown',
        contentType: 'text/markdown; charset=utf-8',
        content: markdown,
      },
      { filename: `${stem}.html`, format: 'html', contentType: 'text/html; charset=utf-8', content: html },
      summaryCsv,
      anomaliesCsv,
    ],
    email: {
      subject,
      html,
      text: renderDailyText(data, dashboardUrl),
      attachments: [summaryCsv, anomaliesCsv],
    },
    wecomMarkdown: markdown,
  };
}
