/**
 * The dashboard as ONE self-contained HTML file: Chart.js, the styles, the browser script and the
 * data are all inline, so the file opens from disk, travels as an attachment and makes no network
 * request (its Content-Security-Policy forbids any). The data rides in a
 * `<script type="application/json">` element; {@link embedJson} escapes it so that no string from
 * the warehouse can close that element or open another.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardData } from './data.ts';

/** Id of the element holding the embedded data (read by client.js). */
export const DATA_ELEMENT_ID = 'recon-dashboard-data';

/**
 * JSON safe to place inside a `<script>` element: `<`, `>` and `&` become `\u003c`, `\u003e`,
 * `\u0026` (so neither `</script>` nor `<!--` can appear), and U+2028/U+2029 are escaped too.
 * JSON.parse gives back exactly the original value.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/**
 * JavaScript source made safe to inline in a `<script>` element: its source-map comment dropped
 * (the map is not shipped, and a browser with devtools open would try to fetch it) and any
 * `</script` written as `<\/script` (the same text inside a string or regular expression).
 * @throws Error when the source holds `<!--`, which would switch the HTML parser into a script
 *   escape state; no rewrite of it is safe in every JavaScript context.
 */
export function inlineScript(source: string, name: string): string {
  const text = source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/<\/(script)/gi, '<\\/$1');
  if (text.includes('<!--'))
    throw new Error(`${name} contains "<!--" and cannot be inlined in a script element`);
  return text;
}

const here = dirname(fileURLToPath(import.meta.url));
let assets: { chart: string; client: string; styles: string } | undefined;

/** Chart.js (its UMD build, which defines `window.Chart`), the browser script and the styles. */
function loadAssets(): { chart: string; client: string; styles: string } {
  if (!assets) {
    // chart.js exports only its module entry points; the UMD build sits next to them in dist/.
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const chart = readFileSync(join(dirname(entry), 'chart.umd.js'), 'utf8');
    assets = {
      chart: inlineScript(chart, 'chart.js/dist/chart.umd.js'),
      client: inlineScript(readFileSync(join(here, 'client.js'), 'utf8'), 'client.js'),
      styles: readFileSync(join(here, 'styles.css'), 'utf8'),
    };
    if (/<\/style/i.test(assets.styles)) throw new Error('styles.css cannot contain </style');
  }
  return assets;
}

const CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The Content-Security-Policy of the page (also sent as a header when served). */
export const DASHBOARD_CSP = CSP;

/**
 * The dashboard page for `data`. The markup is fixed; every value is read by the browser script
 * from the embedded JSON and written with textContent, so nothing from the warehouse is ever
 * parsed as HTML.
 */
export function renderDashboardHtml(data: DashboardData): string {
  const { chart, client, styles } = loadAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>Revenue Reconciliation — dashboard</title>
<link rel="icon" href="data:,">
<style>
${styles}
</style>
</head>
<body>
<header class="top">
  <div>
    <h1>Revenue Reconciliation</h1>
    <p id="subtitle" class="muted"></p>
  </div>
  <div class="top-right">
    <span id="generated" class="muted"></span>
    <a id="regenerate" href="/refresh" hidden>Regenerate</a>
  </div>
</header>
<nav class="tabs" role="tablist" aria-label="Dashboard views">
  <button type="button" role="tab" id="tab-executive" data-view="executive" aria-controls="view-executive">Executive</button>
  <button type="button" role="tab" id="tab-operational" data-view="operational" aria-controls="view-operational">Operational</button>
  <button type="button" role="tab" id="tab-investigation" data-view="investigation" aria-controls="view-investigation">Investigation</button>
</nav>
<p id="empty-note" class="notice" hidden>The warehouse has no reconciliation results and no recorded runs yet: run <code>recon run --date D</code> (or <code>recon demo</code>) and regenerate.</p>
<main>
<section id="view-executive" role="tabpanel" aria-labelledby="tab-executive" hidden>
  <div class="toolbar">
    <label>Business date <select id="exec-date"></select></label>
    <span id="exec-base" class="muted"></span>
  </div>
  <div class="stats" id="exec-stats"></div>
  <p id="exec-open-note" class="muted"></p>
  <div class="grid">
    <figure class="panel"><figcaption>Match rate per level (%)</figcaption><div class="chart"><canvas id="chart-match-rates"></canvas></div></figure>
    <figure class="panel"><figcaption>Anomalies per business date by severity</figcaption><div class="chart"><canvas id="chart-anomaly-trend"></canvas></div></figure>
    <figure class="panel"><figcaption>Level 1 order revenue by match status (USD)</figcaption><div class="chart"><canvas id="chart-revenue-status"></canvas></div></figure>
    <figure class="panel"><figcaption>Shop health: Level 1 match rate per shop and business date (%)</figcaption>
      <div class="heatmap-wrap"><table id="shop-heatmap" class="heatmap"></table></div>
      <div id="heatmap-legend" class="legend"></div>
    </figure>
  </div>
</section>
<section id="view-operational" role="tabpanel" aria-labelledby="tab-operational" hidden>
  <div class="stats" id="ops-stats"></div>
  <div class="grid">
    <figure class="panel"><figcaption>Run duration against the SLA (minutes) <label class="inline"><input type="checkbox" id="sla-log"> log scale</label></figcaption><div class="chart"><canvas id="chart-sla"></canvas></div></figure>
    <figure class="panel"><figcaption>Phase durations of the latest runs (seconds)</figcaption><div class="chart"><canvas id="chart-phases"></canvas></div></figure>
    <figure class="panel"><figcaption>Data-quality results per business date</figcaption><div class="chart"><canvas id="chart-dq"></canvas></div></figure>
    <figure class="panel"><figcaption>Staging rows per source table and business date</figcaption><div class="chart"><canvas id="chart-staging-rows"></canvas></div></figure>
  </div>
  <h2>Run history</h2>
  <p id="runs-note" class="muted"></p>
  <div class="table-wrap"><table id="runs-table" class="data"></table></div>
  <h2>Data-quality results</h2>
  <div class="toolbar">
    <label>Status <select id="dq-status"><option value="">All</option><option>FAIL</option><option>WARN</option><option>PASS</option></select></label>
    <label>Business date <select id="dq-date"><option value="">All</option></select></label>
    <span id="dq-count" class="muted"></span>
  </div>
  <div class="table-wrap"><table id="dq-table" class="data"></table></div>
  <h2>Rows per source table</h2>
  <p class="muted">Rows in each warehouse staging table per business date (what the runs loaded, latest version of each row).</p>
  <div class="table-wrap"><table id="staging-table" class="data"></table></div>
</section>
<section id="view-investigation" role="tabpanel" aria-labelledby="tab-investigation" hidden>
  <div class="stats" id="inv-stats"></div>
  <div class="grid">
    <figure class="panel"><figcaption>Open anomalies by type</figcaption><div class="chart"><canvas id="chart-open-by-type"></canvas></div></figure>
    <figure class="panel"><figcaption>Time to close, anomalies of the window (detection → last change)</figcaption><div class="chart"><canvas id="chart-resolution"></canvas></div></figure>
  </div>
  <h2>Open anomalies</h2>
  <div class="toolbar filters">
    <label>Severity <select id="f-severity"><option value="">All</option></select></label>
    <label>Type <select id="f-type"><option value="">All</option></select></label>
    <label>Status <select id="f-status"><option value="">All</option></select></label>
    <label>Shop <select id="f-shop"><option value="">All</option></select></label>
    <label>SLA <select id="f-sla"><option value="">All</option></select></label>
    <button type="button" id="f-reset">Clear filters</button>
  </div>
  <p id="anomaly-count" class="muted"></p>
  <p id="anomaly-bound" class="notice" hidden></p>
  <div class="table-wrap tall"><table id="anomaly-table" class="data sortable"></table></div>
  <section id="anomaly-detail" class="detail" aria-live="polite" hidden></section>
</section>
</main>
<script type="application/json" id="${DATA_ELEMENT_ID}">${embedJson(data)}</script>
<script>
${chart}
</script>
<script>
${client}
</script>
</body>
</html>
`;
}
