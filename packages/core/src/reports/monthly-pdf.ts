/**
 * The monthly report as a PDF (pdfkit, A4, the standard Helvetica fonts). The standard fonts
 * encode WinAnsi only, so the text sticks to Latin-1 punctuation (no arrows). Tables are drawn
 * column by column with a header repeated after every page break.
 */
import PDFDocument from 'pdfkit';
import { formatAmount, formatCount, formatMoney, formatRate, NONE } from './format.ts';
import {
  averageHoursToClose,
  categoryResolutionRate,
  type MonthlyReportData,
  monthOverMonth,
  type ShopRow,
} from './monthly-figures.ts';

type Doc = InstanceType<typeof PDFDocument>;

const MARGIN = 40;
const ROW = 14;

interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

/** Cut `text` so it fits `width` points in the current font (ending with "..."). */
function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 1 && doc.widthOfString(`${cut}...`) > width) cut = cut.slice(0, -1);
  return `${cut}...`;
}

function bottom(doc: Doc): number {
  return doc.page.height - MARGIN - ROW;
}

function heading(doc: Doc, text: string): void {
  if (doc.y > bottom(doc) - 3 * ROW) doc.addPage();
  doc.moveDown(0.8);
  doc.font('Helvetica-Bold').fontSize(12).fillColor('#000').text(text, MARGIN, doc.y);
  doc.moveDown(0.3);
}

function paragraph(doc: Doc, text: string): void {
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor('#333')
    .text(text, MARGIN, doc.y, {
      width: doc.page.width - 2 * MARGIN,
    });
  doc.moveDown(0.3);
}

/** Draw a table; rows that do not fit the page continue on the next one under a repeated header. */
function table(doc: Doc, columns: readonly Column[], rows: readonly string[][]): void {
  const drawRow = (cells: readonly string[], bold: boolean) => {
    if (doc.y > bottom(doc)) {
      doc.addPage();
      if (!bold)
        drawRow(
          columns.map((c) => c.header),
          true,
        );
    }
    const y = doc.y;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(8)
      .fillColor('#000');
    let x = MARGIN;
    columns.forEach((c, i) => {
      doc.text(fit(doc, cells[i] ?? '', c.width - 4), x, y, {
        width: c.width - 4,
        align: c.align ?? 'left',
        lineBreak: false,
      });
      x += c.width;
    });
    doc
      .moveTo(MARGIN, y + ROW - 3)
      .lineTo(x, y + ROW - 3)
      .lineWidth(bold ? 0.8 : 0.3)
      .strokeColor(bold ? '#888' : '#ddd')
      .stroke();
    doc.y = y + ROW;
  };
  drawRow(
    columns.map((c) => c.header),
    true,
  );
  for (const r of rows) drawRow(r, false);
  doc.x = MARGIN;
}

function shopRows(shops: readonly ShopRow[], rankOf: (s: ShopRow) => number): string[][] {
  return shops.map((s) => [
    String(rankOf(s)),
    s.shop_id,
    formatCount(s.orders),
    formatRate(s.l1_match_rate_pct),
    formatMoney(s.order_amount),
    formatCount(s.l3_mismatch_days),
    formatMoney(s.l3_abs_variance),
    formatCount(s.anomalies),
    formatCount(s.critical),
    formatCount(s.open_anomalies),
  ]);
}

const SHOP_COLUMNS: readonly Column[] = [
  { header: 'rank', width: 30, align: 'right' },
  { header: 'shop', width: 50 },
  { header: 'orders', width: 45, align: 'right' },
  { header: 'L1 rate', width: 48, align: 'right' },
  { header: 'order amount', width: 70, align: 'right' },
  { header: 'L3 mismatch days', width: 76, align: 'right' },
  { header: 'L3 |variance|', width: 62, align: 'right' },
  { header: 'anomalies', width: 46, align: 'right' },
  { header: 'critical', width: 40, align: 'right' },
  { header: 'open', width: 38, align: 'right' },
];

/** Render the monthly report; resolves with the PDF bytes. */
export async function renderMonthlyPdf(data: MonthlyReportData): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: `Monthly Reconciliation Report ${data.month}`,
      Author: 'Revenue Reconciliation',
      CreationDate: new Date(data.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  doc
    .font('Helvetica-Bold')
    .fontSize(18)
    .text(`Monthly Reconciliation Report — ${data.month}`, MARGIN, MARGIN);
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor('#555')
    .text(`Business dates ${data.firstDate} to ${data.lastDate} · generated ${data.generatedAt}`);

  const s = data.summary;
  heading(doc, '1. Monthly summary');
  table(
    doc,
    [
      { header: 'figure', width: 200 },
      { header: data.month, width: 120, align: 'right' },
    ],
    [
      ['Business days with results', formatCount(s.days)],
      ['Orders reconciled (Level 1)', formatCount(s.l1_total)],
      ['Orders matched (Level 1)', formatCount(s.l1_matched)],
      ['L1 match rate (order-payment)', formatRate(s.l1_match_rate_pct)],
      ['L2 match rate (order-receipt)', formatRate(s.l2_match_rate_pct)],
      ['L3 match rate (receipt-income)', formatRate(s.l3_match_rate_pct)],
      ['Matched revenue', formatMoney(s.total_matched_revenue)],
      ['Unmatched revenue', formatMoney(s.total_unmatched_revenue)],
      ['Stripe fees', formatMoney(s.total_stripe_fees)],
      ['Anomalies', formatCount(s.total_anomalies)],
      ['Critical anomalies', formatCount(s.total_critical)],
      ['Resolved anomalies', formatCount(s.total_resolved)],
      ['Resolution rate', formatRate(s.resolution_rate_pct)],
    ],
  );

  heading(doc, '2. Month over month');
  if (!data.previous) paragraph(doc, `No result for ${data.previousMonth}: nothing to compare with.`);
  table(
    doc,
    [
      { header: 'figure', width: 170 },
      { header: data.month, width: 110, align: 'right' },
      { header: data.previousMonth, width: 110, align: 'right' },
      { header: 'change', width: 110, align: 'right' },
    ],
    monthOverMonth(data).map((l) => [l.label, l.current, l.previous, l.change]),
  );

  heading(doc, '3. Top anomaly categories');
  if (data.categories.length === 0) paragraph(doc, 'No anomaly in this month.');
  else {
    paragraph(
      doc,
      'Type and severity, most anomalies first. Resolved = RESOLVED or AUTO_RESOLVED; h to close = average hours from detection to the closing status (RESOLVED, AUTO_RESOLVED, FALSE_POSITIVE), over the closed ones.',
    );
    table(
      doc,
      [
        { header: '#', width: 16, align: 'right' },
        { header: 'type', width: 40 },
        { header: 'name', width: 94 },
        { header: 'severity', width: 48 },
        { header: 'count', width: 36, align: 'right' },
        { header: 'open', width: 32, align: 'right' },
        { header: 'resolved', width: 40, align: 'right' },
        { header: 'false pos.', width: 42, align: 'right' },
        { header: 'resolved %', width: 52, align: 'right' },
        { header: 'h to close', width: 50, align: 'right' },
        { header: 'affected', width: 65, align: 'right' },
      ],
      data.categories.map((c, i) => [
        String(i + 1),
        c.anomaly_type,
        c.anomaly_name,
        c.severity,
        formatCount(c.category_count),
        formatCount(c.open_count),
        formatCount(c.resolved_count),
        formatCount(c.false_positive_count),
        formatRate(categoryResolutionRate(c)),
        averageHoursToClose(c) ?? NONE,
        formatMoney(c.affected_amount),
      ]),
    );
  }

  heading(doc, '4. Shop ranking by L1 match rate');
  const rank = new Map(data.shops.map((shop, i) => [shop, i + 1]));
  const rankOf = (shop: ShopRow) => rank.get(shop) ?? 0;
  if (data.shops.length === 0) paragraph(doc, 'No shop has results in this month.');
  else if (data.shops.length <= 15) {
    paragraph(doc, `${data.shops.length} shops, lowest rate first.`);
    table(doc, SHOP_COLUMNS, shopRows(data.shops, rankOf));
  } else {
    paragraph(doc, `${formatCount(data.shops.length)} shops. Lowest 10 (needing attention first):`);
    table(doc, SHOP_COLUMNS, shopRows(data.shops.slice(0, 10), rankOf));
    // The best five of the others (shops without orders have no rate and rank last).
    const best = data.shops
      .slice(10)
      .filter((shop) => shop.l1_match_rate_pct !== null)
      .slice(-5)
      .reverse();
    if (best.length > 0) {
      doc.moveDown(0.5);
      paragraph(doc, `Highest ${best.length}:`);
      table(doc, SHOP_COLUMNS, shopRows(best, rankOf));
    }
  }

  heading(doc, '5. Stripe fee analysis');
  const f = data.fees;
  table(
    doc,
    [
      { header: 'figure', width: 220 },
      { header: 'value', width: 120, align: 'right' },
    ],
    [
      ['Orders (Level 2)', formatCount(f.stats.orders)],
      ['Orders with a receipt', formatCount(f.stats.orders_with_receipt)],
      ['Receipt amount', formatMoney(f.stats.receipt_amount)],
      ['Stripe fees in all', formatMoney(f.stats.total_fees)],
      ['Average fee per order with a receipt', formatMoney(f.averageFee)],
      ['Expected average fee (stripeFeeAvg)', formatMoney(f.band.expectedAverage)],
      [
        'Normal band (stripeFeeMin - stripeFeeMax)',
        `${formatMoney(f.band.min)} - ${formatMoney(f.band.max)}`,
      ],
      ['Lowest / highest fee', `${formatMoney(f.stats.min_fee)} / ${formatMoney(f.stats.max_fee)}`],
      ['Fees as % of receipts', formatRate(f.feeRatePct)],
    ],
  );
  doc.moveDown(0.5);
  table(
    doc,
    [
      { header: 'fee status', width: 120 },
      { header: 'orders', width: 80, align: 'right' },
      { header: 'fees', width: 100, align: 'right' },
    ],
    f.byStatus.map((r) => [r.fee_status, formatCount(r.n), formatMoney(r.fees)]),
  );
  if (f.outliers.length > 0) {
    doc.moveDown(0.5);
    paragraph(doc, 'Highest fees above the band (HIGH_FEE):');
    table(
      doc,
      [
        { header: 'date', width: 70 },
        { header: 'order', width: 100 },
        { header: 'shop', width: 60 },
        { header: 'order amount', width: 90, align: 'right' },
        { header: 'fee', width: 80, align: 'right' },
      ],
      f.outliers.map((o) => [
        o.recon_date,
        o.order_id,
        o.shop_id,
        formatAmount(o.order_amount),
        formatMoney(o.stripe_fee_usd),
      ]),
    );
  }

  heading(doc, '6. Recommendations');
  if (data.recommendations.length === 0) paragraph(doc, 'The figures of this month call for no action.');
  for (const r of data.recommendations) paragraph(doc, `- ${r}`);

  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
