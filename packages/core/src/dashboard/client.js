/* global window, document, location, Node, getComputedStyle, Chart */
/**
 * The dashboard in the browser: reads the data embedded by html.ts, draws the charts with
 * Chart.js, fills the tables and runs the workbench (filters, sorting, source comparison).
 * Every value from the warehouse is written with textContent or as an attribute value, never
 * parsed as HTML. Amounts arrive as exact decimal strings and are shown and sorted as strings;
 * only the charts plot them as numbers. Every chart is kept in `window.reconCharts` by canvas id.
 */
(function () {
  'use strict';

  const data = JSON.parse(document.getElementById('recon-dashboard-data').textContent);
  const charts = {};
  window.reconCharts = charts;

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
  const SEVERITY_RANK = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
  const COLORS = {
    CRITICAL: '#b91c1c',
    HIGH: '#ea580c',
    MEDIUM: '#ca8a04',
    LOW: '#2563eb',
    L1: '#2563eb',
    L2: '#16a34a',
    L3: '#9333ea',
    PASS: '#16a34a',
    WARN: '#d97706',
    FAIL: '#b91c1c',
  };
  const PALETTE = [
    '#2563eb',
    '#dc2626',
    '#d97706',
    '#7c3aed',
    '#0891b2',
    '#db2777',
    '#65a30d',
    '#475569',
    '#ea580c',
    '#0d9488',
  ];

  // ---- small helpers ------------------------------------------------------------------------

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key === 'style') Object.assign(node.style, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const byId = (id) => document.getElementById(id);
  const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  /** '-1234.5' → '−$1,234.5' (the string's own digits, no rounding). */
  function usd(value) {
    if (value === null || value === undefined) return '—';
    const text = String(value);
    const negative = text.startsWith('-');
    const [whole, fraction] = (negative ? text.slice(1) : text).split('.');
    return `${negative ? '−' : ''}$${group(whole)}${fraction === undefined ? '' : `.${fraction}`}`;
  }
  const pct = (value) => (value === null || value === undefined ? '—' : `${value} %`);
  const int = (value) => (value === null || value === undefined ? '—' : group(String(value)));
  const text = (value) => (value === null || value === undefined || value === '' ? '—' : String(value));
  const isZero = (value) => /^-?0*(\.0*)?$/.test(value);

  function formatValue(value, unit) {
    if (unit === 'pct') return pct(value);
    if (unit === 'usd') return usd(value);
    return int(value);
  }

  /** An exact delta with its sign: '+0.40 pp', '−$12.00', '+3'. */
  function signedDelta(delta, unit) {
    if (isZero(delta)) return unit === 'pct' ? '±0.00 pp' : unit === 'usd' ? '±$0.00' : '±0';
    const negative = delta.startsWith('-');
    const magnitude = negative ? delta.slice(1) : delta;
    const sign = negative ? '−' : '+';
    if (unit === 'pct') return `${sign}${magnitude} pp`;
    if (unit === 'usd') return `${sign}${usd(magnitude)}`;
    return `${sign}${group(magnitude)}`;
  }

  /** Compare two decimal strings exactly (integers included); null sorts first. */
  function compareDecimal(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    const negA = String(a).startsWith('-');
    const negB = String(b).startsWith('-');
    if (negA !== negB) return negA ? -1 : 1;
    const magnitude = compareMagnitude(
      negA ? String(a).slice(1) : String(a),
      negB ? String(b).slice(1) : String(b),
    );
    return negA ? -magnitude : magnitude;
  }

  function compareMagnitude(a, b) {
    const [wholeA, fracA = ''] = a.split('.');
    const [wholeB, fracB = ''] = b.split('.');
    const intA = wholeA.replace(/^0+(?=\d)/, '');
    const intB = wholeB.replace(/^0+(?=\d)/, '');
    if (intA.length !== intB.length) return intA.length - intB.length;
    if (intA !== intB) return intA < intB ? -1 : 1;
    const width = Math.max(fracA.length, fracB.length);
    const fa = fracA.padEnd(width, '0');
    const fb = fracB.padEnd(width, '0');
    return fa === fb ? 0 : fa < fb ? -1 : 1;
  }

  const compareText = (a, b) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : String(a).localeCompare(String(b));

  /** A Chart.js chart on canvas `id`, remembered in window.reconCharts; notes when it has no data. */
  function makeChart(id, config) {
    const canvas = byId(id);
    const chart = new Chart(canvas, config);
    charts[id] = chart;
    const points = config.data.datasets.reduce(
      (n, ds) => n + ds.data.filter((v) => v !== null && v !== undefined && v !== 0).length,
      0,
    );
    if (points === 0) {
      canvas.parentElement.after(
        el('p', { class: 'chart-empty', text: 'Nothing to show for this window yet.' }),
      );
    }
    return chart;
  }

  function statCard(label, value, sub, extraClass, attrs) {
    return el(
      'div',
      Object.assign({ class: `stat ${extraClass || ''}`.trim() }, attrs || {}),
      el('div', { class: 'stat-label', text: label }),
      el('div', { class: 'stat-value', text: value }),
      sub,
    );
  }

  function table(target, columns, rows) {
    const head = el(
      'tr',
      null,
      ...columns.map((c) => el('th', { class: c.num ? 'num' : null, scope: 'col', text: c.label })),
    );
    const body = rows.map((row) =>
      el(
        'tr',
        null,
        ...columns.map((c) => {
          const cell = c.cell(row);
          const node = el('td', {
            class: [c.num ? 'num' : '', c.cls ? c.cls(row) : ''].join(' ').trim() || null,
          });
          if (cell instanceof Node) node.append(cell);
          else node.textContent = text(cell);
          if (c.title) node.title = c.title(row) || '';
          return node;
        }),
      ),
    );
    target.replaceChildren(el('thead', null, head), el('tbody', null, ...body));
  }

  // ---- header and tabs ----------------------------------------------------------------------

  const win = data.window;
  const withResults = data.executive.daily.length;
  byId('subtitle').textContent = win
    ? `Business dates ${win.from} – ${win.to} (${win.days}-day window, ${withResults} date${withResults === 1 ? '' : 's'} with results)`
    : 'No business dates yet';
  byId('generated').textContent = `Generated ${data.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
  if (location.protocol === 'http:' || location.protocol === 'https:') byId('regenerate').hidden = false;
  if (!win) byId('empty-note').hidden = false;

  const VIEWS = ['executive', 'operational', 'investigation'];
  const started = new Set();
  const starters = {
    executive: startExecutive,
    operational: startOperational,
    investigation: startInvestigation,
  };

  function show(view) {
    for (const v of VIEWS) {
      byId(`view-${v}`).hidden = v !== view;
      const tab = byId(`tab-${v}`);
      tab.setAttribute('aria-selected', String(v === view));
      tab.tabIndex = v === view ? 0 : -1;
    }
    // Charts are drawn when their view is first shown, so they size to a visible container.
    if (!started.has(view)) {
      started.add(view);
      starters[view]();
    }
  }

  for (const v of VIEWS) byId(`tab-${v}`).addEventListener('click', () => show(v));

  // ---- executive ----------------------------------------------------------------------------

  function startExecutive() {
    const ex = data.executive;
    const dates = ex.daily.map((d) => d.date);
    const select = byId('exec-date');
    for (const s of [...ex.stats].reverse()) select.append(el('option', { value: s.date, text: s.date }));
    const renderStats = () => {
      const day = ex.stats.find((s) => s.date === select.value);
      if (!day) {
        byId('exec-stats').replaceChildren(
          el('p', { class: 'muted', text: 'No business date with results.' }),
        );
        return;
      }
      byId('exec-base').textContent = day.previousDate
        ? `changes since ${day.previousDate}`
        : 'no earlier business date to compare with';
      byId('exec-stats').replaceChildren(
        ...day.panels.map((p) => {
          let delta;
          if (p.delta === null) delta = el('div', { class: 'delta none', text: 'no previous day' });
          else {
            const flat = isZero(p.delta);
            const up = !p.delta.startsWith('-');
            const tone = flat ? 'flat' : up === p.higherIsBetter ? 'good' : 'bad';
            delta = el('div', {
              class: `delta ${tone}`,
              text: `${flat ? '■' : up ? '▲' : '▼'} ${signedDelta(p.delta, p.unit)}`,
            });
          }
          return statCard(p.label, formatValue(p.value, p.unit), delta, null, { 'data-stat': p.key });
        }),
      );
    };
    select.addEventListener('change', renderStats);
    renderStats();
    byId('exec-open-note').textContent =
      `Across every business date: ${int(ex.openInAll)} open anomalies affecting ${usd(ex.openAmountInAll)}, ` +
      `${usd(ex.atRiskCriticalHigh)} of it CRITICAL or HIGH. At-risk revenue of a date is what its open anomalies affect.`;

    const rate = (v) => (v === null ? null : Number(v));
    makeChart('chart-match-rates', {
      type: 'line',
      data: {
        labels: dates,
        datasets: [
          {
            label: 'L1 order ↔ payment',
            data: ex.daily.map((d) => rate(d.l1Rate)),
            borderColor: COLORS.L1,
            backgroundColor: COLORS.L1,
          },
          {
            label: 'L2 order ↔ receipt',
            data: ex.daily.map((d) => rate(d.l2Rate)),
            borderColor: COLORS.L2,
            backgroundColor: COLORS.L2,
          },
          {
            label: 'L3 receipt ↔ income',
            data: ex.daily.map((d) => rate(d.l3Rate)),
            borderColor: COLORS.L3,
            backgroundColor: COLORS.L3,
          },
        ],
      },
      options: {
        spanGaps: true,
        scales: { y: { suggestedMax: 100, title: { display: true, text: '%' } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx) =>
                `${ctx.dataset.label}: ${pct(ex.daily[ctx.dataIndex][['l1Rate', 'l2Rate', 'l3Rate'][ctx.datasetIndex]])}`,
            },
          },
        },
      },
    });

    const trend = new Map(ex.anomalyTrend.map((t) => [t.date, t.counts]));
    const trendDates = [...new Set([...dates, ...trend.keys()])].sort();
    makeChart('chart-anomaly-trend', {
      type: 'bar',
      data: {
        labels: trendDates,
        datasets: SEVERITIES.map((s) => ({
          label: s,
          data: trendDates.map((d) => (trend.get(d) ? trend.get(d)[s] : 0)),
          backgroundColor: COLORS[s],
        })),
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'anomalies' } },
        },
      },
    });

    const revenue = new Map(ex.revenueByStatus.map((r) => [r.date, r]));
    const revenueDates = ex.revenueByStatus.map((r) => r.date);
    makeChart('chart-revenue-status', {
      type: 'bar',
      data: {
        labels: revenueDates,
        datasets: ex.revenueStatuses.map((status, i) => ({
          label: status,
          data: revenueDates.map((d) => {
            const amount = revenue.get(d).amounts[status];
            return amount === undefined ? 0 : Number(amount);
          }),
          backgroundColor: status === 'MATCHED' ? '#16a34a' : PALETTE[(i + 1) % PALETTE.length],
        })),
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'USD' } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const day = revenue.get(revenueDates[ctx.dataIndex]);
                const status = ex.revenueStatuses[ctx.datasetIndex];
                return `${status}: ${usd(day.amounts[status] || '0.00')} (${int(day.orders[status] || 0)} orders)`;
              },
            },
          },
        },
      },
    });

    drawHeatmap(ex);
  }

  /** Green at 100 %, through amber, to red at 80 % and below. */
  function heatColor(rate) {
    const t = Math.max(0, Math.min(1, (rate - 80) / 20));
    return `hsl(${Math.round(t * 120)}, 70%, ${Math.round(80 - t * 8)}%)`;
  }

  function drawHeatmap(ex) {
    const cells = new Map(ex.shopHealth.map((c) => [`${c.shopId}|${c.date}`, c]));
    const dates = [...new Set(ex.shopHealth.map((c) => c.date))].sort();
    const head = el(
      'tr',
      null,
      el('th', { scope: 'col', text: 'Shop' }),
      ...dates.map((d) => el('th', { scope: 'col', title: d, text: d.slice(5) })),
    );
    const rows = ex.shops.map((shop) =>
      el(
        'tr',
        { 'data-shop': shop },
        el('th', { scope: 'row', text: shop }),
        ...dates.map((date) => {
          const c = cells.get(`${shop}|${date}`);
          if (!c || c.l1Rate === null) {
            return el('td', {
              class: 'none',
              'data-date': date,
              title: `shop ${shop} on ${date}: no Level 1 orders`,
              text: '·',
            });
          }
          return el('td', {
            'data-date': date,
            'data-rate': c.l1Rate,
            style: { background: heatColor(Number(c.l1Rate)) },
            title:
              `shop ${shop} on ${date}: L1 ${pct(c.l1Rate)} (${int(c.l1Matched)} of ${int(c.orders)} orders matched, ${usd(c.orderRevenue)}); ` +
              `L3 ${text(c.l3Status)}${c.l3Variance === null ? '' : ` (variance ${usd(c.l3Variance)})`}; ${int(c.openAnomalies)} open anomalies`,
            text: c.l1Rate,
          });
        }),
      ),
    );
    byId('shop-heatmap').replaceChildren(el('thead', null, head), el('tbody', null, ...rows));
    const stops = [80, 85, 90, 95, 100].map((r) => `${heatColor(r)} ${((r - 80) / 20) * 100}%`).join(', ');
    byId('heatmap-legend').replaceChildren(
      el('span', { text: '≤ 80 %' }),
      el('span', { class: 'scale', style: { background: `linear-gradient(to right, ${stops})` } }),
      el('span', { text: '100 %' }),
      el('span', { text: '· no orders' }),
    );
  }

  // ---- operational --------------------------------------------------------------------------

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return 'running';
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m > 0 ? `${m} min ${s} s` : `${s} s`;
  }

  function startOperational() {
    const op = data.operational;
    const latest = op.runs[0];
    const lastDqDate = op.dqByDate.length ? op.dqByDate[op.dqByDate.length - 1] : null;
    const dqTotal = lastDqDate ? lastDqDate.PASS + lastDqDate.WARN + lastDqDate.FAIL : 0;
    byId('ops-stats').replaceChildren(
      statCard(
        'Latest run',
        latest ? latest.status : '—',
        el('div', {
          class: 'stat-sub',
          text: latest ? `${latest.reconDate} · ${latest.runId}` : 'no runs recorded',
        }),
        latest ? `status-${latest.status}` : null,
      ),
      statCard(
        'Duration',
        latest ? duration(latest.durationSeconds) : '—',
        el('div', { class: 'stat-sub', text: latest ? latest.slaStatus : '' }),
      ),
      statCard(
        'Rows loaded',
        latest ? int(latest.rowsLoaded) : '—',
        el('div', { class: 'stat-sub', text: latest ? `${int(latest.rowsExtracted)} extracted` : '' }),
      ),
      statCard(
        'DQ checks passed',
        lastDqDate && dqTotal ? `${((lastDqDate.PASS * 100) / dqTotal).toFixed(1)} %` : '—',
        el('div', {
          class: 'stat-sub',
          text: lastDqDate
            ? `${lastDqDate.date}: ${lastDqDate.PASS} pass, ${lastDqDate.WARN} warn, ${lastDqDate.FAIL} fail`
            : '',
        }),
      ),
      statCard(
        'Dead letters',
        latest ? int(latest.rowsDeadLettered) : '—',
        el('div', { class: 'stat-sub', text: 'rows of the latest run' }),
      ),
    );

    const chronological = [...op.runs].reverse();
    const runLabels = chronological.map((r) => `${r.reconDate} ${r.startTime.slice(11, 16)}`);
    const minutes = chronological.map((r) => (r.durationSeconds === null ? null : r.durationSeconds / 60));
    const slaColor = (r) =>
      r.slaStatus === 'SLA_BREACHED'
        ? COLORS.FAIL
        : r.slaStatus === 'SLA_WARNING'
          ? COLORS.WARN
          : COLORS.PASS;
    const sla = makeChart('chart-sla', {
      type: 'line',
      data: {
        labels: runLabels,
        datasets: [
          {
            label: 'Run duration',
            data: minutes,
            borderColor: '#334155',
            backgroundColor: chronological.map(slaColor),
            pointBackgroundColor: chronological.map(slaColor),
            pointRadius: 4,
          },
          {
            label: `Warning (${op.slaMinutes.warning} min)`,
            data: chronological.map(() => op.slaMinutes.warning),
            borderColor: COLORS.WARN,
            borderDash: [6, 4],
            pointRadius: 0,
          },
          {
            label: `SLA (${op.slaMinutes.breach} min)`,
            data: chronological.map(() => op.slaMinutes.breach),
            borderColor: COLORS.FAIL,
            borderDash: [6, 4],
            pointRadius: 0,
          },
        ],
      },
      options: {
        scales: { y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'minutes' } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx) =>
                ctx.datasetIndex === 0
                  ? `${chronological[ctx.dataIndex].runId}: ${duration(chronological[ctx.dataIndex].durationSeconds)} (${chronological[ctx.dataIndex].slaStatus})`
                  : ctx.dataset.label,
            },
          },
        },
      },
    });
    // Local runs take seconds against a 70-minute SLA: a log scale shows both.
    byId('sla-log').addEventListener('change', (e) => {
      sla.options.scales.y.type = e.target.checked ? 'logarithmic' : 'linear';
      sla.options.scales.y.beginAtZero = !e.target.checked;
      sla.update();
    });

    const recent = chronological.slice(-30);
    const phases = [];
    for (const r of recent) for (const p of Object.keys(r.phases)) if (!phases.includes(p)) phases.push(p);
    makeChart('chart-phases', {
      type: 'bar',
      data: {
        labels: recent.map((r) => `${r.reconDate} ${r.runId}`),
        datasets: phases.map((p, i) => ({
          label: p,
          data: recent.map((r) => (r.phases[p] === undefined ? 0 : r.phases[p])),
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { stacked: true, title: { display: true, text: 'seconds' } }, y: { stacked: true } },
      },
    });

    makeChart('chart-dq', {
      type: 'bar',
      data: {
        labels: op.dqByDate.map((d) => d.date),
        datasets: ['PASS', 'WARN', 'FAIL'].map((s) => ({
          label: s,
          data: op.dqByDate.map((d) => d[s]),
          backgroundColor: COLORS[s],
        })),
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'checks' } },
        },
      },
    });

    const stagingDates = [...new Set(op.stagingRows.map((r) => r.date))].sort();
    const stagingCount = new Map(op.stagingRows.map((r) => [`${r.table}|${r.date}`, r.rows]));
    makeChart('chart-staging-rows', {
      type: 'bar',
      data: {
        labels: stagingDates,
        datasets: op.stagingTables.map((t, i) => ({
          label: t.replace(/^stg_recon_/, ''),
          data: stagingDates.map((d) => stagingCount.get(`${t}|${d}`) || 0),
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'rows' } },
        },
      },
    });

    byId('runs-note').textContent =
      op.runsTotal > op.runs.length
        ? `The ${op.runs.length} most recent of ${op.runsTotal} runs for the window's dates.`
        : `${op.runs.length} run${op.runs.length === 1 ? '' : 's'} for the window's dates, newest first. Durations and SLA status as recon.v_recon_pipeline_runs computes them.`;
    table(
      byId('runs-table'),
      [
        { label: 'Business date', cell: (r) => r.reconDate },
        { label: 'Run', cell: (r) => r.runId },
        { label: 'Status', cell: (r) => r.status, cls: (r) => `status-${r.status}` },
        { label: 'Started (UTC)', cell: (r) => r.startTime },
        { label: 'Duration', num: true, cell: (r) => duration(r.durationSeconds) },
        { label: 'SLA', cell: (r) => r.slaStatus, cls: (r) => `status-${r.slaStatus}` },
        { label: 'As of', cell: (r) => r.asOf },
        { label: 'Extracted', num: true, cell: (r) => int(r.rowsExtracted) },
        { label: 'Loaded', num: true, cell: (r) => int(r.rowsLoaded) },
        { label: 'Dead letters', num: true, cell: (r) => int(r.rowsDeadLettered) },
        { label: 'Orders', num: true, cell: (r) => int(r.ordersProcessed) },
        { label: 'Anomalies', num: true, cell: (r) => int(r.anomaliesDetected) },
        { label: 'DQ pass / fail', num: true, cell: (r) => `${text(r.dqPassed)} / ${text(r.dqFailed)}` },
        { label: 'L1 %', num: true, cell: (r) => r.l1Rate },
        { label: 'L2 %', num: true, cell: (r) => r.l2Rate },
        { label: 'L3 %', num: true, cell: (r) => r.l3Rate },
        {
          label: 'Failure',
          cls: () => 'clip',
          cell: (r) => (r.failedStep ? `${r.failedStep}: ${text(r.errorMessage)}` : null),
          title: (r) => r.errorMessage,
        },
      ],
      op.runs,
    );

    const dqStatus = byId('dq-status');
    const dqDate = byId('dq-date');
    for (const d of [...op.dqByDate].reverse()) dqDate.append(el('option', { value: d.date, text: d.date }));
    const renderDq = () => {
      const rows = op.dq.filter(
        (d) => (!dqStatus.value || d.status === dqStatus.value) && (!dqDate.value || d.date === dqDate.value),
      );
      byId('dq-count').textContent = `${rows.length} of ${op.dq.length} results`;
      table(
        byId('dq-table'),
        [
          { label: 'Business date', cell: (d) => d.date },
          { label: 'Check', cell: (d) => d.checkId },
          { label: 'Name', cell: (d) => d.checkName },
          { label: 'Table', cell: (d) => d.table },
          { label: 'Measured', num: true, cell: (d) => d.measured },
          { label: 'Threshold', cell: (d) => d.threshold },
          { label: 'Status', cell: (d) => d.status, cls: (d) => `status-${d.status}` },
          { label: 'Detail', cls: () => 'wrap', cell: (d) => d.detail },
        ],
        rows,
      );
    };
    dqStatus.addEventListener('change', renderDq);
    dqDate.addEventListener('change', renderDq);
    renderDq();

    table(
      byId('staging-table'),
      [
        { label: 'Staging table', cell: (t) => t },
        ...stagingDates.map((d) => ({
          label: d,
          num: true,
          cell: (t) => int(stagingCount.get(`${t}|${d}`) || 0),
        })),
      ],
      op.stagingTables,
    );
  }

  // ---- investigation ------------------------------------------------------------------------

  const ANOMALY_COLUMNS = [
    {
      key: 'severity',
      label: 'Severity',
      compare: (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
      cell: (a) => el('span', { class: `sev sev-${a.severity}`, text: a.severity }),
    },
    {
      key: 'anomaly_type',
      label: 'Type',
      compare: (a, b) => compareText(a.anomaly_type, b.anomaly_type),
      cell: (a) => `${a.anomaly_type} ${a.anomaly_name}`,
    },
    {
      key: 'recon_date',
      label: 'Business date',
      compare: (a, b) => compareText(a.recon_date, b.recon_date),
      cell: (a) => a.recon_date,
    },
    {
      key: 'shop_id',
      label: 'Shop',
      num: true,
      compare: (a, b) => compareDecimal(a.shop_id, b.shop_id),
      cell: (a) => a.shop_id,
    },
    {
      key: 'entity_key',
      label: 'Order / entity',
      compare: (a, b) => compareText(a.order_id || a.entity_key, b.order_id || b.entity_key),
      cell: (a) => a.order_id || a.entity_key,
    },
    {
      key: 'affected_amount',
      label: 'Amount',
      num: true,
      compare: (a, b) => compareDecimal(a.affected_amount, b.affected_amount),
      cell: (a) => usd(a.affected_amount),
    },
    {
      key: 'status',
      label: 'Status',
      compare: (a, b) => compareText(a.status, b.status),
      cell: (a) => a.status,
    },
    {
      key: 'age_days',
      label: 'Age (days)',
      num: true,
      compare: (a, b) => compareDecimal(a.age_days, b.age_days),
      cell: (a) => a.age_days,
    },
    {
      key: 'sla_status',
      label: 'SLA',
      compare: (a, b) => compareText(a.sla_status, b.sla_status),
      cell: (a) => a.sla_status,
      cls: (a) => `status-${a.sla_status}`,
    },
    {
      key: 'assigned_to',
      label: 'Assignee',
      compare: (a, b) => compareText(a.assigned_to, b.assigned_to),
      cell: (a) => a.assigned_to,
    },
    {
      key: 'description',
      label: 'Description',
      compare: (a, b) => compareText(a.description, b.description),
      cell: (a) => a.description,
      cls: () => 'clip',
    },
  ];

  const FILTERS = [
    { id: 'f-severity', field: 'severity', order: (values) => SEVERITIES.filter((s) => values.includes(s)) },
    { id: 'f-type', field: 'anomaly_type', label: (a) => `${a.anomaly_type} ${a.anomaly_name}` },
    { id: 'f-status', field: 'status' },
    { id: 'f-shop', field: 'shop_id', order: (values) => [...values].sort(compareDecimal) },
    { id: 'f-sla', field: 'sla_status' },
  ];

  function startInvestigation() {
    const inv = data.investigation;
    const anomalies = inv.anomalies;
    const index = new Map(anomalies.map((a, i) => [a.anomaly_id, i]));
    byId('inv-stats').replaceChildren(
      statCard(
        'Open anomalies',
        int(inv.openTotal),
        el('div', { class: 'stat-sub', text: 'OPEN or INVESTIGATING, every date' }),
      ),
      statCard(
        'Past SLA',
        int(inv.slaBreached),
        el('div', { class: 'stat-sub', text: 'CRITICAL 30 min · HIGH 4 h · MEDIUM 24 h · LOW 1 d' }),
      ),
      statCard(
        'Average age',
        inv.avgAgeDays === null ? '—' : `${inv.avgAgeDays} d`,
        el('div', { class: 'stat-sub', text: 'of the open anomalies' }),
      ),
      statCard(
        'False-positive rate',
        pct(inv.falsePositiveRatePct),
        el('div', { class: 'stat-sub', text: "anomalies of the window's dates" }),
      ),
    );

    makeChart('chart-open-by-type', {
      type: 'doughnut',
      data: {
        labels: inv.byType.map((t) => `${t.type} ${t.name}`),
        datasets: [
          {
            label: 'open anomalies',
            data: inv.byType.map((t) => t.count),
            backgroundColor: inv.byType.map((_, i) => PALETTE[i % PALETTE.length]),
          },
        ],
      },
      options: { plugins: { legend: { position: 'right' } } },
    });
    makeChart('chart-resolution', {
      type: 'bar',
      data: {
        labels: inv.resolutionBuckets,
        datasets: [
          { label: 'resolved by a person', data: inv.resolution.RESOLVED, backgroundColor: '#16a34a' },
          { label: 'false positive', data: inv.resolution.FALSE_POSITIVE, backgroundColor: '#d97706' },
          { label: 'auto-resolved', data: inv.resolution.AUTO_RESOLVED, backgroundColor: '#64748b' },
        ],
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'anomalies' } },
        },
      },
    });

    if (inv.openTotal > anomalies.length) {
      const bound = byId('anomaly-bound');
      bound.hidden = false;
      bound.textContent =
        `${int(inv.openTotal)} anomalies are open; the ${int(anomalies.length)} most severe and oldest are embedded here with their source rows. ` +
        '`recon anomalies list` lists them all.';
    }

    for (const f of FILTERS) {
      const select = byId(f.id);
      const values = [...new Set(anomalies.map((a) => a[f.field]).filter((v) => v !== null))];
      const ordered = f.order ? f.order(values) : values.sort();
      for (const v of ordered) {
        const sample = anomalies.find((a) => a[f.field] === v);
        select.append(el('option', { value: v, text: f.label ? f.label(sample) : v }));
      }
      select.addEventListener('change', render);
    }
    byId('f-reset').addEventListener('click', () => {
      for (const f of FILTERS) byId(f.id).value = '';
      render();
    });

    const sort = { key: null, direction: 1 };
    const headRow = el(
      'tr',
      null,
      ...ANOMALY_COLUMNS.map((c) =>
        el(
          'th',
          { scope: 'col', class: c.num ? 'num' : null, 'data-key': c.key, 'aria-sort': 'none' },
          el('button', {
            type: 'button',
            text: c.label,
            onclick: () => {
              sort.direction = sort.key === c.key ? -sort.direction : 1;
              sort.key = c.key;
              render();
            },
          }),
        ),
      ),
    );
    const body = el('tbody');
    byId('anomaly-table').replaceChildren(el('thead', null, headRow), body);
    let selected = null;

    function render() {
      const wanted = FILTERS.map((f) => [f.field, byId(f.id).value]).filter(([, v]) => v !== '');
      const rows = anomalies.filter((a) => wanted.every(([field, v]) => a[field] === v));
      const column = ANOMALY_COLUMNS.find((c) => c.key === sort.key);
      // Ties keep the list's own order (most severe, then oldest).
      rows.sort(
        (a, b) =>
          (column ? column.compare(a, b) * sort.direction : 0) ||
          index.get(a.anomaly_id) - index.get(b.anomaly_id),
      );
      for (const th of headRow.children) {
        th.setAttribute(
          'aria-sort',
          th.dataset.key === sort.key ? (sort.direction === 1 ? 'ascending' : 'descending') : 'none',
        );
      }
      body.replaceChildren(
        ...rows.map((a) => {
          const tr = el(
            'tr',
            {
              'data-anomaly-id': a.anomaly_id,
              tabindex: 0,
              class: a.anomaly_id === selected ? 'selected' : null,
              onclick: () => openDetail(a.anomaly_id),
              onkeydown: (e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  openDetail(a.anomaly_id);
                }
              },
            },
            ...ANOMALY_COLUMNS.map((c) => {
              const value = c.cell(a);
              const td = el('td', {
                class: [c.num ? 'num' : '', c.cls ? c.cls(a) : ''].join(' ').trim() || null,
                'data-key': c.key,
              });
              if (value instanceof Node) td.append(value);
              else td.textContent = text(value);
              if (c.key === 'description') td.title = a.description;
              return td;
            }),
          );
          return tr;
        }),
      );
      byId('anomaly-count').textContent =
        `Showing ${int(rows.length)} of ${int(anomalies.length)} embedded open anomalies` +
        (wanted.length ? ` (filtered by ${wanted.map(([field, v]) => `${field} = ${v}`).join(', ')})` : '') +
        '. Click a row to compare its source rows.';
    }

    function openDetail(id) {
      selected = id;
      for (const tr of body.children) tr.classList.toggle('selected', tr.dataset.anomalyId === id);
      const a = anomalies[index.get(id)];
      const evidence = inv.evidence[id];
      const panel = byId('anomaly-detail');
      const fact = (label, value, key) =>
        el('div', { 'data-fact': key }, el('dt', { text: label }), el('dd', { text: text(value) }));
      const parts = [
        el(
          'div',
          { class: 'detail-head' },
          el('span', { class: `sev sev-${a.severity}`, text: a.severity }),
          el('h3', { text: `${a.anomaly_type} ${a.anomaly_name}` }),
          el('code', { text: a.anomaly_id }),
          el('button', {
            type: 'button',
            text: 'Close',
            onclick: () => {
              panel.hidden = true;
              selected = null;
              for (const tr of body.children) tr.classList.remove('selected');
            },
          }),
        ),
        el(
          'dl',
          { class: 'facts' },
          fact('Status', `${a.status} (set by ${a.status_set_by.toLowerCase()})`, 'status'),
          fact('Business date', `${a.recon_date} (detected by the run for ${a.detected_date})`, 'date'),
          fact('Order', a.order_id, 'order'),
          fact('Entity', a.entity_key, 'entity'),
          fact('Shop', a.shop_id, 'shop'),
          fact('Affected amount', usd(a.affected_amount), 'affected'),
          fact('Expected', usd(a.expected_value), 'expected'),
          fact('Actual', usd(a.actual_value), 'actual'),
          fact('Confidence', a.confidence_score, 'confidence'),
          fact('Age / SLA', `${a.age_days} d · ${text(a.sla_status)}`, 'age'),
          fact('Assigned to', a.assigned_to, 'assignee'),
          fact(
            'Created · updated · last seen (UTC)',
            `${a.created_at} · ${a.updated_at} · ${a.last_seen_at}`,
            'times',
          ),
        ),
        el('p', { class: 'description' }, el('strong', { text: 'Description: ' }), a.description),
        el('p', { class: 'recommendation' }, el('strong', { text: 'Recommendation: ' }), a.recommendation),
      ];
      if (a.resolution_notes)
        parts.push(el('p', null, el('strong', { text: 'Notes: ' }), a.resolution_notes));
      if (!evidence) {
        parts.push(
          el('p', {
            class: 'notice',
            text: 'The source rows of this anomaly are not embedded; see `recon anomalies show`.',
          }),
        );
      } else {
        parts.push(
          el('h4', { text: `Source rows side by side (${evidence.entity.toLowerCase().replace('_', '-')})` }),
          el(
            'div',
            { class: 'sources' },
            ...Object.entries(evidence.sources).map(([name, rows]) =>
              el(
                'article',
                { class: rows.length ? 'source' : 'source missing', 'data-source': name },
                el('h5', { text: `${name} · ${rows.length} row${rows.length === 1 ? '' : 's'}` }),
                rows.length === 0 ? el('p', { class: 'none', text: 'none found' }) : null,
                ...rows.map((row) =>
                  el(
                    'dl',
                    null,
                    ...Object.entries(row).flatMap(([k, v]) => [
                      el('dt', { text: k }),
                      el('dd', {
                        class: /amount|_usd$|^diff_|variance/.test(k) ? 'amount' : null,
                        'data-field': k,
                        text: text(v),
                      }),
                    ]),
                  ),
                ),
              ),
            ),
          ),
          el('h4', { text: 'History' }),
        );
        const history = el('table', { class: 'data' });
        table(
          history,
          [
            { label: 'Time (UTC)', cell: (e) => e.event_time },
            { label: 'Actor', cell: (e) => e.actor },
            { label: 'Event', cell: (e) => e.event_type },
            {
              label: 'Status',
              cell: (e) =>
                e.from_status || e.to_status ? `${text(e.from_status)} → ${text(e.to_status)}` : '',
            },
            {
              label: 'Severity',
              cell: (e) =>
                e.from_severity || e.to_severity ? `${text(e.from_severity)} → ${text(e.to_severity)}` : '',
            },
            { label: 'Note', cls: () => 'wrap', cell: (e) => e.note },
            { label: 'Run', cell: (e) => e.run_id },
          ],
          evidence.events,
        );
        parts.push(el('div', { class: 'table-wrap' }, history));
      }
      panel.replaceChildren(...parts);
      panel.hidden = false;
      panel.scrollIntoView({ block: 'start' });
    }

    render();
  }

  const initial = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'executive';
  show(initial);
})();
