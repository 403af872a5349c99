/**
 * The figures of the monthly report and the pure computations over them (ranking, resolution
 * figures, month over month, recommendations), shared by the PDF and the HTML email. Exact
 * decimals throughout.
 */
import { Decimal } from 'decimal.js';
import type { Settings } from '../settings.ts';
import {
  countChange,
  formatCount,
  formatMoney,
  formatRate,
  moneyChange,
  NONE,
  rateChange,
} from './format.ts';

/** One row of `recon.v_recon_monthly_summary` (exact text values). */
export interface MonthlySummaryRow {
  month_start: string;
  days: string;
  l1_total: string;
  l1_matched: string;
  l1_match_rate_pct: string | null;
  l2_match_rate_pct: string | null;
  l3_match_rate_pct: string | null;
  total_matched_revenue: string;
  total_unmatched_revenue: string;
  total_stripe_fees: string;
  total_anomalies: string;
  total_critical: string;
  total_resolved: string;
  resolution_rate_pct: string | null;
}

/** One anomaly category (type × severity) of the month with its resolution figures. */
export interface CategoryRow {
  anomaly_type: string;
  anomaly_name: string;
  severity: string;
  category_count: string;
  open_count: string;
  resolved_count: string;
  false_positive_count: string;
  affected_amount: string;
  closed_count: string;
  closed_minutes: string;
}

/** One shop's month (sums of its shop-days). */
export interface ShopRow {
  shop_id: string;
  shop_days: string;
  orders: string;
  l1_matched: string;
  l1_match_rate_pct: string | null;
  order_amount: string;
  l3_mismatch_days: string;
  l3_abs_variance: string;
  anomalies: string;
  critical: string;
  open_anomalies: string;
}

/** Stripe fees of the month's Level 2 results. */
export interface FeeStatsRow {
  orders: string;
  orders_with_receipt: string;
  receipt_amount: string;
  total_fees: string;
  min_fee: string | null;
  max_fee: string | null;
}

/** Orders per Level 2 fee status. */
export interface FeeStatusRow {
  fee_status: string;
  n: string;
  fees: string;
}

/** A HIGH_FEE order. */
export interface FeeOutlierRow {
  recon_date: string;
  order_id: string;
  shop_id: string;
  order_amount: string;
  stripe_fee_usd: string;
}

/** Everything the monthly report shows. */
export interface MonthlyReportData {
  month: string;
  previousMonth: string;
  firstDate: string;
  lastDate: string;
  summary: MonthlySummaryRow;
  previous: MonthlySummaryRow | null;
  /** The top 10 categories (type × severity), most anomalies first. */
  categories: CategoryRow[];
  /** Every category of the month, in the same order. */
  allCategories: CategoryRow[];
  /** Every shop of the month, lowest Level 1 rate first (shops without orders last). */
  shops: ShopRow[];
  fees: {
    stats: FeeStatsRow;
    byStatus: FeeStatusRow[];
    outliers: FeeOutlierRow[];
    /** Total fees ÷ orders with a receipt, 2 decimals; null without receipts. */
    averageFee: string | null;
    /** Total fees × 100 ÷ receipt amount, 2 decimals; null without receipts. */
    feeRatePct: string | null;
    band: { min: string; max: string; expectedAverage: string };
  };
  recommendations: string[];
  generatedAt: string;
}

/** Average hours from detection to closing of a category's closed anomalies (1 decimal), or null. */
export function averageHoursToClose(c: Pick<CategoryRow, 'closed_count' | 'closed_minutes'>): string | null {
  const n = new Decimal(c.closed_count);
  if (n.isZero()) return null;
  return new Decimal(c.closed_minutes).dividedBy(n).dividedBy(60).toFixed(1, Decimal.ROUND_HALF_UP);
}

/** Resolved share of a category (RESOLVED + AUTO_RESOLVED ÷ all, as the views compute it), or null. */
export function categoryResolutionRate(
  c: Pick<CategoryRow, 'category_count' | 'resolved_count'>,
): string | null {
  const n = new Decimal(c.category_count);
  if (n.isZero()) return null;
  return new Decimal(c.resolved_count).times(100).dividedBy(n).toFixed(2, Decimal.ROUND_HALF_UP);
}

/** Lowest Level 1 rate first; equal rates: more orders first, then shop id; shops without orders last. */
export function rankShops(shops: readonly ShopRow[]): ShopRow[] {
  return [...shops].sort((a, b) => {
    if ((a.l1_match_rate_pct === null) !== (b.l1_match_rate_pct === null)) {
      return a.l1_match_rate_pct === null ? 1 : -1;
    }
    if (a.l1_match_rate_pct !== null && b.l1_match_rate_pct !== null) {
      const byRate = new Decimal(a.l1_match_rate_pct).comparedTo(b.l1_match_rate_pct);
      if (byRate !== 0) return byRate;
    }
    const byOrders = new Decimal(b.orders).comparedTo(a.orders);
    if (byOrders !== 0) return byOrders;
    return new Decimal(a.shop_id).comparedTo(b.shop_id);
  });
}

/** Process-level advice per anomaly type, for the recommendations (SPEC §7 catalog). */
const ADVICE: Record<string, string> = {
  'ANO-01': 'check the payment callbacks and the order-to-payment sync for late or lost payment records',
  'ANO-02': 'review how prices and discounts are computed by the order, payment and trade systems',
  'ANO-03': 'verify the Stripe fee configuration and the channel-fee import',
  'ANO-04': 'escalate stuck refunds with the payment provider and review the refund retry process',
  'ANO-05': 'trace trades without an order (test payments, cancelled orders) at the payment gateway',
  'ANO-06': 'check the finance-receipt and reconcile-voucher sync jobs and their schedule',
  'ANO-07': 'reconcile income-bill posting with receipts per shop-day in accounting',
};

/** Recommendations drawn from the month's figures (only those the figures call for). */
export function monthlyRecommendations(
  data: Omit<MonthlyReportData, 'recommendations'>,
  settings: Pick<Settings, 'l1MatchRateWarning' | 'l2MatchRateCritical'>,
): string[] {
  const out: string[] = [];
  const s = data.summary;
  if (
    s.l1_match_rate_pct !== null &&
    new Decimal(s.l1_match_rate_pct).lessThan(settings.l1MatchRateWarning)
  ) {
    out.push(
      `The Level 1 match rate (${formatRate(s.l1_match_rate_pct)}) is below the ${settings.l1MatchRateWarning}% warning threshold: work through the missing payments and amount mismatches first.`,
    );
  }
  if (
    s.l2_match_rate_pct !== null &&
    new Decimal(s.l2_match_rate_pct).lessThan(settings.l2MatchRateCritical)
  ) {
    out.push(
      `The Level 2 match rate (${formatRate(s.l2_match_rate_pct)}) is below ${settings.l2MatchRateCritical}%: receipts are missing or late in finance.`,
    );
  }
  const total = new Decimal(s.total_anomalies);
  const byType = new Map<string, { name: string; count: Decimal }>();
  for (const c of data.allCategories) {
    const t = byType.get(c.anomaly_type) ?? { name: c.anomaly_name, count: new Decimal(0) };
    t.count = t.count.plus(c.category_count);
    byType.set(c.anomaly_type, t);
  }
  const topTypes = [...byType.entries()]
    .sort((a, b) => b[1].count.comparedTo(a[1].count) || a[0].localeCompare(b[0]))
    .slice(0, 3);
  for (const [type, t] of topTypes) {
    const share = total.isZero() ? '0.0' : t.count.times(100).dividedBy(total).toFixed(1);
    const advice = ADVICE[type];
    out.push(
      `${type} ${t.name}: ${formatCount(t.count.toFixed(0))} anomalies, ${share}% of the month${advice ? ` — ${advice}` : ''}.`,
    );
  }
  const f = data.fees;
  if (f.averageFee !== null) {
    const avg = new Decimal(f.averageFee);
    if (avg.lessThan(f.band.min) || avg.greaterThan(f.band.max)) {
      out.push(
        `The average Stripe fee ${formatMoney(f.averageFee)} is outside the normal band ${formatMoney(f.band.min)}–${formatMoney(f.band.max)}: check the fee schedule with Stripe.`,
      );
    }
  }
  const outside = f.byStatus
    .filter((r) => r.fee_status === 'HIGH_FEE' || r.fee_status === 'ZERO_FEE')
    .reduce((n, r) => n.plus(r.n), new Decimal(0));
  if (outside.greaterThan(0)) {
    out.push(
      `${formatCount(outside.toFixed(0))} orders had a zero or above-band Stripe fee: review them with the fee anomalies (ANO-03).`,
    );
  }
  const worst = data.shops[0];
  if (worst && worst.l1_match_rate_pct !== null && s.l1_match_rate_pct !== null) {
    if (new Decimal(worst.l1_match_rate_pct).lessThan(s.l1_match_rate_pct)) {
      out.push(
        `Shop ${worst.shop_id} has the lowest Level 1 match rate (${formatRate(worst.l1_match_rate_pct)} over ${formatCount(worst.orders)} orders, chain ${formatRate(s.l1_match_rate_pct)}): review its POS and payment terminal set-up.`,
      );
    }
  }
  const open = data.allCategories.reduce((n, c) => n.plus(c.open_count), new Decimal(0));
  if (open.greaterThan(0)) {
    out.push(
      `${formatCount(open.toFixed(0))} anomalies of the month are still open: assign them before the month is closed.`,
    );
  }
  return out;
}

/** One month-over-month line: label, this month, the month before, change. */
export interface ComparisonLine {
  label: string;
  current: string;
  previous: string;
  change: string;
}

/** The month-over-month comparison, formatted. */
export function monthOverMonth(data: MonthlyReportData): ComparisonLine[] {
  const s = data.summary;
  const p = data.previous;
  const line = (
    label: string,
    key: keyof MonthlySummaryRow,
    format: (v: string | null) => string,
    change: (a: string | null, b: string | null) => string | null,
  ): ComparisonLine => ({
    label,
    current: format(s[key]),
    previous: p ? format(p[key]) : NONE,
    change: p ? (change(s[key], p[key]) ?? NONE) : NONE,
  });
  return [
    line('Business days with results', 'days', formatCount, countChange),
    line('Orders (Level 1)', 'l1_total', formatCount, countChange),
    line('L1 match rate', 'l1_match_rate_pct', formatRate, rateChange),
    line('L2 match rate', 'l2_match_rate_pct', formatRate, rateChange),
    line('L3 match rate', 'l3_match_rate_pct', formatRate, rateChange),
    line('Matched revenue', 'total_matched_revenue', formatMoney, moneyChange),
    line('Unmatched revenue', 'total_unmatched_revenue', formatMoney, moneyChange),
    line('Stripe fees', 'total_stripe_fees', formatMoney, moneyChange),
    line('Anomalies', 'total_anomalies', formatCount, countChange),
    line('Critical anomalies', 'total_critical', formatCount, countChange),
    line('Resolved anomalies', 'total_resolved', formatCount, countChange),
    line('Resolution rate', 'resolution_rate_pct', formatRate, rateChange),
  ];
}
