/**
 * The monthly report's computations and PDF on hand-made figures: the shop ranking (lowest rate
 * first, shops without orders last), resolution figures, recommendations, and a PDF with many
 * shops (lowest 10 and highest 5) read back with unpdf.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../settings.ts';
import {
  averageHoursToClose,
  type CategoryRow,
  categoryResolutionRate,
  type MonthlyReportData,
  monthlyRecommendations,
  monthOverMonth,
  rankShops,
  type ShopRow,
} from './monthly-figures.ts';
import { renderMonthlyPdf } from './monthly-pdf.ts';

const settings = loadSettings({ env: {}, cwd: '/nonexistent' });

function shop(id: number, orders: number, matched: number): ShopRow {
  const rate = orders === 0 ? null : ((matched * 100) / orders).toFixed(2);
  return {
    shop_id: String(id),
    shop_days: '30',
    orders: String(orders),
    l1_matched: String(matched),
    l1_match_rate_pct: rate,
    order_amount: `${orders * 10}.00`,
    l3_mismatch_days: '0',
    l3_abs_variance: '0.00',
    anomalies: String(orders - matched),
    critical: '0',
    open_anomalies: String(orders - matched),
  };
}

function category(type: string, name: string, severity: string, n: number, resolved: number): CategoryRow {
  return {
    anomaly_type: type,
    anomaly_name: name,
    severity,
    category_count: String(n),
    open_count: String(n - resolved),
    resolved_count: String(resolved),
    false_positive_count: '0',
    affected_amount: `${n}.50`,
    closed_count: String(resolved),
    closed_minutes: String(resolved * 90),
  };
}

function data(shops: ShopRow[]): MonthlyReportData {
  const categories = [
    category('ANO-01', 'MISSING_PAYMENT', 'CRITICAL', 12, 4),
    category('ANO-03', 'FEE_ANOMALY', 'MEDIUM', 9, 9),
    category('ANO-01', 'MISSING_PAYMENT', 'HIGH', 5, 0),
  ];
  const base = {
    month: '2026-03',
    previousMonth: '2026-02',
    firstDate: '2026-03-01',
    lastDate: '2026-03-31',
    summary: {
      month_start: '2026-03-01',
      days: '31',
      l1_total: '12345',
      l1_matched: '11000',
      l1_match_rate_pct: '89.11',
      l2_match_rate_pct: '96.00',
      l3_match_rate_pct: '80.00',
      total_matched_revenue: '1234567.89',
      total_unmatched_revenue: '4321.00',
      total_stripe_fees: '57000.10',
      total_anomalies: '26',
      total_critical: '12',
      total_resolved: '13',
      resolution_rate_pct: '50.00',
    },
    previous: null,
    categories,
    allCategories: categories,
    shops: rankShops(shops),
    fees: {
      stats: {
        orders: '12345',
        orders_with_receipt: '12000',
        receipt_amount: '1230000.00',
        total_fees: '57000.10',
        min_fee: '0.00',
        max_fee: '14.20',
      },
      byStatus: [
        { fee_status: 'HIGH_FEE', n: '3', fees: '40.00' },
        { fee_status: 'NORMAL_FEE', n: '11996', fees: '56960.10' },
        { fee_status: 'ZERO_FEE', n: '1', fees: '0.00' },
      ],
      outliers: [
        {
          recon_date: '2026-03-04',
          order_id: '77',
          shop_id: '3',
          order_amount: '20.00',
          stripe_fee_usd: '14.20',
        },
      ],
      averageFee: '8.75',
      feeRatePct: '4.63',
      band: { min: '2.00', max: '8.00', expectedAverage: '4.66' },
    },
    generatedAt: '2026-04-02T09:00:00.000Z',
  };
  return { ...base, recommendations: monthlyRecommendations(base, settings) };
}

describe('monthly figures', () => {
  it('ranks shops lowest rate first, more orders first on a tie, shops without orders last', () => {
    const ranked = rankShops([
      shop(1, 100, 100),
      shop(2, 0, 0),
      shop(3, 50, 40),
      shop(4, 100, 80),
      shop(5, 10, 10),
    ]);
    expect(ranked.map((s) => s.shop_id)).toEqual(['4', '3', '1', '5', '2']);
  });

  it('computes resolution figures and month over month without a previous month', () => {
    const c = category('ANO-01', 'MISSING_PAYMENT', 'HIGH', 3, 2);
    expect(categoryResolutionRate(c)).toBe('66.67');
    expect(averageHoursToClose(c)).toBe('1.5');
    expect(averageHoursToClose({ closed_count: '0', closed_minutes: '0' })).toBeNull();
    const lines = monthOverMonth(data([shop(1, 10, 9)]));
    expect(lines.find((l) => l.label === 'Matched revenue')).toEqual({
      label: 'Matched revenue',
      current: '$1,234,567.89',
      previous: '—',
      change: '—',
    });
  });

  it('recommends only what the figures call for', () => {
    const recs = data([shop(1, 100, 50), shop(2, 100, 99)]).recommendations;
    expect(recs[0]).toMatch(/^The Level 1 match rate \(89\.11%\) is below the 95% warning threshold/);
    expect(recs).toContain(
      'ANO-01 MISSING_PAYMENT: 17 anomalies, 65.4% of the month — check the payment callbacks and the order-to-payment sync for late or lost payment records.',
    );
    expect(
      recs.some((r) => r.startsWith('The average Stripe fee $8.75 is outside the normal band $2.00–$8.00')),
    ).toBe(true);
    expect(recs).toContain(
      '4 orders had a zero or above-band Stripe fee: review them with the fee anomalies (ANO-03).',
    );
    expect(
      recs.some((r) => r.startsWith('Shop 1 has the lowest Level 1 match rate (50.00% over 100 orders')),
    ).toBe(true);
    expect(recs.some((r) => r.startsWith('The Level 2'))).toBe(false); // 96.00 is not below 95
  });
});

describe('monthly PDF', () => {
  it('shows the lowest 10 and highest 5 of many shops, over several pages', async () => {
    const shops = Array.from({ length: 40 }, (_, i) => shop(100 + i, 100, 60 + i));
    const pdf = await renderMonthlyPdf(data(shops));
    const doc = await getDocumentProxy(new Uint8Array(pdf));
    expect(doc.numPages).toBeGreaterThanOrEqual(2);
    const { text } = await extractText(doc, { mergePages: true });
    expect(text).toContain('40 shops. Lowest 10 (needing attention first):');
    expect(text).toMatch(/\n1 100 100 60\.00% \$1,000\.00/);
    expect(text).toMatch(/\n10 109 100 69\.00%/);
    expect(text).not.toMatch(/\n11 110 /);
    expect(text).toMatch(/\n40 139 100 99\.00%/); // the best shop heads the highest 5
    expect(text).toMatch(/\n36 135 100 95\.00%/);
    expect(text).toContain('Matched revenue $1,234,567.89');
    expect(text).toContain('1 ANO-01 MISSING_PAYMENT CRITICAL 12 8 4 0 33.33% 1.5 $12.50');
    expect(text).toContain('Average fee per order with a receipt $8.75');
    expect(text).toContain('No result for 2026-02: nothing to compare with.');
    expect(text).toContain('Highest 5:');
  });

  it('never repeats a shop of the lowest 10 among the highest', async () => {
    const shops = [
      ...Array.from({ length: 12 }, (_, i) => shop(200 + i, 100, 80 + i)),
      ...Array.from({ length: 4 }, (_, i) => shop(300 + i, 0, 0)),
    ];
    const { text } = await extractText(
      await getDocumentProxy(new Uint8Array(await renderMonthlyPdf(data(shops)))),
      {
        mergePages: true,
      },
    );
    expect(text).toContain('16 shops. Lowest 10 (needing attention first):');
    expect(text).toMatch(
      /Highest 2:\s*\nrank shop orders L1 rate[^\n]*\n12 211 100 91\.00%[^\n]*\n11 210 100 90\.00%/,
    );
    expect(text.match(/\n10 209 /g)).toHaveLength(1);
  });
});
