/**
 * The daily report on generated days run through the pipeline (embedded sources, PGlite): every
 * figure of the WeCom markdown checked against the result tables read independently, the change
 * against the previous day, the 4,096-byte limit with "…and N more", the HTML email and its CSV
 * attachments in the raw MIME, and the SES SendEmail call (mocked client).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { utf8Bytes } from '../packages/core/src/notify/wecom.ts';
import {
  buildDailyReport,
  loadDailyReportData,
  renderDailyMarkdown,
} from '../packages/core/src/reports/daily.ts';
import { deliverReport } from '../packages/core/src/reports/deliver.ts';
import { refreshReportingViews } from '../packages/core/src/reporting/refresh.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { asOfOf } from './support/cli-io.ts';

/** "1234567.5" → "1,234,567.50", written independently of the product's formatter. */
function money(value: Decimal): string {
  const [int, frac] = value.toFixed(2).split('.') as [string, string];
  return `$${Number(int).toLocaleString('en-US')}.${frac}`;
}

function rate(matched: number, total: number): string {
  return new Decimal(matched)
    .times(100)
    .dividedBy(total)
    .toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
    .toFixed(2);
}

function pp(a: string, b: string): string {
  const d = new Decimal(a).minus(b);
  return `${d.isZero() ? '' : d.isNegative() ? '-' : '+'}${d.abs().toFixed(2)} pp`;
}

async function insertCritical(app: App, date: string, i: number, amount: string, description: string) {
  await app.warehouse.execute(
    `INSERT INTO recon.dwd_recon_anomalies
       (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by, detected_date, recon_date,
        entity_key, order_id, shop_id, affected_amount, expected_value, actual_value, confidence_score,
        description, recommendation, created_at, updated_at, last_seen_at)
     VALUES (:id, 'ANO-02', 'AMOUNT_MISMATCH', 'CRITICAL', 'OPEN', 'SYSTEM', CAST(:date AS DATE), CAST(:date AS DATE),
        :key, NULL, 7, CAST(:amount AS DECIMAL(14,2)), NULL, NULL, 1.000, :description, 'check it',
        CAST('2026-01-01 00:00:00' AS TIMESTAMP), CAST('2026-01-01 00:00:00' AS TIMESTAMP), CAST('2026-01-01 00:00:00' AS TIMESTAMP))`,
    { id: `ANO-02:t${i}`, key: `t${i}`, date, amount, description },
  );
}

describe('daily report', () => {
  const gen = generate({ startDate: '2026-03-09', days: 3, ordersPerDay: 160, seed: 4242 });
  let app: App;
  const day = gen.dates[2]!;
  const previous = gen.dates[1]!;

  beforeAll(async () => {
    app = await openApp({
      env: {},
      home: mkdtempSync(join(tmpdir(), 'recon-report-daily-')),
      embeddedOnly: true,
    });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of gen.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf: asOfOf(chunk.batchEnd) });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${chunk.date}: ${outcome.status}`);
    }
  });
  afterAll(async () => app?.close());

  /** The figures of a date computed from the result tables and the anomalies, not from the views. */
  async function expected(date: string) {
    const l1 = await app.warehouse.query<{ match_status: string; order_amount: string }>(
      'SELECT match_status, order_amount FROM recon.stg_recon_level1_results WHERE recon_date = CAST(:d AS DATE)',
      { d: date },
    );
    const l2 = await app.warehouse.query<{ match_status: string }>(
      'SELECT match_status FROM recon.stg_recon_level2_results WHERE recon_date = CAST(:d AS DATE)',
      { d: date },
    );
    const l3 = await app.warehouse.query<{ match_status: string }>(
      'SELECT match_status FROM recon.stg_recon_level3_results WHERE recon_date = CAST(:d AS DATE)',
      { d: date },
    );
    const anomalies = await app.warehouse.query<{
      severity: string;
      status: string;
      affected_amount: string;
    }>(
      'SELECT severity, status, affected_amount FROM recon.dwd_recon_anomalies WHERE recon_date = CAST(:d AS DATE)',
      { d: date },
    );
    const matched = l1.filter((r) => r.match_status === 'MATCHED');
    const sum = (rows: { order_amount: string }[]) =>
      rows.reduce((s, r) => s.plus(r.order_amount), new Decimal(0));
    const open = anomalies.filter((a) => a.status === 'OPEN' || a.status === 'INVESTIGATING');
    const count = (severity: string) => anomalies.filter((a) => a.severity === severity).length;
    return {
      orders: l1.length,
      l1: rate(matched.length, l1.length),
      l2: rate(l2.filter((r) => r.match_status === 'MATCHED').length, l2.length),
      l3: rate(
        l3.filter((r) => r.match_status === 'MATCHED' || r.match_status === 'MATCHED_NET').length,
        l3.length,
      ),
      matched: money(sum(matched)),
      unmatched: money(sum(l1.filter((r) => r.match_status !== 'MATCHED'))),
      atRisk: money(open.reduce((s, a) => s.plus(a.affected_amount), new Decimal(0))),
      anomalies: anomalies.length,
      bySeverity: {
        CRITICAL: count('CRITICAL'),
        HIGH: count('HIGH'),
        MEDIUM: count('MEDIUM'),
        LOW: count('LOW'),
      },
      open: open.length,
      openCritical: open.filter((a) => a.severity === 'CRITICAL'),
    };
  }

  it('shows every figure of the seed template, exactly, with the change against the previous day', async () => {
    const report = await buildDailyReport(app.warehouse, {
      date: day,
      dashboardUrl: 'https://grafana.example.com/d/recon-exec',
    });
    const md = report.wecomMarkdown!;
    const e = await expected(day);
    const p = await expected(previous);
    expect(e.orders).toBeGreaterThan(100);
    const [run] = await app.warehouse.query<{ status: string; seconds: string }>(
      `SELECT status, DATEDIFF('second', pipeline_start_time, pipeline_end_time) AS seconds
       FROM recon.dwd_recon_anomaly_metrics WHERE recon_date = CAST(:d AS DATE)`,
      { d: day },
    );
    const minutes = new Decimal(run!.seconds).dividedBy(60).toFixed(1);
    expect(md).toContain(`📊 **Daily Revenue Reconciliation Report — ${day}**`);
    expect(md).toContain(`▸ Pipeline Status: SUCCEEDED (${minutes} min)`);
    expect(md).toContain(`▸ Orders Processed: ${e.orders.toLocaleString('en-US')}`);
    expect(md).toContain(`**Match Rates** (change vs ${previous})`);
    expect(md).toContain(`> L1 Order↔Payment: ${e.l1}% (${pp(e.l1, p.l1)})`);
    expect(md).toContain(`> L2 Order↔Receipt: ${e.l2}% (${pp(e.l2, p.l2)})`);
    expect(md).toContain(`> L3 Receipt↔Income: ${e.l3}% (${pp(e.l3, p.l3)})`);
    expect(md).toContain(`> Matched: ${e.matched}`);
    expect(md).toContain(`> Unmatched: ${e.unmatched}`);
    expect(md).toContain(`> At Risk: ${e.atRisk}`);
    const s = e.bySeverity;
    expect(md).toContain(
      `> Found for ${day}: ${e.anomalies} (CRIT: ${s.CRITICAL}, HIGH: ${s.HIGH}, MEDIUM: ${s.MEDIUM}, LOW: ${s.LOW})`,
    );
    expect(e.anomalies).toBeGreaterThan(0);
    expect(md).toMatch(new RegExp(`> Open: ${e.open} · Resolved: \\d+ · False positive: \\d+`));
    expect(
      md
        .trimEnd()
        .endsWith(
          'Dashboard: [https://grafana.example.com/d/recon-exec](https://grafana.example.com/d/recon-exec)',
        ),
    ).toBe(true);
    // The CRITICAL list: largest amounts first, at most five.
    const listed = [...md.matchAll(/^\d\. \*\*(\$[\d,.]+)\*\*/gm)].map((m) => m[1]);
    const amounts = e.openCritical
      .map((a) => new Decimal(a.affected_amount))
      .sort((a, b) => b.comparedTo(a))
      .slice(0, 5)
      .map(money);
    expect(listed).toEqual(amounts);
    if (e.openCritical.length > 5) expect(md).toContain(`…and ${e.openCritical.length - 5} more`);
    else expect(md).not.toContain('more');
    expect(utf8Bytes(md)).toBeLessThanOrEqual(4096);
  });

  it('says the previous day has no result on the first date', async () => {
    const data = await loadDailyReportData(app.warehouse, gen.dates[0]!);
    const md = renderDailyMarkdown(data).text;
    expect(md).toMatch(/> L1 Order↔Payment: \d+\.\d{2}% \(no result for 2026-03-08\)/);
  });

  it('reports a day halted by data quality: the status, and no figures', async () => {
    const halted = '2026-03-12';
    await app.warehouse.execute(
      `INSERT INTO recon.dwd_recon_anomaly_metrics
         (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status, failed_step, error_message)
       VALUES ('halted-run', CAST(:d AS DATE), CAST('2026-03-13 06:00:00' AS TIMESTAMP),
         CAST('2026-03-13 06:10:30' AS TIMESTAMP), CAST('2026-03-13 06:00:00' AS TIMESTAMP), 'FAILED_DQ',
         'DataQualityPreChecks', 'DQ-04 FAIL')`,
      { d: halted },
    );
    const md = (await buildDailyReport(app.warehouse, { date: halted })).wecomMarkdown!;
    expect(md).toContain('▸ Pipeline Status: FAILED_DQ, halted by data quality (10.5 min)');
    expect(md).toContain('▸ Orders Processed: —');
    expect(md).toContain('> L1 Order↔Payment: — (—)');
    expect(md).toContain('> Matched: —');
    expect(md).toContain('**Open CRITICAL anomalies:** none');
  });

  it('refuses a date without run or result, naming it', async () => {
    await expect(buildDailyReport(app.warehouse, { date: '2025-01-01' })).rejects.toThrow(
      /no pipeline run and no reconciliation result for business date 2025-01-01/,
    );
  });

  describe('with 40 more open CRITICAL anomalies', () => {
    const date = gen.dates[0]!;
    beforeAll(async () => {
      const long = 'Amount mismatch between order, payment and trade '.repeat(20);
      for (let i = 0; i < 40; i++) await insertCritical(app, date, i, `${9000 + i}.00`, long);
      await refreshReportingViews(app.warehouse);
    });

    it('stays within 4,096 bytes and says how many were left out', async () => {
      const report = await buildDailyReport(app.warehouse, {
        date,
        dashboardUrl: 'https://dash.example.com/d/x',
      });
      const md = report.wecomMarkdown!;
      const [{ n }] = (await app.warehouse.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies WHERE recon_date = CAST(:d AS DATE)
           AND severity = 'CRITICAL' AND status IN ('OPEN', 'INVESTIGATING')`,
        { d: date },
      )) as [{ n: string }];
      expect(Number(n)).toBeGreaterThanOrEqual(40);
      expect(utf8Bytes(md)).toBeLessThanOrEqual(4096);
      const shown = [...md.matchAll(/^\d\. /gm)].length;
      expect(shown).toBe(5);
      expect(md).toContain(`…and ${Number(n) - shown} more`);
      // The five largest are the inserted ones, largest first.
      expect([...md.matchAll(/^\d\. \*\*(\$[\d,.]+)\*\*/gm)].map((m) => m[1])).toEqual([
        '$9,039.00',
        '$9,038.00',
        '$9,037.00',
        '$9,036.00',
        '$9,035.00',
      ]);
    });

    it('cuts the list by bytes when the lines are long (multi-byte text) and counts the rest', async () => {
      const data = await loadDailyReportData(app.warehouse, date);
      data.openCritical.top = data.openCritical.top.map((a) => ({
        ...a,
        description: '对账金额不一致'.repeat(14),
      }));
      const { text, shown, leftOut } = renderDailyMarkdown(data, {
        maxBytes: utf8Bytes(renderDailyMarkdown(data, { maxBytes: 1e9 }).text) - 300,
      });
      expect(shown).toBeLessThan(5);
      expect(leftOut).toBe(data.openCritical.total - shown);
      expect(text).toContain(`…and ${data.openCritical.total - shown} more`);
      expect([...text.matchAll(/^\d\. /gm)]).toHaveLength(shown);
    });
  });

  describe('email', () => {
    const ses = mockClient(SESv2Client);
    beforeEach(() => ses.reset());

    it('has the figures in the HTML and the CSV files attached in the raw MIME sent through SES', async () => {
      const report = await buildDailyReport(app.warehouse, { date: day });
      const e = await expected(day);
      expect(report.email.subject).toBe(`Daily Revenue Reconciliation Report — ${day}`);
      expect(report.email.html).toContain(`${e.l1}%`);
      expect(report.email.html).toContain(e.matched);
      expect(report.email.html).toContain(e.unmatched);
      expect(report.email.html).toContain(e.atRisk);
      const summary = report.artifacts.find((a) => a.filename === `daily-${day}-summary.csv`)!;
      const csv = String(summary.content);
      expect(csv.split('\n')[0]).toBe('metric,value,previous_day,change');
      expect(csv).toContain(`l1_total,${e.orders},`);
      expect(csv).toContain(`l1_match_rate_pct,${e.l1},`);
      const anomalies = String(
        report.artifacts.find((a) => a.filename === `daily-${day}-anomalies.csv`)!.content,
      );
      expect(anomalies.trim().split('\n')).toHaveLength(e.anomalies + 1);

      ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
      const delivered = await deliverReport(report, {
        email: {
          client: new SESv2Client({ region: 'us-east-1' }),
          from: 'recon@example.com',
          to: ['a@example.com', 'b@example.com'],
        },
      });
      expect(delivered.email).toEqual({ messageId: 'msg-1', to: ['a@example.com', 'b@example.com'] });
      const calls = ses.commandCalls(SendEmailCommand);
      expect(calls).toHaveLength(1);
      const input = calls[0]!.args[0].input;
      expect(input.FromEmailAddress).toBe('recon@example.com');
      expect(input.Destination?.ToAddresses).toEqual(['a@example.com', 'b@example.com']);
      const raw = Buffer.from(input.Content!.Raw!.Data!).toString('utf8');
      expect(raw).toMatch(/^To: a@example\.com, b@example\.com$/m);
      expect(raw).toContain('Content-Type: text/html; charset=utf-8');
      expect(raw).toMatch(
        new RegExp(`Content-Disposition: attachment;\\s+filename=daily-${day}-summary\\.csv`),
      );
      // The attachment's base64 body decodes to the summary CSV.
      const part = raw.split(`filename=daily-${day}-summary.csv`)[1]!.split('----')[0]!;
      expect(Buffer.from(part.replace(/\s+/g, ''), 'base64').toString('utf8')).toBe(csv);
    });
  });
});
