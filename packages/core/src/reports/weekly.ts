/**
 * The weekly finance summary (seed phase 4 §7.2; SPEC §9): the four weeks (Monday–Sunday) ending
 * with the week of the date asked, from `recon.v_recon_weekly_summary` (weighted rates: Σ matched /
 * Σ total of the week), with the change of the Level 1 rate against the week before — as a CSV
 * file and an HTML email carrying it. A week without any result is a row with 0 days and empty
 * figures, so the file always has four weeks.
 */
import { stringify } from 'csv-stringify/sync';
import { refreshReportingViewsIfPermitted } from '../reporting/refresh.ts';
import { addDays } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import { escapeHtml, formatCount, formatMoney, formatRate, NONE, rateChange } from './format.ts';
import { checkReportDate, mondayOf, ReportError } from './options.ts';
import type { BuiltReport, ReportArtifact } from './types.ts';

const MODEL = 'reports/weekly_report.sql';

/** Weeks in the report. */
export const WEEKLY_WEEKS = 4;

/** One row of `recon.v_recon_weekly_summary` (exact text values). */
export interface WeeklySummaryRow {
  week_start: string;
  days: string;
  l1_total: string;
  l1_matched: string;
  l1_match_rate_pct: string | null;
  l2_match_rate_pct: string | null;
  l3_match_rate_pct: string | null;
  total_matched_revenue: string;
  total_unmatched_revenue: string;
  total_anomalies: string;
  total_critical: string;
  total_resolved: string;
  resolution_rate_pct: string | null;
}

/** One week of the report: its dates, its summary row (null without results), the L1 change. */
export interface ReportWeek {
  weekStart: string;
  weekEnd: string;
  row: WeeklySummaryRow | null;
  /** Level 1 rate change against the week before, in percentage points (null when either is missing). */
  l1Change: string | null;
}

/** Everything the weekly report shows. */
export interface WeeklyReportData {
  date: string;
  weeks: ReportWeek[];
  generatedAt: string;
}

/**
 * Read the four weeks ending with the week of `date`.
 * @throws ReportError when none of them has a result.
 */
export async function loadWeeklyReportData(
  db: SqlExecutor,
  date: string,
  now: () => Date = () => new Date(),
): Promise<WeeklyReportData> {
  checkReportDate(date, 'report date');
  const lastWeek = mondayOf(date);
  const starts = Array.from({ length: WEEKLY_WEEKS }, (_, i) =>
    addDays(lastWeek, -7 * (WEEKLY_WEEKS - 1 - i)),
  );
  // One week more than shown, for the change of the first week.
  const rows = await db.query<WeeklySummaryRow & Record<string, unknown>>(modelSteps(MODEL)('weeks'), {
    fromWeek: addDays(starts[0]!, -7),
    toWeek: lastWeek,
  });
  const byStart = new Map(rows.map((r) => [r.week_start, r]));
  const weeks = starts.map((weekStart) => {
    const row = byStart.get(weekStart) ?? null;
    const before = byStart.get(addDays(weekStart, -7)) ?? null;
    return {
      weekStart,
      weekEnd: addDays(weekStart, 6),
      row,
      l1Change: rateChange(row?.l1_match_rate_pct ?? null, before?.l1_match_rate_pct ?? null),
    };
  });
  if (weeks.every((w) => w.row === null)) {
    throw new ReportError(
      `no reconciliation result in the ${WEEKLY_WEEKS} weeks ${weeks[0]!.weekStart} … ${weeks.at(-1)!.weekEnd}`,
    );
  }
  return { date, weeks, generatedAt: now().toISOString() };
}

/** CSV columns of the weekly report, in order. */
export const WEEKLY_CSV_COLUMNS = [
  'week_start',
  'week_end',
  'days',
  'l1_total',
  'l1_matched',
  'l1_match_rate_pct',
  'l1_change_pp',
  'l2_match_rate_pct',
  'l3_match_rate_pct',
  'matched_revenue',
  'unmatched_revenue',
  'anomalies',
  'critical',
  'resolved',
  'resolution_rate_pct',
] as const;

/** The weekly CSV: a header and one row per week, oldest first, exact values. */
export function weeklyCsv(data: WeeklyReportData): string {
  const rows = data.weeks.map((w) => {
    const r = w.row;
    return [
      w.weekStart,
      w.weekEnd,
      r?.days ?? '0',
      r?.l1_total ?? '',
      r?.l1_matched ?? '',
      r?.l1_match_rate_pct ?? '',
      w.l1Change === null ? '' : w.l1Change.replace(' pp', ''),
      r?.l2_match_rate_pct ?? '',
      r?.l3_match_rate_pct ?? '',
      r?.total_matched_revenue ?? '',
      r?.total_unmatched_revenue ?? '',
      r?.total_anomalies ?? '',
      r?.total_critical ?? '',
      r?.total_resolved ?? '',
      r?.resolution_rate_pct ?? '',
    ];
  });
  return stringify(rows, { header: true, columns: [...WEEKLY_CSV_COLUMNS] });
}

const cell = (v: string, right = true) =>
  `<td style="padding:4px 10px;border-bottom:1px solid #eee;text-align:${right ? 'right' : 'left'}">${escapeHtml(v)}</td>`;

/** The HTML email body: the four weeks side by side. */
export function renderWeeklyHtml(data: WeeklyReportData): string {
  const head = [
    'week',
    'days',
    'orders',
    'L1 rate',
    'L1 change',
    'L2 rate',
    'L3 rate',
    'matched',
    'unmatched',
    'anomalies',
    'critical',
    'resolved',
  ]
    .map(
      (h, i) =>
        `<th style="padding:4px 10px;border-bottom:2px solid #ccc;text-align:${i === 0 ? 'left' : 'right'}">${escapeHtml(h)}</th>`,
    )
    .join('');
  const body = data.weeks
    .map((w) => {
      const r = w.row;
      return `<tr>${cell(`${w.weekStart} … ${w.weekEnd}`, false)}${cell(r?.days ?? '0')}${cell(formatCount(r?.l1_total ?? null))}${cell(formatRate(r?.l1_match_rate_pct ?? null))}${cell(w.l1Change ?? NONE)}${cell(formatRate(r?.l2_match_rate_pct ?? null))}${cell(formatRate(r?.l3_match_rate_pct ?? null))}${cell(formatMoney(r?.total_matched_revenue ?? null))}${cell(formatMoney(r?.total_unmatched_revenue ?? null))}${cell(formatCount(r?.total_anomalies ?? null))}${cell(formatCount(r?.total_critical ?? null))}${cell(formatCount(r?.total_resolved ?? null))}</tr>`;
    })
    .join('\n');
  const period = `${data.weeks[0]!.weekStart} … ${data.weeks.at(-1)!.weekEnd}`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Weekly Finance Summary — ${escapeHtml(period)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">
<h2>Weekly Finance Summary — ${escapeHtml(period)}</h2>
<p>Rates are weighted over each week (matched ÷ total); the change is against the week before, in percentage points. The attached CSV has the same figures, exact.</p>
<table style="border-collapse:collapse"><tr>${head}</tr>
${body}
</table>
<p style="color:#888;font-size:12px">Generated ${escapeHtml(data.generatedAt)} by Revenue Reconciliation.</p>
</body></html>
`;
}

/** Plain-text alternative of the weekly email. */
function weeklyText(data: WeeklyReportData): string {
  return [
    `Weekly Finance Summary — ${data.weeks[0]!.weekStart} … ${data.weeks.at(-1)!.weekEnd}`,
    '',
    ...data.weeks.map((w) => {
      const r = w.row;
      return `${w.weekStart}: L1 ${formatRate(r?.l1_match_rate_pct ?? null)} (${w.l1Change ?? NONE}) · L2 ${formatRate(r?.l2_match_rate_pct ?? null)} · L3 ${formatRate(r?.l3_match_rate_pct ?? null)} · matched ${formatMoney(r?.total_matched_revenue ?? null)} · unmatched ${formatMoney(r?.total_unmatched_revenue ?? null)} · anomalies ${formatCount(r?.total_anomalies ?? null)}`;
    }),
  ].join('\n');
}

/** Options of {@link buildWeeklyReport}. */
export interface WeeklyReportOptions {
  /** A date of the last week shown. */
  date: string;
  /** Refresh the reporting materialized views first (default true). */
  refresh?: boolean;
  now?: () => Date;
}

/**
 * Build the weekly report: CSV file and HTML email.
 * @throws ReportError when none of the four weeks has a result.
 */
export async function buildWeeklyReport(db: SqlExecutor, options: WeeklyReportOptions): Promise<BuiltReport> {
  if (options.refresh ?? true) await refreshReportingViewsIfPermitted(db);
  const data = await loadWeeklyReportData(db, options.date, options.now);
  const period = `${data.weeks[0]!.weekStart} … ${data.weeks.at(-1)!.weekEnd}`;
  const stem = `weekly-${data.weeks.at(-1)!.weekStart}`;
  const csv: ReportArtifact = {
    filename: `${stem}.csv`,
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    content: weeklyCsv(data),
  };
  const html = renderWeeklyHtml(data);
  return {
    kind: 'weekly',
    period,
    artifacts: [
      csv,
      { filename: `${stem}.html`, format: 'html', contentType: 'text/html; charset=utf-8', content: html },
    ],
    email: {
      subject: `Weekly Finance Summary — ${period}`,
      html,
      text: weeklyText(data),
      attachments: [csv],
    },
  };
}
