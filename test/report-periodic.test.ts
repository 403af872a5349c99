/**
 * The weekly CSV and the monthly PDF on generated days (2026-02-16 … 2026-03-04) run through the
 * pipeline: every figure is recomputed here from the Level 1–3 result tables and the anomalies
 * (never from the reporting views) and compared with what the reports show — the weekly rates
 * weighted over each week, the PDF read back as text with unpdf.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { buildMonthlyReport } from '../packages/core/src/reports/monthly.ts';
import { buildWeeklyReport, WEEKLY_CSV_COLUMNS } from '../packages/core/src/reports/weekly.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { addDays } from '../packages/core/src/time.ts';
import { asOfOf } from './support/cli-io.ts';

const dollars = (d: Decimal) => {
  const [int, frac] = d.toFixed(2).split('.') as [string, string];
  return `$${Number(int).toLocaleString('en-US')}.${frac}`;
};
/** The weekly CSV holds dates and numbers only (no quoting needed): header → records. */
function parseCsv(csv: string): Record<string, string>[] {
  expect(csv).not.toContain('"');
  const [head, ...lines] = csv.trimEnd().split('\n');
  const names = head!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}
const pct = (matched: number, total: number) =>
  total === 0 ? '' : new Decimal(matched).times(100).dividedBy(total).toFixed(2, Decimal.ROUND_HALF_UP);

type L1Row = { recon_date: string; shop_id: string; match_status: string; order_amount: string };
type L2Row = {
  recon_date: string;
  match_status: string;
  stripe_fee_usd: string | null;
  receipt_count: number;
};
type L3Row = { recon_date: string; match_status: string };
type AnomalyRow = {
  recon_date: string;
  anomaly_type: string;
  anomaly_name: string;
  severity: string;
  status: string;
  affected_amount: string;
};

describe('weekly and monthly reports', () => {
  const gen = generate({ startDate: '2026-02-16', days: 17, ordersPerDay: 70, seed: 31 });
  let app: App;
  let l1: L1Row[];
  let l2: L2Row[];
  let l3: L3Row[];
  let anomalies: AnomalyRow[];

  beforeAll(async () => {
    app = await openApp({
      env: {},
      home: mkdtempSync(join(tmpdir(), 'recon-report-periodic-')),
      embeddedOnly: true,
    });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of gen.days()) {
      await writeChunk(chunk, sinks);
      if (chunk.lastOfDay)
        await runPipeline(app.runtime, { reconDate: chunk.date, asOf: asOfOf(chunk.batchEnd) });
    }
    l1 = await app.warehouse.query<L1Row>(
      'SELECT recon_date, shop_id, match_status, order_amount FROM recon.stg_recon_level1_results',
    );
    l2 = await app.warehouse.query<L2Row>(
      'SELECT recon_date, match_status, stripe_fee_usd, receipt_count FROM recon.stg_recon_level2_results',
    );
    l3 = await app.warehouse.query<L3Row>(
      'SELECT recon_date, match_status FROM recon.stg_recon_level3_results',
    );
    anomalies = await app.warehouse.query<AnomalyRow>(
      'SELECT recon_date, anomaly_type, anomaly_name, severity, status, affected_amount FROM recon.dwd_recon_anomalies',
    );
  });
  afterAll(async () => app?.close());

  const between = (from: string, to: string) => (r: { recon_date: string }) =>
    r.recon_date >= from && r.recon_date <= to;

  /** The figures of [from, to] from the result tables (dates with a result only, as the views). */
  function period(from: string, to: string) {
    const in1 = l1.filter(between(from, to));
    const in2 = l2.filter(between(from, to));
    const in3 = l3.filter(between(from, to));
    const dates = new Set([...in1, ...in2, ...in3].map((r) => r.recon_date));
    const an = anomalies.filter((a) => dates.has(a.recon_date));
    const matched = in1.filter((r) => r.match_status === 'MATCHED');
    const sum = (rows: { order_amount: string }[]) =>
      rows.reduce((s, r) => s.plus(r.order_amount), new Decimal(0));
    return {
      days: dates.size,
      l1Total: in1.length,
      l1Matched: matched.length,
      l1: pct(matched.length, in1.length),
      l2: pct(in2.filter((r) => r.match_status === 'MATCHED').length, in2.length),
      l3: pct(
        in3.filter((r) => r.match_status === 'MATCHED' || r.match_status === 'MATCHED_NET').length,
        in3.length,
      ),
      matched: sum(matched),
      unmatched: sum(in1.filter((r) => r.match_status !== 'MATCHED')),
      fees: in2.reduce((s, r) => s.plus(r.stripe_fee_usd ?? '0'), new Decimal(0)),
      withReceipt: in2.filter((r) => r.receipt_count > 0).length,
      anomalies: an,
      resolved: an.filter((a) => a.status === 'RESOLVED' || a.status === 'AUTO_RESOLVED').length,
      critical: an.filter((a) => a.severity === 'CRITICAL').length,
    };
  }

  it('weekly: a header and the 4 weeks ending with the week of --date, rates weighted over each week', async () => {
    const report = await buildWeeklyReport(app.warehouse, { date: '2026-03-04' });
    const csv = String(report.artifacts.find((a) => a.format === 'csv')!.content);
    const rows = parseCsv(csv);
    expect(csv.split('\n')[0]).toBe(WEEKLY_CSV_COLUMNS.join(','));
    expect(rows.map((r) => [r.week_start, r.week_end])).toEqual([
      ['2026-02-09', '2026-02-15'],
      ['2026-02-16', '2026-02-22'],
      ['2026-02-23', '2026-03-01'],
      ['2026-03-02', '2026-03-08'],
    ]);
    expect(rows[0]).toMatchObject({ days: '0', l1_total: '', l1_match_rate_pct: '' });
    let before: string | null = null;
    for (const row of rows.slice(1)) {
      const e = period(row.week_start!, row.week_end!);
      expect(e.days).toBeGreaterThan(0);
      expect(row).toMatchObject({
        days: String(e.days),
        l1_total: String(e.l1Total),
        l1_matched: String(e.l1Matched),
        l1_match_rate_pct: e.l1,
        l2_match_rate_pct: e.l2,
        l3_match_rate_pct: e.l3,
        matched_revenue: e.matched.toFixed(2),
        unmatched_revenue: e.unmatched.toFixed(2),
        anomalies: String(e.anomalies.length),
        critical: String(e.critical),
        resolved: String(e.resolved),
      });
      // A weighted rate, not the mean of the daily rates.
      expect(row.l1_change_pp).toBe(
        before === null
          ? ''
          : (() => {
              const d = new Decimal(e.l1).minus(before);
              return `${d.isZero() ? '' : d.isNegative() ? '-' : '+'}${d.abs().toFixed(2)}`;
            })(),
      );
      before = e.l1;
    }
    expect(report.email.attachments.map((a) => a.filename)).toEqual(['weekly-2026-03-02.csv']);
    expect(report.email.html).toContain(`${rows[3]!.l1_match_rate_pct}%`);
  });

  it('weekly: refuses four weeks without any result', async () => {
    await expect(buildWeeklyReport(app.warehouse, { date: '2025-06-01' })).rejects.toThrow(
      /no reconciliation result in the 4 weeks 2025-05-05 … 2025-06-01/,
    );
  });

  it('monthly: the PDF shows the summary, month over month, top categories, shop ranking and fees', async () => {
    const report = await buildMonthlyReport(app.warehouse, app.settings, { month: '2026-03' });
    const pdf = report.artifacts.find((a) => a.format === 'pdf')!;
    expect(pdf.filename).toBe('monthly-2026-03.pdf');
    const bytes = new Uint8Array(pdf.content as Buffer);
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });

    const march = period('2026-03-01', '2026-03-31');
    const feb = period('2026-02-01', '2026-02-28');
    expect(text).toContain('Monthly Reconciliation Report — 2026-03');
    expect(text).toContain(`Business days with results ${march.days}`);
    expect(text).toContain(`Orders reconciled (Level 1) ${march.l1Total}`);
    expect(text).toContain(`L1 match rate (order-payment) ${march.l1}%`);
    expect(text).toContain(`L2 match rate (order-receipt) ${march.l2}%`);
    expect(text).toContain(`Matched revenue ${dollars(march.matched)}`);
    expect(text).toContain(`Unmatched revenue ${dollars(march.unmatched)}`);
    expect(text).toContain(`Stripe fees ${dollars(march.fees)}`);

    // Month over month: both months and the change in percentage points.
    const change = new Decimal(march.l1).minus(feb.l1);
    const sign = change.isZero() ? '' : change.isNegative() ? '-' : '+';
    expect(text).toContain(`L1 match rate ${march.l1}% ${feb.l1}% ${sign}${change.abs().toFixed(2)} pp`);
    expect(text).toContain(`Matched revenue ${dollars(march.matched)} ${dollars(feb.matched)}`);

    // Top category: the most frequent type × severity of March.
    const counts = new Map<string, { n: number; amount: Decimal; name: string }>();
    for (const a of march.anomalies) {
      const key = `${a.anomaly_type} ${a.severity}`;
      const c = counts.get(key) ?? { n: 0, amount: new Decimal(0), name: a.anomaly_name };
      c.n += 1;
      c.amount = c.amount.plus(a.affected_amount);
      counts.set(key, c);
    }
    const [topKey, top] = [...counts.entries()].sort(
      (a, b) => b[1].n - a[1].n || b[1].amount.comparedTo(a[1].amount) || a[0].localeCompare(b[0]),
    )[0]!;
    const [type, severity] = topKey.split(' ');
    expect(text).toMatch(new RegExp(`\\n1 ${type} ${top.name} ${severity} ${top.n} `));

    // Shop ranking: the lowest L1 rate of March first.
    const shops = new Map<string, { total: number; matched: number }>();
    for (const r of l1.filter(between('2026-03-01', '2026-03-31'))) {
      const s = shops.get(r.shop_id) ?? { total: 0, matched: 0 };
      s.total += 1;
      if (r.match_status === 'MATCHED') s.matched += 1;
      shops.set(r.shop_id, s);
    }
    const worst = [...shops.entries()].sort(
      (a, b) =>
        new Decimal(pct(a[1].matched, a[1].total)).comparedTo(pct(b[1].matched, b[1].total)) ||
        b[1].total - a[1].total ||
        Number(a[0]) - Number(b[0]),
    )[0]!;
    expect(text).toMatch(
      new RegExp(`\\n1 ${worst[0]} ${worst[1].total} ${pct(worst[1].matched, worst[1].total)}%`),
    );

    // Fees: the average over orders with a receipt.
    const average = march.fees.dividedBy(march.withReceipt).toFixed(2, Decimal.ROUND_HALF_UP);
    expect(text).toContain(`Average fee per order with a receipt $${average}`);
    expect(text).toContain(`Orders with a receipt ${march.withReceipt}`);
    expect(text).toContain('6. Recommendations');

    expect(report.email.attachments.map((a) => a.filename)).toEqual(['monthly-2026-03.pdf']);
    expect(report.email.html).toContain(`${march.l1}%`);
  });

  it('monthly: refuses a month without results', async () => {
    await expect(buildMonthlyReport(app.warehouse, app.settings, { month: '2025-01' })).rejects.toThrow(
      'no reconciliation result for any business date of 2025-01',
    );
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
