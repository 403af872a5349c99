/**
 * The monthly reconciliation report (seed phase 4 §7.3; SPEC §9) for one calendar month of
 * business dates: the month's summary (`recon.v_recon_monthly_summary`), month over month, the top
 * 10 anomaly categories (type × severity, `recon.mv_recon_anomaly_by_type`) with their resolution
 * figures, the shop ranking by Level 1 match rate (`recon.mv_recon_shop_health`), the Stripe fee
 * analysis (Level 2 results: average, range, fee band, outliers) and recommendations drawn from
 * those figures — as a PDF (pdfkit) and an HTML email carrying it. SQL:
 * `packages/sql/reports/monthly_report.sql`.
 */
import { Decimal } from 'decimal.js';
import type { Settings } from '../settings.ts';
import { refreshReportingViewsIfPermitted } from '../reporting/refresh.ts';
import { addDays } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import { escapeHtml } from './format.ts';
import {
  type CategoryRow,
  type FeeOutlierRow,
  type FeeStatsRow,
  type FeeStatusRow,
  type MonthlyReportData,
  type MonthlySummaryRow,
  monthlyRecommendations,
  monthOverMonth,
  rankShops,
  type ShopRow,
} from './monthly-figures.ts';
import { renderMonthlyPdf } from './monthly-pdf.ts';
import { monthBounds, ReportError } from './options.ts';
import type { BuiltReport, ReportArtifact } from './types.ts';

const MODEL = 'reports/monthly_report.sql';

/** Options of {@link buildMonthlyReport}. */
export interface MonthlyReportOptions {
  /** 'YYYY-MM'. */
  month: string;
  /** Refresh the reporting materialized views first (default true). */
  refresh?: boolean;
  now?: () => Date;
}

/**
 * Read the month's figures.
 * @throws ReportError when the month has no reconciliation result.
 */
export async function loadMonthlyReportData(
  db: SqlExecutor,
  settings: Settings,
  month: string,
  now: () => Date = () => new Date(),
): Promise<MonthlyReportData> {
  const { monthStart, nextMonthStart, previousMonth } = monthBounds(month);
  const sql = modelSteps(MODEL);
  const params = { monthStart, nextMonthStart };
  const [summary] = await db.query<MonthlySummaryRow & Record<string, unknown>>(sql('month_summary'), {
    monthStart,
  });
  if (!summary) throw new ReportError(`no reconciliation result for any business date of ${month}`);
  const [previous] = await db.query<MonthlySummaryRow & Record<string, unknown>>(sql('month_summary'), {
    monthStart: `${previousMonth}-01`,
  });
  const allCategories = await db.query<CategoryRow & Record<string, unknown>>(sql('categories'), params);
  const shops = rankShops(await db.query<ShopRow & Record<string, unknown>>(sql('shops'), params));
  const [stats] = await db.query<FeeStatsRow & Record<string, unknown>>(sql('fee_stats'), params);
  const byStatus = await db.query<FeeStatusRow & Record<string, unknown>>(sql('fee_status_counts'), params);
  const outliers = await db.query<FeeOutlierRow & Record<string, unknown>>(sql('fee_outliers'), params);
  const feeStats: FeeStatsRow = stats ?? {
    orders: '0',
    orders_with_receipt: '0',
    receipt_amount: '0.00',
    total_fees: '0.00',
    min_fee: null,
    max_fee: null,
  };
  const withReceipt = new Decimal(feeStats.orders_with_receipt);
  const receipts = new Decimal(feeStats.receipt_amount);
  const base = {
    month,
    previousMonth,
    firstDate: monthStart,
    lastDate: addDays(nextMonthStart, -1),
    summary,
    previous: previous ?? null,
    categories: allCategories.slice(0, 10),
    allCategories,
    shops,
    fees: {
      stats: feeStats,
      byStatus,
      outliers,
      averageFee: withReceipt.isZero()
        ? null
        : new Decimal(feeStats.total_fees).dividedBy(withReceipt).toFixed(2, Decimal.ROUND_HALF_UP),
      feeRatePct: receipts.isZero()
        ? null
        : new Decimal(feeStats.total_fees).times(100).dividedBy(receipts).toFixed(2, Decimal.ROUND_HALF_UP),
      band: {
        min: settings.stripeFeeMin,
        max: settings.stripeFeeMax,
        expectedAverage: settings.stripeFeeAvg,
      },
    },
    generatedAt: now().toISOString(),
  };
  return { ...base, recommendations: monthlyRecommendations(base, settings) };
}

/** The HTML email body: the summary and month over month; the PDF carries the rest. */
export function renderMonthlyHtml(data: MonthlyReportData): string {
  const cell = (v: string, right = true) =>
    `<td style="padding:4px 10px;border-bottom:1px solid #eee;text-align:${right ? 'right' : 'left'}">${escapeHtml(v)}</td>`;
  const rows = monthOverMonth(data)
    .map((l) => `<tr>${cell(l.label, false)}${cell(l.current)}${cell(l.previous)}${cell(l.change)}</tr>`)
    .join('\n');
  const head = ['', data.month, data.previousMonth, 'change']
    .map(
      (h, i) =>
        `<th style="padding:4px 10px;border-bottom:2px solid #ccc;text-align:${i === 0 ? 'left' : 'right'}">${escapeHtml(h)}</th>`,
    )
    .join('');
  const recs = data.recommendations.map((r) => `<li>${escapeHtml(r)}</li>`).join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Monthly Reconciliation Report — ${escapeHtml(data.month)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">
<h2>Monthly Reconciliation Report — ${escapeHtml(data.month)}</h2>
<p>Business dates ${escapeHtml(data.firstDate)} … ${escapeHtml(data.lastDate)}. The attached PDF has the anomaly categories, the shop ranking and the fee analysis.</p>
<table style="border-collapse:collapse"><tr>${head}</tr>
${rows}
</table>
${recs ? `<h3>Recommendations</h3><ul>${recs}</ul>` : ''}
<p style="color:#888;font-size:12px">Generated ${escapeHtml(data.generatedAt)} by Revenue Reconciliation.</p>
</body></html>
`;
}

/** Plain-text alternative of the monthly email. */
function monthlyText(data: MonthlyReportData): string {
  return [
    `Monthly Reconciliation Report — ${data.month}`,
    '',
    ...monthOverMonth(data).map(
      (l) => `${l.label}: ${l.current} (${data.previousMonth}: ${l.previous}, change ${l.change})`,
    ),
    '',
    ...data.recommendations.map((r) => `- ${r}`),
  ].join('\n');
}

/**
 * Build the monthly report: PDF and HTML email.
 * @throws ReportError when the month has no reconciliation result.
 */
export async function buildMonthlyReport(
  db: SqlExecutor,
  settings: Settings,
  options: MonthlyReportOptions,
): Promise<BuiltReport> {
  if (options.refresh ?? true) await refreshReportingViewsIfPermitted(db);
  const data = await loadMonthlyReportData(db, settings, options.month, options.now);
  const stem = `monthly-${data.month}`;
  const pdf: ReportArtifact = {
    filename: `${stem}.pdf`,
    format: 'pdf',
    contentType: 'application/pdf',
    content: await renderMonthlyPdf(data),
  };
  const html = renderMonthlyHtml(data);
  return {
    kind: 'monthly',
    period: data.month,
    artifacts: [
      pdf,
      { filename: `${stem}.html`, format: 'html', contentType: 'text/html; charset=utf-8', content: html },
    ],
    email: {
      subject: `Monthly Reconciliation Report — ${data.month}`,
      html,
      text: monthlyText(data),
      attachments: [pdf],
    },
  };
}
