/**
 * The dashboard in a real browser (headless Chromium through playwright-core): `recon demo` on a
 * few small days, then `recon dashboard`, loaded from disk. Every chart is drawn with data, the
 * page logs no error and fetches nothing, the workbench filters and sorts, a row click compares
 * the anomaly's source rows, and hostile strings stay text. Screenshots of each view are kept in
 * test-artifacts/dashboard/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Decimal } from 'decimal.js';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnomalyDetail,
  type AnomalyListItem,
  listAnomalies,
  showAnomaly,
} from '../packages/core/src/anomalies/queries.ts';
import { investigate } from '../packages/core/src/anomalies/workflow.ts';
import { openApp } from '../packages/core/src/app.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { serveDashboard } from '../packages/core/src/dashboard/server.ts';
import { io } from './support/cli-io.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts/dashboard');
const HOSTILE_DESCRIPTION = '</script><script>window.__xss = 1; alert(1)</script>';
const HOSTILE_ASSIGNEE = '<img src=x onerror="window.__xss = 2">';
const CHARTS = {
  executive: ['chart-match-rates', 'chart-anomaly-trend', 'chart-revenue-status'],
  operational: ['chart-sla', 'chart-phases', 'chart-dq', 'chart-staging-rows'],
  investigation: ['chart-open-by-type', 'chart-resolution'],
} as const;

/**
 * The little of the browser the page functions below touch: they run in Chromium, while this file
 * compiles with Node's types only (no DOM library), so they are declared here, for this module.
 */
interface PageElement {
  dataset: Record<string, string | undefined>;
  parentElement: PageElement | null;
  style: { background: string };
  width: number;
  height: number;
  querySelectorAll(selector: string): { length: number };
}
declare const window: unknown;
declare const document: { getElementById(id: string): PageElement | null; scripts: { length: number } };

interface Expected {
  open: AnomalyListItem[];
  clicked: AnomalyDetail;
  hostileId: string;
  latestRates: { date: string; l1: string; prevL1: string };
  /** mv_recon_shop_health: its shops, and its cells with a Level 1 rate by shop|date. */
  shops: string[];
  rates: Map<string, string>;
}

describe('the dashboard in headless Chromium', () => {
  const home = mkdtempSync(join(tmpdir(), 'recon-dash-browser-'));
  const demoHome = join(home, 'demo');
  const file = join(home, 'dashboard.html');
  let browser: Browser;
  let page: Page;
  let expected: Expected;
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `the browser test needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium); it is not there`,
      );
    }
    const demo = io({ RECON_HOME: home });
    const code = await main(
      ['demo', '--days', '3', '--orders-per-day', '300', '--start', '2026-03-02', '--seed', '5'],
      demo,
    );
    expect(code, demo.stderr()).toBe(EXIT.OK);
    expect(demo.stdout()).toContain(`Dashboard: ${join(demoHome, 'dashboard.html')}\n`);
    expect(existsSync(join(demoHome, 'dashboard.html'))).toBe(true);

    // Someone investigates the oldest CRITICAL anomaly; a hostile description and assignee arrive.
    const app = await openApp({ env: {}, home: demoHome, embeddedOnly: true });
    try {
      const before = await listAnomalies(app.warehouse);
      const target = before.find((a) => a.order_id !== null && a.anomaly_type === 'ANO-01')!;
      await investigate(app.warehouse, target.anomaly_id, { by: 'ben' });
      const hostile = before.find((a) => a.severity !== 'CRITICAL')!;
      await app.warehouse.execute(
        'UPDATE recon.dwd_recon_anomalies SET description = :d, assigned_to = :a WHERE anomaly_id = :id',
        { d: HOSTILE_DESCRIPTION, a: HOSTILE_ASSIGNEE, id: hostile.anomaly_id },
      );
      const open = await listAnomalies(app.warehouse);
      const rates = await app.warehouse.query<{ recon_date: string; l1_match_rate_pct: string }>(
        'SELECT recon_date, l1_match_rate_pct FROM recon.mv_recon_daily_summary ORDER BY recon_date DESC LIMIT 2',
      );
      const health = await app.warehouse.query<{
        shop_id: string;
        recon_date: string;
        l1_match_rate_pct: string | null;
      }>('SELECT shop_id, recon_date, l1_match_rate_pct FROM recon.mv_recon_shop_health');
      expected = {
        shops: [...new Set(health.map((h) => h.shop_id))],
        rates: new Map(
          health
            .filter((h) => h.l1_match_rate_pct !== null)
            .map((h) => [`${h.shop_id}|${h.recon_date}`, h.l1_match_rate_pct!]),
        ),
        open,
        clicked: await showAnomaly(app.warehouse, target.anomaly_id),
        hostileId: hostile.anomaly_id,
        latestRates: {
          date: rates[0]!.recon_date,
          l1: rates[0]!.l1_match_rate_pct,
          prevL1: rates[1]!.l1_match_rate_pct,
        },
      };
    } finally {
      await app.close();
    }
    const cli = io({ RECON_HOME: demoHome });
    expect(await main(['dashboard', '--out', file], cli)).toBe(EXIT.OK);
    expect(cli.stdout()).toBe(`${file}\n`);

    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Row ids of the workbench table, top to bottom. */
  const tableIds = () =>
    page.$$eval('#anomaly-table tbody tr', (rows) =>
      rows.map((r) => (r as unknown as PageElement).dataset['anomalyId']!),
    );

  it('draws every chart of every view with data', async () => {
    for (const [view, ids] of Object.entries(CHARTS)) {
      await page.click(`#tab-${view}`);
      expect(await page.isVisible(`#view-${view}`)).toBe(true);
      const charts = await page.evaluate((canvasIds) => {
        const w = window as unknown as {
          Chart: {
            getChart(c: PageElement): { data: { datasets: { data: unknown[] }[] } } | undefined;
          };
          reconCharts: Record<string, unknown>;
        };
        return canvasIds.map((id) => {
          const canvas = document.getElementById(id)!;
          const chart = w.Chart.getChart(canvas);
          const values = chart ? chart.data.datasets.flatMap((d) => d.data) : [];
          return {
            id,
            registered: w.reconCharts[id] === chart && chart !== undefined,
            datasets: chart?.data.datasets.length ?? 0,
            nonZero: values.filter((v) => typeof v === 'number' && v > 0).length,
            width: canvas.width,
            height: canvas.height,
          };
        });
      }, ids);
      for (const c of charts) {
        expect(c.registered, c.id).toBe(true);
        expect(c.datasets, c.id).toBeGreaterThan(0);
        expect(c.nonZero, c.id).toBeGreaterThan(0);
        expect(c.width * c.height, c.id).toBeGreaterThan(0);
      }
      await page.screenshot({ path: join(ARTIFACTS, `${view}.png`), fullPage: true });
    }
    const all = await page.evaluate(() =>
      Object.keys((window as unknown as { reconCharts: object }).reconCharts),
    );
    expect(all.sort()).toEqual(Object.values(CHARTS).flat().sort());
  });

  it("shows the latest date's match rate and its exact change, and the shop heatmap", async () => {
    await page.click('#tab-executive');
    expect(await page.inputValue('#exec-date')).toBe(expected.latestRates.date);
    const l1 = page.locator('[data-stat="l1Rate"]');
    expect(await l1.locator('.stat-value').textContent()).toBe(`${expected.latestRates.l1} %`);
    const delta = new Decimal(expected.latestRates.l1).minus(expected.latestRates.prevL1).toFixed(2);
    const deltaText = await l1.locator('.delta').textContent();
    expect(deltaText).toContain(delta.startsWith('-') ? `−${delta.slice(1)} pp` : `+${delta} pp`);
    // One row per shop of mv_recon_shop_health; each cell with a Level 1 rate coloured and carrying it.
    const shops = await page.$$eval('#shop-heatmap tbody tr', (rows) =>
      rows.map((r) => (r as unknown as PageElement).dataset['shop']!),
    );
    expect(shops.sort()).toEqual([...expected.shops].sort());
    const rated = await page.$$eval('#shop-heatmap td[data-rate]', (cells) =>
      cells.map((c) => [
        `${(c as unknown as PageElement).parentElement!.dataset['shop']}|${(c as unknown as PageElement).dataset['date']}`,
        (c as unknown as PageElement).dataset['rate'],
        (c as unknown as PageElement).style.background,
      ]),
    );
    expect(new Map(rated.map(([key, rate]) => [key, rate]))).toEqual(expected.rates);
    expect(expected.rates.size).toBeGreaterThan(30);
    for (const [, , background] of rated) expect(background).toMatch(/^rgb/);
  });

  it('filters the open anomalies by severity, type and status to exactly the expected rows', async () => {
    await page.click('#tab-investigation');
    expect(expected.open.length).toBeGreaterThan(20);
    expect(expected.open.length).toBeLessThanOrEqual(500);
    expect(await tableIds()).toEqual(expected.open.map((a) => a.anomaly_id));
    for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) {
      const want = expected.open.filter((a) => a.severity === severity).map((a) => a.anomaly_id);
      if (want.length === 0) continue;
      await page.selectOption('#f-severity', severity);
      expect(await tableIds(), severity).toEqual(want);
    }
    await page.selectOption('#f-severity', 'HIGH');
    const type = expected.open.find((a) => a.severity === 'HIGH')!.anomaly_type;
    await page.selectOption('#f-type', type);
    expect(await tableIds()).toEqual(
      expected.open.filter((a) => a.severity === 'HIGH' && a.anomaly_type === type).map((a) => a.anomaly_id),
    );
    await page.click('#f-reset');
    await page.selectOption('#f-status', 'INVESTIGATING');
    expect(await tableIds()).toEqual([expected.clicked.anomaly.anomaly_id]);
    expect(await page.textContent('#anomaly-count')).toContain('Showing 1 of');
    await page.click('#f-reset');
    expect(await tableIds()).toHaveLength(expected.open.length);
  });

  it('sorts by amount both ways, exactly, and by age', async () => {
    const amountOf = new Map(expected.open.map((a) => [a.anomaly_id, a.affected_amount]));
    const header = page.locator('#anomaly-table th[data-key="affected_amount"]');
    await header.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    const up = (await tableIds()).map((id) => amountOf.get(id)!);
    for (let i = 1; i < up.length; i++) expect(new Decimal(up[i - 1]!).lte(up[i]!)).toBe(true);
    expect(new Decimal(up[0]!).lt(up.at(-1)!)).toBe(true);
    await header.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const down = (await tableIds()).map((id) => amountOf.get(id)!);
    for (let i = 1; i < down.length; i++) expect(new Decimal(down[i - 1]!).gte(down[i]!)).toBe(true);
    const age = page.locator('#anomaly-table th[data-key="age_days"]');
    await age.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('none');
    const ageOf = new Map(expected.open.map((a) => [a.anomaly_id, Number(a.age_days)]));
    const ages = (await tableIds()).map((id) => ageOf.get(id)!);
    expect(ages).toEqual([...ages].sort((a, b) => a - b));
  });

  it('opens the source comparison of a clicked row with its order and amounts', async () => {
    const { anomaly, sources } = expected.clicked;
    await page.click(`#anomaly-table tbody tr[data-anomaly-id="${anomaly.anomaly_id}"]`);
    const panel = page.locator('#anomaly-detail');
    expect(await panel.isVisible()).toBe(true);
    expect(await panel.locator('code').first().textContent()).toBe(anomaly.anomaly_id);
    expect(await panel.locator('[data-fact="order"] dd').textContent()).toBe(anomaly.order_id);
    expect(await panel.locator('[data-fact="affected"] dd').textContent()).toBe(
      `$${anomaly.affected_amount}`,
    );
    expect(await panel.locator('[data-fact="status"] dd').textContent()).toBe(
      'INVESTIGATING (set by person)',
    );
    const order = panel.locator('article[data-source="order"]');
    expect(await order.locator('dd[data-field="order_id"]').textContent()).toBe(anomaly.order_id);
    expect(await order.locator('dd[data-field="pay_amount_usd"]').textContent()).toBe(
      sources['order']![0]!['pay_amount_usd'],
    );
    // Side by side: one card per source `recon anomalies show` lists, with its row count.
    const cards = await panel
      .locator('article.source')
      .evaluateAll((els) =>
        els.map((e) => [
          (e as unknown as PageElement).dataset['source'],
          (e as unknown as PageElement).querySelectorAll('dl').length,
        ]),
      );
    expect(cards).toEqual(Object.entries(sources).map(([name, rows]) => [name, rows.length]));
    expect(await panel.locator('article[data-source="payments"]').getAttribute('class')).toContain(
      sources['payments']!.length === 0 ? 'missing' : 'source',
    );
    const history = await panel.locator('table tbody tr').count();
    expect(history).toBe(expected.clicked.events.length);
    await page.screenshot({ path: join(ARTIFACTS, 'investigation-detail.png'), fullPage: true });
  });

  it('keeps hostile strings as text', async () => {
    await page.click('#f-reset');
    const row = page.locator(`#anomaly-table tbody tr[data-anomaly-id="${expected.hostileId}"]`);
    expect(await row.locator('td[data-key="description"]').textContent()).toBe(HOSTILE_DESCRIPTION);
    expect(await row.locator('td[data-key="assigned_to"]').textContent()).toBe(HOSTILE_ASSIGNEE);
    await row.click();
    expect(await page.locator('#anomaly-detail [data-fact="assignee"] dd').textContent()).toBe(
      HOSTILE_ASSIGNEE,
    );
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.evaluate(() => document.scripts.length)).toBe(3);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('logged no error or warning and fetched nothing but the file itself', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
  });

  it('served over HTTP, fetches nothing else and offers regeneration', async () => {
    let regenerated = 0;
    const original = readFileSync(file, 'utf8');
    const server = await serveDashboard({
      port: 0,
      initialHtml: original,
      regenerate: async () => {
        regenerated++;
        return original;
      },
    });
    const served = await browser.newPage();
    const seen: string[] = [];
    const errors: string[] = [];
    served.on('request', (r) => seen.push(r.url()));
    served.on('pageerror', (e) => errors.push(e.message));
    served.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      await served.goto(server.url);
      expect(await served.isVisible('#regenerate')).toBe(true);
      await Promise.all([served.waitForURL(server.url), served.click('#regenerate')]);
      expect(regenerated).toBe(1);
      expect(await served.isVisible('#chart-match-rates')).toBe(true);
      expect(seen).toEqual([server.url, `${server.url}refresh`, server.url]);
      expect(errors).toEqual([]);
    } finally {
      await served.close();
      await server.close();
    }
  });
});
