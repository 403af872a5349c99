/**
 * The dashboard's data against the reporting views on a small generated run (embedded sources,
 * PGlite, the pipeline definition), the HTML's self-containment and escaping, the server and the
 * `recon dashboard` command.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAnomalies, showAnomaly } from '../packages/core/src/anomalies/queries.ts';
import { falsePositive, investigate, resolve } from '../packages/core/src/anomalies/workflow.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { dashboardCommand } from '../packages/core/src/cli/dashboard.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import {
  type DashboardData,
  gatherDashboardData,
  RESOLUTION_BUCKETS,
  SLA_MINUTES,
} from '../packages/core/src/dashboard/data.ts';
import {
  DASHBOARD_CSP,
  DATA_ELEMENT_ID,
  embedJson,
  inlineScript,
  renderDashboardHtml,
} from '../packages/core/src/dashboard/html.ts';
import { serveDashboard } from '../packages/core/src/dashboard/server.ts';
import { UsageError } from '../packages/core/src/errors.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { addDays } from '../packages/core/src/time.ts';
import { asOfOf, io } from './support/cli-io.ts';

const HOSTILE = '</script><script>window.__xss = 1; alert(1)</script><!-- &amp; \u2028';

/** The embedded data of a rendered page, parsed back. */
function embeddedData(html: string): DashboardData {
  const open = `<script type="application/json" id="${DATA_ELEMENT_ID}">`;
  const start = html.indexOf(open) + open.length;
  const end = html.indexOf('</script>', start);
  return JSON.parse(html.slice(start, end)) as DashboardData;
}

const sumOf = (values: Iterable<string>) => {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(v);
  return total.toFixed(2);
};

describe('dashboard data on a generated run', () => {
  const gen = generate({ startDate: '2026-03-02', days: 3, ordersPerDay: 250, seed: 11 });
  const home = mkdtempSync(join(tmpdir(), 'recon-dash-'));
  let app: App;
  let data: DashboardData;
  let resolvedId: string;
  let falsePositiveId: string;
  let investigatingId: string;

  beforeAll(async () => {
    app = await openApp({ env: {}, home, embeddedOnly: true });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of gen.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf: asOfOf(chunk.batchEnd) });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${chunk.date}: ${outcome.status}`);
    }
    // People at work: one anomaly resolved, one a false positive, one under investigation.
    const open = await listAnomalies(app.warehouse);
    expect(open.length).toBeGreaterThan(10);
    resolvedId = open.at(-1)!.anomaly_id;
    falsePositiveId = open.at(-2)!.anomaly_id;
    investigatingId = open[0]!.anomaly_id;
    await resolve(app.warehouse, resolvedId, { by: 'ana', note: 'refunded at the counter' });
    await falsePositive(app.warehouse, falsePositiveId, { by: 'ana', note: 'test order' });
    await investigate(app.warehouse, investigatingId, { by: 'ben' });
    data = await gatherDashboardData(app.warehouse, { now: new Date('2026-03-06T12:00:00Z') });
  });
  afterAll(async () => app?.close());

  it('covers the 30 business dates ending at the latest result', () => {
    expect(data.generatedAt).toBe('2026-03-06T12:00:00.000Z');
    expect(data.window).toEqual({ from: addDays(gen.dates.at(-1)!, -29), to: gen.dates.at(-1)!, days: 30 });
    expect(data.executive.daily.map((d) => d.date)).toEqual(gen.dates);
  });

  it('shows recon.mv_recon_daily_summary exactly, day by day', async () => {
    const rows = await app.warehouse.query('SELECT * FROM recon.mv_recon_daily_summary ORDER BY recon_date');
    expect(rows).toHaveLength(3);
    for (const [i, r] of rows.entries()) {
      const d = data.executive.daily[i]!;
      expect(d.date).toBe(r['recon_date']);
      expect([d.l1Rate, d.l2Rate, d.l3Rate]).toEqual([
        r['l1_match_rate_pct'],
        r['l2_match_rate_pct'],
        r['l3_match_rate_pct'],
      ]);
      expect([d.matchedRevenue, d.unmatchedRevenue, d.atRiskRevenue, d.orderRevenue]).toEqual([
        r['l1_matched_amount'],
        r['l1_unmatched_amount'],
        r['at_risk_amount'],
        r['l1_order_amount'],
      ]);
      expect([d.l1Total, d.l1Matched, d.anomalies, d.openAnomalies, d.falsePositives]).toEqual(
        ['l1_total', 'l1_matched', 'anomaly_count', 'open_count', 'false_positive_count'].map((k) =>
          Number(r[k]),
        ),
      );
    }
  });

  it('gives each date its stat panels with exact changes since the date before', () => {
    const [first, second, third] = data.executive.stats;
    expect(first!.previousDate).toBeNull();
    expect(first!.panels.every((p) => p.delta === null)).toBe(true);
    expect(second!.previousDate).toBe(gen.dates[0]);
    expect(third!.previousDate).toBe(gen.dates[1]);
    const [d1, d2] = data.executive.daily.slice(1);
    const panel = (key: string) => third!.panels.find((p) => p.key === key)!;
    expect(third!.panels.map((p) => p.key)).toEqual([
      'l1Rate',
      'l2Rate',
      'l3Rate',
      'matchedRevenue',
      'unmatchedRevenue',
      'atRiskRevenue',
      'openAnomalies',
    ]);
    expect(panel('l1Rate').value).toBe(d2!.l1Rate);
    expect(panel('l1Rate').delta).toBe(new Decimal(d2!.l1Rate!).minus(d1!.l1Rate!).toFixed(2));
    expect(panel('l3Rate').delta).toBe(new Decimal(d2!.l3Rate!).minus(d1!.l3Rate!).toFixed(2));
    expect(panel('matchedRevenue').delta).toBe(
      new Decimal(d2!.matchedRevenue).minus(d1!.matchedRevenue).toFixed(2),
    );
    expect(panel('unmatchedRevenue').previous).toBe(d1!.unmatchedRevenue);
    expect(panel('atRiskRevenue').delta).toBe(
      new Decimal(d2!.atRiskRevenue).minus(d1!.atRiskRevenue).toFixed(2),
    );
    expect(panel('openAnomalies').delta).toBe(String(d2!.openAnomalies - d1!.openAnomalies));
  });

  it('takes the base of the first date in a shorter window from the date before the window', async () => {
    const two = await gatherDashboardData(app.warehouse, { days: 2, refresh: false });
    expect(two.window).toEqual({ from: gen.dates[1], to: gen.dates[2], days: 2 });
    expect(two.executive.daily.map((d) => d.date)).toEqual(gen.dates.slice(1));
    expect(two.executive.stats[0]!.previousDate).toBe(gen.dates[0]);
    expect(two.executive.stats[0]!.panels[0]!.delta).toBe(
      new Decimal(data.executive.daily[1]!.l1Rate!).minus(data.executive.daily[0]!.l1Rate!).toFixed(2),
    );
    const earlier = await gatherDashboardData(app.warehouse, {
      days: 1,
      endDate: gen.dates[0]!,
      refresh: false,
      maxAnomalies: 0,
    });
    expect(earlier.executive.daily.map((d) => d.date)).toEqual([gen.dates[0]]);
    expect(earlier.operational.runs.map((r) => r.reconDate)).toEqual([gen.dates[0]]);
  });

  it('counts anomalies by severity as mv_recon_anomaly_by_type does, agreeing with the daily summary', async () => {
    const rows = await app.warehouse.query<{ recon_date: string; severity: string; n: string }>(
      `SELECT recon_date, severity, SUM(anomaly_count) AS n FROM recon.mv_recon_anomaly_by_type
       GROUP BY recon_date, severity`,
    );
    for (const t of data.executive.anomalyTrend) {
      for (const [severity, n] of Object.entries(t.counts)) {
        const row = rows.find((r) => r.recon_date === t.date && r.severity === severity);
        expect(n, `${t.date} ${severity}`).toBe(Number(row?.n ?? 0));
      }
      const day = data.executive.daily.find((d) => d.date === t.date)!;
      expect([t.counts.CRITICAL, t.counts.HIGH, t.counts.MEDIUM, t.counts.LOW]).toEqual([
        day.critical,
        day.high,
        day.medium,
        day.low,
      ]);
    }
    expect(data.executive.anomalyTrend.map((t) => t.date)).toEqual(gen.dates);
  });

  it('splits Level 1 revenue by status into exactly the matched and unmatched revenue', () => {
    expect(data.executive.revenueStatuses[0]).toBe('MATCHED');
    expect(data.executive.revenueStatuses.length).toBeGreaterThan(1);
    for (const r of data.executive.revenueByStatus) {
      const day = data.executive.daily.find((d) => d.date === r.date)!;
      expect(r.amounts['MATCHED']).toBe(day.matchedRevenue);
      const others = Object.entries(r.amounts).filter(([s]) => s !== 'MATCHED');
      expect(sumOf(others.map(([, a]) => a))).toBe(day.unmatchedRevenue);
      expect(Object.values(r.orders).reduce((a, b) => a + b, 0)).toBe(day.l1Total);
    }
  });

  it('shows every shop × day of mv_recon_shop_health', async () => {
    const rows = await app.warehouse.query<Record<string, string | null>>(
      'SELECT shop_id, recon_date, l1_match_rate_pct, total_orders, l3_status FROM recon.mv_recon_shop_health',
    );
    expect(data.executive.shopHealth).toHaveLength(rows.length);
    expect(data.executive.shops).toEqual([...new Set(rows.map((r) => r.shop_id!))].sort());
    for (const r of rows) {
      const cell = data.executive.shopHealth.find((c) => c.shopId === r.shop_id && c.date === r.recon_date)!;
      expect([cell.l1Rate, String(cell.orders), cell.l3Status]).toEqual([
        r.l1_match_rate_pct,
        r.total_orders,
        r.l3_status,
      ]);
    }
  });

  it('totals the open anomalies as recon.v_recon_open_anomalies does', async () => {
    const [v] = await app.warehouse.query<{ n: string; amount: string; breached: string }>(
      `SELECT COUNT(*) AS n, SUM(affected_amount) AS amount,
              SUM(CASE WHEN sla_status = 'SLA_BREACHED' THEN 1 ELSE 0 END) AS breached
       FROM recon.v_recon_open_anomalies`,
    );
    expect(data.executive.openInAll).toBe(Number(v!.n));
    expect(data.executive.openAmountInAll).toBe(new Decimal(v!.amount).toFixed(2));
    expect(data.investigation.openTotal).toBe(Number(v!.n));
    expect(data.investigation.slaBreached).toBe(Number(v!.breached));
    const ch = await app.warehouse.query<{ amount: string }>(
      `SELECT SUM(affected_amount) AS amount FROM recon.v_recon_open_anomalies WHERE severity IN ('CRITICAL', 'HIGH')`,
    );
    expect(data.executive.atRiskCriticalHigh).toBe(new Decimal(ch[0]!.amount).toFixed(2));
    expect(data.investigation.byType.reduce((n, t) => n + t.count, 0)).toBe(Number(v!.n));
  });

  it('lists the runs of recon.v_recon_pipeline_runs with their durations, SLA and row counts', async () => {
    const view = await app.warehouse.query<Record<string, string>>(
      'SELECT pipeline_run_id, duration_seconds, pipeline_sla_status FROM recon.v_recon_pipeline_runs',
    );
    const metrics = await app.warehouse.query<Record<string, string>>(
      'SELECT pipeline_run_id, rows_extracted, rows_loaded FROM recon.dwd_recon_anomaly_metrics',
    );
    const { runs } = data.operational;
    expect(runs).toHaveLength(3);
    expect(data.operational.runsTotal).toBe(3);
    expect(runs.map((r) => r.reconDate)).toEqual([...gen.dates].reverse());
    for (const run of runs) {
      const v = view.find((x) => x.pipeline_run_id === run.runId)!;
      const m = metrics.find((x) => x.pipeline_run_id === run.runId)!;
      expect(run.durationSeconds).toBe(Number(v.duration_seconds));
      expect(run.slaStatus).toBe(v.pipeline_sla_status);
      expect(run.rowsExtracted).toBe(Number(m.rows_extracted));
      expect(run.rowsLoaded).toBe(Number(m.rows_loaded));
      expect(run.status).toBe('SUCCEEDED');
      expect(Object.keys(run.phases)).toEqual(expect.arrayContaining(['extract', 'load', 'match']));
    }
    expect(data.operational.slaMinutes).toEqual(SLA_MINUTES);
  });

  it('shows every data-quality result of the window and counts them per date', async () => {
    const rows = await app.warehouse.query<{ recon_date: string; status: string; n: string }>(
      'SELECT recon_date, status, COUNT(*) AS n FROM recon.dwd_recon_dq_results GROUP BY recon_date, status',
    );
    expect(data.operational.dq).toHaveLength(rows.reduce((n, r) => n + Number(r.n), 0));
    expect(data.operational.dqByDate.map((d) => d.date)).toEqual(gen.dates);
    for (const r of rows) {
      const day = data.operational.dqByDate.find((d) => d.date === r.recon_date)!;
      expect(day[r.status as 'PASS' | 'WARN' | 'FAIL']).toBe(Number(r.n));
    }
    expect(data.operational.dq[0]!.date).toBe(gen.dates.at(-1));
  });

  it('counts staging rows per source table and business date', async () => {
    expect(data.operational.stagingTables).toHaveLength(9);
    for (const table of ['stg_recon_orders', 'stg_recon_receipts', 'stg_recon_income_bills']) {
      const rows = await app.warehouse.query<{ biz_date: string; n: string }>(
        `SELECT biz_date, COUNT(*) AS n FROM recon.${table}
         WHERE biz_date BETWEEN CAST(:f AS DATE) AND CAST(:t AS DATE) GROUP BY biz_date ORDER BY biz_date`,
        { f: data.window!.from, t: data.window!.to },
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(
        data.operational.stagingRows.filter((r) => r.table === table).map((r) => [r.date, r.rows]),
      ).toEqual(rows.map((r) => [r.biz_date, Number(r.n)]));
    }
  });

  it('embeds the open anomalies in `recon anomalies list` order, each with what `show` puts side by side', async () => {
    const open = await listAnomalies(app.warehouse);
    expect(data.investigation.anomalies.map((a) => a.anomaly_id)).toEqual(open.map((a) => a.anomaly_id));
    expect(data.investigation.anomalies.map((a) => a.anomaly_id)).not.toContain(resolvedId);
    expect(data.investigation.anomalies.find((a) => a.anomaly_id === investigatingId)?.status).toBe(
      'INVESTIGATING',
    );
    expect(Object.keys(data.investigation.evidence).sort()).toEqual(open.map((a) => a.anomaly_id).sort());
    for (const a of open) {
      const shown = await showAnomaly(app.warehouse, a.anomaly_id);
      const evidence = data.investigation.evidence[a.anomaly_id]!;
      expect(evidence.entity).toBe(shown.entity);
      expect(evidence.sources).toEqual(shown.sources);
      expect(evidence.events).toEqual(shown.events);
    }
    const order = data.investigation.anomalies.find((a) => a.order_id !== null)!;
    expect(Object.keys(data.investigation.evidence[order.anomaly_id]!.sources)).toEqual(
      expect.arrayContaining(['order', 'payments', 'trades', 'receipts']),
    );
  });

  it('bounds the embedded anomalies and still counts them all', async () => {
    const bounded = await gatherDashboardData(app.warehouse, { maxAnomalies: 5, refresh: false });
    expect(bounded.investigation.limit).toBe(5);
    expect(bounded.investigation.anomalies.map((a) => a.anomaly_id)).toEqual(
      data.investigation.anomalies.slice(0, 5).map((a) => a.anomaly_id),
    );
    expect(Object.keys(bounded.investigation.evidence)).toHaveLength(5);
    expect(bounded.investigation.openTotal).toBe(data.investigation.openTotal);
  });

  it('measures false positives and time to close over the window', async () => {
    const [closed] = await app.warehouse.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies
       WHERE status IN ('RESOLVED', 'FALSE_POSITIVE', 'AUTO_RESOLVED')`,
    );
    const { resolution } = data.investigation;
    expect(data.investigation.resolutionBuckets).toEqual([...RESOLUTION_BUCKETS]);
    const total = [...resolution.RESOLVED, ...resolution.FALSE_POSITIVE, ...resolution.AUTO_RESOLVED];
    expect(total.reduce((a, b) => a + b, 0)).toBe(Number(closed!.n));
    expect(resolution.RESOLVED.reduce((a, b) => a + b, 0)).toBe(1);
    expect(resolution.FALSE_POSITIVE.reduce((a, b) => a + b, 0)).toBe(1);
    const anomalies = data.executive.daily.reduce((n, d) => n + d.anomalies, 0);
    expect(data.investigation.falsePositiveRatePct).toBe(new Decimal(100).div(anomalies).toFixed(1));
  });

  it('refuses out-of-range options', async () => {
    await expect(gatherDashboardData(app.warehouse, { days: 0 })).rejects.toThrow(UsageError);
    await expect(gatherDashboardData(app.warehouse, { days: 367 })).rejects.toThrow(/1 to 366/);
    await expect(gatherDashboardData(app.warehouse, { endDate: '2026-02-30' })).rejects.toThrow(
      /invalid end date/,
    );
    await expect(gatherDashboardData(app.warehouse, { maxAnomalies: -1 })).rejects.toThrow(UsageError);
  });

  it('renders one self-contained page whose data survives hostile strings intact', async () => {
    const target = data.investigation.anomalies[1]!.anomaly_id;
    await app.warehouse.execute(
      'UPDATE recon.dwd_recon_anomalies SET description = :d, assigned_to = :a WHERE anomaly_id = :id',
      { d: HOSTILE, a: '<img src=x onerror="window.__xss = 2">', id: target },
    );
    const hostile = await gatherDashboardData(app.warehouse, { refresh: false });
    const html = renderDashboardHtml(hostile);
    // Exactly the page's three script elements: data, Chart.js, the page script.
    expect(html.match(/<script\b/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<!--/);
    const back = embeddedData(html);
    expect(back).toEqual(JSON.parse(JSON.stringify(hostile)));
    const a = back.investigation.anomalies.find((x) => x.anomaly_id === target)!;
    expect(a.description).toBe(HOSTILE);
    expect(a.assigned_to).toBe('<img src=x onerror="window.__xss = 2">');
    // Nothing is fetched: no external scripts, styles or images, and a policy forbidding them.
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*stylesheet/i);
    expect(html).not.toMatch(/\ssrc=["']?https?:/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">`);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(html).toContain('Chart.js v4');
    expect(html).not.toContain('sourceMappingURL');
  });

  it('serves the page on 127.0.0.1 and regenerates it on /refresh', async () => {
    let generated = 0;
    const server = await serveDashboard({
      port: 0,
      initialHtml: '<!doctype html><title>first</title>',
      regenerate: async () => {
        generated++;
        const next = await gatherDashboardData(app.warehouse, { refresh: false, maxAnomalies: 1 });
        return renderDashboardHtml(next);
      },
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const first = await fetch(server.url);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(first.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(await first.text()).toContain('<title>first</title>');
      const refreshed = await fetch(`${server.url}refresh`, { redirect: 'manual' });
      expect(refreshed.status).toBe(303);
      expect(refreshed.headers.get('location')).toBe('/');
      expect(generated).toBe(1);
      const page = await (await fetch(`${server.url}dashboard.html`)).text();
      expect(embeddedData(page).investigation.anomalies).toHaveLength(1);
      expect((await fetch(`${server.url}nope`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('recon dashboard: writes the file, prints its path, and serves it until stopped', async () => {
    const out = join(home, 'out', 'dash.html');
    const x = io();
    expect(await dashboardCommand(app, x, { out, days: 30, maxAnomalies: 3, port: 0 })).toBe(EXIT.OK);
    expect(x.stdout()).toBe(`${out}\n`);
    expect(x.stderr()).toMatch(
      new RegExp(`Dashboard of business dates ${data.window!.from} – ${data.window!.to}: 3 day\\(s\\)`),
    );
    expect(x.stderr()).toMatch(/the 3 most severe embedded with their source rows/);
    expect(embeddedData(readFileSync(out, 'utf8')).investigation.anomalies).toHaveLength(3);

    const stop = new AbortController();
    const s = { ...io(), stop: stop.signal };
    const serving = dashboardCommand(app, s, { out, days: 30, maxAnomalies: 3, port: 0, serve: true });
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      url = /Serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(s.stdout())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toBeDefined();
    expect(await (await fetch(url!)).text()).toBe(readFileSync(out, 'utf8'));
    expect((await fetch(`${url!}refresh`, { redirect: 'manual' })).status).toBe(303);
    expect(s.stderr()).toMatch(/regenerated: Dashboard of/);
    stop.abort();
    expect(await serving).toBe(EXIT.OK);
    await expect(fetch(url!)).rejects.toThrow();
  });
});

describe('dashboard of an empty warehouse', () => {
  it('renders with no window and nothing to show', async () => {
    const app = await openApp({
      env: {},
      home: mkdtempSync(join(tmpdir(), 'recon-dash0-')),
      embeddedOnly: true,
    });
    try {
      const data = await gatherDashboardData(app.warehouse);
      expect(data.window).toBeNull();
      expect(data.executive.daily).toEqual([]);
      expect(data.operational.runs).toEqual([]);
      expect(data.investigation.openTotal).toBe(0);
      expect(data.investigation.avgAgeDays).toBeNull();
      expect(data.investigation.falsePositiveRatePct).toBeNull();
      expect(embeddedData(renderDashboardHtml(data))).toEqual(JSON.parse(JSON.stringify(data)));
    } finally {
      await app.close();
    }
  });
});

describe('embedding in a script element', () => {
  it('escapes what could end the element or start a comment, and parses back exactly', () => {
    const value = { s: '</script><!-- a & b > c \u2028\u2029', n: null, m: '12.50' };
    const text = embedJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('inlines scripts safely or refuses them', () => {
    expect(inlineScript('var a = "</script>";\n//# sourceMappingURL=x.js.map\n', 'a.js')).toBe(
      'var a = "<\\/script>";\n',
    );
    expect(inlineScript('x = "</SCRIPT >"', 'b.js')).toBe('x = "<\\/SCRIPT >"');
    expect(() => inlineScript('x = "<!--"', 'c.js')).toThrow(/c\.js contains "<!--"/);
  });

  it('recon dashboard refuses bad options before opening anything', async () => {
    const a = io({ RECON_HOME: join(tmpdir(), 'recon-dash-never') });
    expect(await main(['dashboard', '--days', '0'], a)).toBe(EXIT.USAGE);
    expect(a.stderr()).toMatch(/--days must be a whole number from 1 to 366/);
    const b = io({ RECON_HOME: join(tmpdir(), 'recon-dash-never') });
    expect(await main(['dashboard', '--port', '70000'], b)).toBe(EXIT.USAGE);
    expect(b.stderr()).toMatch(/--port must be a whole number from 0 to 65535/);
  });
});
