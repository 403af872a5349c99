/**
 * Every panel query runs on a real PostgreSQL warehouse after a generated multi-day pipeline run,
 * expanded exactly as Grafana would send it (time range macros, template variables), and shows
 * what the warehouse holds: the figures are checked against direct queries of the same tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Panel, VariableModel } from '@grafana/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPgDatabase } from '../../../../test/support/databases.ts';
import { falsePositive, resolve } from '../../../core/src/anomalies/workflow.ts';
import { type App, openApp } from '../../../core/src/app.ts';
import { runPipeline } from '../../../core/src/pipeline/local-runner.ts';
import { refreshReportingViews } from '../../../core/src/reporting/refresh.ts';
import { SOURCE_IDS, sourceTable } from '../../../core/src/sources/spec.ts';
import type { RawRow } from '../../../core/src/sources/types.ts';
import { generate } from '../../../core/src/synthetic/generator.ts';
import { writeChunk } from '../../../core/src/synthetic/sinks.ts';
import type { RedshiftQuery } from './datasource.ts';
import type { DashboardDefinition } from './dashboard.ts';
import { allDashboards } from './dashboards.ts';
import { expandMacros, type VariableSelection } from './macros.ts';
import { RUN_PHASES } from './sql.ts';
import { variableSql } from './variables.ts';

const START = '2026-10-05';
const DAYS = 4;
const gen = generate({ startDate: START, days: DAYS, ordersPerDay: 150, seed: 20261005 });
const LAST = gen.dates.at(-1)!;
/** The dashboards' time range: the business dates of the run (midnight to midnight, New York). */
const RANGE = { from: new Date(`${START}T04:00:00Z`), to: new Date(`${LAST}T23:59:59Z`) };

const definitions = allDashboards();
type Row = Record<string, unknown>;

let app: App;
let home: string | undefined;
let dropWarehouse: (() => Promise<void>) | undefined;
/** An ANO-02 anomaly whose order has payments, trades and a Level 3 shop-day: every detail panel has rows. */
let detailAnomaly: string;
const triaged: { resolved?: string; falsePositive?: string } = {};

/** A source row in column order, defaults for the columns not given. */
function sourceRow(table: string, values: Record<string, RawRow[number]>): RawRow {
  return sourceTable(table).columns.map((c) => {
    if (c.name in values) return values[c.name] ?? null;
    if (c.name === 'is_del') return 0;
    return c.defaultValue ?? null;
  });
}

function dashboard(uid: string): DashboardDefinition['dashboard'] {
  const d = definitions.find((x) => x.dashboard.uid === uid);
  if (!d) throw new Error(`no dashboard ${uid}`);
  return d.dashboard;
}

function panel(uid: string, title: string): Panel {
  const p = dashboard(uid).panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}" in ${uid}`);
  return p;
}

/** The dashboard's initial selection of each variable (text box: the detail anomaly). */
function defaults(variables: readonly VariableModel[]): Record<string, VariableSelection> {
  return Object.fromEntries(
    variables.map((v) => {
      if (v.type === 'textbox') return [v.name, [detailAnomaly]];
      const value = v.current?.value;
      const values = Array.isArray(value) ? value : [value ?? ''];
      return [v.name, values.includes('$__all') ? 'all' : values];
    }),
  );
}

/** Run every query of a panel as Grafana would send it; the rows of each. */
async function runPanel(
  uid: string,
  p: Panel,
  selections: Record<string, VariableSelection> = {},
): Promise<Row[][]> {
  const variables = dashboard(uid).templating?.list ?? [];
  const ctx = { ...RANGE, variables, selections: { ...defaults(variables), ...selections } };
  const results: Row[][] = [];
  for (const t of (p.targets ?? []) as unknown as RedshiftQuery[]) {
    const sql = expandMacros(t.rawSQL, ctx);
    try {
      results.push(await app.warehouse.query(sql));
    } catch (error) {
      throw new Error(`${uid} / ${p.title}: ${(error as Error).message}\n${sql}`, { cause: error });
    }
  }
  return results;
}

const rowsOf = async (uid: string, title: string, selections: Record<string, VariableSelection> = {}) =>
  (await runPanel(uid, panel(uid, title), selections))[0]!;

const allPanels = definitions.flatMap((d) =>
  d.dashboard.panels.map((p) => [d.dashboard.uid, p.title!, p] as const),
);

beforeAll(async () => {
  const wh = await createTestPgDatabase('tdash');
  dropWarehouse = wh.drop;
  app = await openApp({
    home: mkdtempSync(join(tmpdir(), 'recon-dash-')),
    env: { RECON_WAREHOUSE_URL: wh.url },
  });
  const sinks = app.sinks();
  for (const s of SOURCE_IDS) await sinks[s].createTables();
  let planted = false;
  for (const chunk of gen.days()) {
    await writeChunk(chunk, sinks);
    if (!planted) {
      // A payment with a negative amount cannot be standardized: the first run dead-letters it.
      await sinks.salesorder.insert(sourceTable('t_order_pay'), [
        sourceRow('t_order_pay', {
          id: '990000001',
          order_id: '990000001',
          trade_no: 'T-DASHBOARD-DEAD',
          pay_money: '-500',
          pay_status: 1,
          create_time: `${START} 16:00:00`,
          update_time: `${START} 16:00:00`,
        }),
      ]);
      planted = true;
    }
    if (!chunk.lastOfDay) continue;
    const asOf = `${chunk.batchEnd.replace(' ', 'T')}Z`;
    const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`${chunk.date}: ${outcome.status}: ${outcome.cause}`);
  }
  // People close two anomalies, so the triage figures have something to count.
  const open = await app.warehouse.query<{ anomaly_id: string }>(
    "SELECT anomaly_id FROM recon.dwd_recon_anomalies WHERE status = 'OPEN' ORDER BY anomaly_id LIMIT 2",
  );
  triaged.resolved = open[0]!.anomaly_id;
  triaged.falsePositive = open[1]!.anomaly_id;
  await resolve(app.warehouse, triaged.resolved, { by: 'analyst', note: 'receipt found' });
  await falsePositive(app.warehouse, triaged.falsePositive, { by: 'analyst', note: 'test order' });
  await refreshReportingViews(app.warehouse);

  const [detail] = await app.warehouse.query<{ anomaly_id: string }>(`
    SELECT a.anomaly_id
    FROM recon.dwd_recon_anomalies a
    WHERE a.anomaly_type = 'ANO-02'
      AND a.order_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM recon.stg_recon_payments p
                  JOIN recon.stg_recon_trades t ON t.trade_no = p.trade_no
                  WHERE p.order_id = a.order_id)
      AND EXISTS (SELECT 1 FROM recon.stg_recon_level2_results l2 WHERE l2.order_id = a.order_id)
      AND EXISTS (SELECT 1 FROM recon.stg_recon_level3_results l3
                  WHERE l3.shop_id = a.shop_id AND l3.recon_date = a.recon_date)
    ORDER BY a.anomaly_id
    LIMIT 1`);
  if (!detail) throw new Error('the generated days raised no ANO-02 anomaly with its source rows');
  detailAnomaly = detail.anomaly_id;
}, 900_000);

afterAll(async () => {
  await app?.close();
  await dropWarehouse?.();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('every panel query on the PostgreSQL warehouse', () => {
  it.each(allPanels)('%s / %s runs and returns rows', async (uid, _title, p) => {
    const results = await runPanel(uid, p);
    expect(results.length).toBeGreaterThan(0);
    for (const rows of results) expect(rows.length).toBeGreaterThan(0);
  });

  it.each(allPanels.filter(([uid]) => uid === 'recon-anomaly-workbench'))(
    '%s / %s runs with specific filter values',
    async (uid, _title, p) => {
      const [shop] = await app.warehouse.query<{ shop: string }>(
        "SELECT CAST(MIN(shop_id) AS VARCHAR(20)) AS shop FROM recon.dwd_recon_anomalies WHERE anomaly_type = 'ANO-02'",
      );
      for (const rows of await runPanel(uid, p, {
        severity: ['CRITICAL', 'HIGH'],
        anomaly_type: ['ANO-02', 'ANO-07'],
        shop: [shop!.shop],
        status: ['OPEN', 'AUTO_RESOLVED'],
        sla: ['SLA_BREACHED'],
      })) {
        expect(Array.isArray(rows)).toBe(true);
      }
    },
  );

  it('runs the variable queries: the shop list is the shops that have anomalies', async () => {
    const shop = dashboard('recon-anomaly-workbench').templating!.list!.find((v) => v.name === 'shop')!;
    const rows = await app.warehouse.query<{ shop: string }>(variableSql(shop)!);
    const expected = await app.warehouse.query<{ shop: string }>(
      'SELECT DISTINCT CAST(shop_id AS VARCHAR(20)) AS shop FROM recon.dwd_recon_anomalies WHERE shop_id IS NOT NULL',
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.shop).sort()).toEqual(expected.map((r) => r.shop).sort());
  });
});

describe('executive figures', () => {
  it('L1 Match Rate: the latest two business dates, the latest as the run summary computes it', async () => {
    const rows = await rowsOf('recon-exec-overview', 'L1 Match Rate');
    expect(rows.map((r) => r.time)).toEqual([gen.dates.at(-2), LAST]);
    const [direct] = await app.warehouse.query<{ rate: string }>(
      `SELECT CAST(CAST(SUM(CASE WHEN match_status = 'MATCHED' THEN 1 ELSE 0 END) * 100 AS DECIMAL(18,4))
                   / COUNT(*) AS DECIMAL(5,2)) AS rate
       FROM recon.stg_recon_level1_results WHERE recon_date = CAST(:d AS DATE)`,
      { d: LAST },
    );
    expect(rows[1]!.l1_match_rate_pct).toBe(direct!.rate);
  });

  it('Open Anomalies: open now, after the number the previous business date’s run left open', async () => {
    const rows = await rowsOf('recon-exec-overview', 'Open Anomalies');
    expect(rows).toHaveLength(2);
    const [previous] = await app.warehouse.query<{ open_anomalies: string }>(
      `SELECT open_anomalies FROM recon.dwd_recon_anomaly_metrics
       WHERE recon_date = CAST(:d AS DATE) AND status = 'SUCCEEDED'`,
      { d: gen.dates.at(-2)! },
    );
    const [now] = await app.warehouse.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies WHERE status IN ('OPEN', 'INVESTIGATING')",
    );
    expect(rows[0]!.open_anomalies).toBe(previous!.open_anomalies);
    expect(rows[1]!.open_anomalies).toBe(now!.n);
  });

  it('Revenue by Match Status: matched plus unmatched is the Level 1 order revenue of each date', async () => {
    const rows = await rowsOf('recon-exec-overview', 'Revenue by Match Status');
    const direct = await app.warehouse.query<{ d: string; total: string }>(
      `SELECT recon_date AS d, SUM(order_amount) AS total FROM recon.stg_recon_level1_results
       GROUP BY recon_date ORDER BY recon_date`,
    );
    const cents = (v: unknown) => Math.round(Number(v) * 100);
    expect(rows.map((r) => [r.time, cents(r.matched) + cents(r.unmatched)])).toEqual(
      direct.map((r) => [r.d, cents(r.total)]),
    );
  });
});

describe('operational figures', () => {
  it('Pipeline Phase Breakdown: each phase is the seconds the latest run of the date recorded', async () => {
    const rows = await rowsOf('recon-ops-monitor', 'Pipeline Phase Breakdown');
    expect(rows.map((r) => r.business_date)).toEqual(gen.dates);
    for (const row of rows) {
      const [run] = await app.warehouse.query<{ phase_durations: string }>(
        `SELECT phase_durations FROM recon.dwd_recon_anomaly_metrics WHERE recon_date = CAST(:d AS DATE)
         ORDER BY pipeline_start_time DESC LIMIT 1`,
        { d: row.business_date },
      );
      const phases = JSON.parse(run!.phase_durations) as Record<string, number>;
      expect(Object.keys(phases).length).toBeGreaterThan(4);
      for (const p of RUN_PHASES) {
        const parsed = row[p.column] === null ? null : Number(row[p.column]);
        expect(parsed, `${String(row.business_date)} ${p.key}`).toBe(phases[p.key] ?? null);
      }
    }
  });

  it('Source Extraction Row Counts: the staged rows of each table and business date', async () => {
    const rows = await rowsOf('recon-ops-monitor', 'Source Extraction Row Counts');
    const orders = await app.warehouse.query<{ d: string; n: string }>(
      'SELECT CAST(biz_date AS VARCHAR(10)) AS d, COUNT(*) AS n FROM recon.stg_recon_orders GROUP BY biz_date',
    );
    const inRange = orders.filter((o) => o.d >= START && o.d <= LAST);
    expect(rows.map((r) => [r.business_date, r.orders])).toEqual(
      inRange.sort((a, b) => a.d.localeCompare(b.d)).map((o) => [o.d, o.n]),
    );
    expect(rows.every((r) => Number(r.payments) > 0 && Number(r.receipts) > 0)).toBe(true);
  });

  it('Dead Letters: the rejected payment is counted and listed with its reason', async () => {
    expect((await rowsOf('recon-ops-monitor', 'Dead Letters'))[0]!.dead_letters).toBe('1');
    const [letter] = await rowsOf('recon-ops-monitor', 'Dead Letters by Reason');
    expect(letter).toMatchObject({ recon_date: START, dead_letters: '1' });
  });

  it('Pipeline Status and Run History: every run succeeded, newest business date first', async () => {
    expect(await rowsOf('recon-ops-monitor', 'Pipeline Status')).toEqual([{ pipeline_status: 'SUCCEEDED' }]);
    const history = await rowsOf('recon-ops-monitor', 'Pipeline Run History');
    expect(history.map((r) => r.recon_date)).toEqual([...gen.dates].reverse());
    expect(history.every((r) => r.pipeline_status === 'SUCCEEDED' && r.failed_step === null)).toBe(true);
  });
});

describe('investigation figures and filters', () => {
  const uid = 'recon-anomaly-workbench';

  it('Total Open counts the open anomalies of the range; a severity filter narrows it', async () => {
    const [all] = await rowsOf(uid, 'Total Open');
    const [direct] = await app.warehouse.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies
       WHERE status IN ('OPEN', 'INVESTIGATING') AND recon_date BETWEEN CAST(:f AS DATE) AND CAST(:t AS DATE)`,
      { f: START, t: LAST },
    );
    expect(all!.open_anomalies).toBe(direct!.n);
    const [high] = await rowsOf(uid, 'Total Open', { severity: ['HIGH'] });
    expect(Number(high!.open_anomalies)).toBeLessThan(Number(all!.open_anomalies));
  });

  it('Anomaly Detail honours severity, type, shop and status filters', async () => {
    const unfiltered = await rowsOf(uid, 'Anomaly Detail', { status: 'all' });
    const high = await rowsOf(uid, 'Anomaly Detail', { status: 'all', severity: ['HIGH'] });
    expect(high.length).toBeGreaterThan(0);
    expect(high.length).toBeLessThan(unfiltered.length);
    expect(new Set(high.map((r) => r.severity))).toEqual(new Set(['HIGH']));
    const shop = String(unfiltered.find((r) => r.shop_id !== null)!.shop_id);
    const byShop = await rowsOf(uid, 'Anomaly Detail', { status: 'all', shop: [shop] });
    expect(byShop.length).toBeGreaterThan(0);
    expect(new Set(byShop.map((r) => String(r.shop_id)))).toEqual(new Set([shop]));
    const types = await rowsOf(uid, 'Anomaly Detail', { status: 'all', anomaly_type: ['ANO-01', 'ANO-02'] });
    expect(new Set(types.map((r) => r.anomaly_type))).toEqual(new Set(['ANO-01', 'ANO-02']));
    const closed = await rowsOf(uid, 'Anomaly Detail', { status: ['RESOLVED', 'FALSE_POSITIVE'] });
    expect(closed.map((r) => r.anomaly_id).sort()).toEqual([triaged.resolved, triaged.falsePositive].sort());
    // Order ids above 2^53 come back as exact text.
    expect(unfiltered.filter((r) => r.order_id !== null).every((r) => /^\d+$/.test(String(r.order_id)))).toBe(
      true,
    );
  });

  it('False Positive Rate and Resolution Time count the anomalies people and runs closed', async () => {
    const [rate] = await rowsOf(uid, 'False Positive Rate');
    const [total] = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies WHERE recon_date BETWEEN CAST(:f AS DATE) AND CAST(:t AS DATE)',
      { f: START, t: LAST },
    );
    // One false positive among the anomalies of the range, rounded to one decimal.
    expect(Number(rate!.false_positive_rate)).toBe(Math.round(1000 / Number(total!.n)) / 10);
    const buckets = await rowsOf(uid, 'Resolution Time Distribution');
    expect(buckets.map((b) => b.bucket)).toEqual(['< 1h', '1-4h', '4-24h', '1-3d', '> 3d']);
    expect(buckets.reduce((n, b) => n + Number(b.closed_by_person), 0)).toBe(2);
    const [auto] = await app.warehouse.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies WHERE status = 'AUTO_RESOLVED'",
    );
    expect(buckets.reduce((n, b) => n + Number(b.auto_resolved), 0)).toBe(Number(auto!.n));
  });

  it('the selected anomaly’s panels show that anomaly, its order, shop-day and history', async () => {
    const card = await rowsOf(uid, 'Selected Anomaly');
    expect(card[0]).toEqual({ field: 'Anomaly', value: detailAnomaly });
    expect(card.map((r) => r.field)).toContain('Recommendation');
    const [anomaly] = await app.warehouse.query<{ order_id: string; shop_id: string; recon_date: string }>(
      'SELECT order_id, shop_id, recon_date FROM recon.dwd_recon_anomalies WHERE anomaly_id = :id',
      { id: detailAnomaly },
    );
    const l1 = await rowsOf(uid, 'Source: Order ↔ Payments ↔ Trades (Level 1)');
    expect(l1.map((r) => r.order_id)).toEqual([anomaly!.order_id]);
    const l3 = await rowsOf(uid, 'Source: Shop-day Receipts ↔ Income Bills (Level 3)');
    expect(l3.map((r) => [r.shop_id, r.recon_date])).toEqual([[anomaly!.shop_id, anomaly!.recon_date]]);
    const events = await rowsOf(uid, 'Event History');
    expect(events[0]!.event_type).toBe('DETECTED');
    // Nothing selected: the detail panels are empty rather than failing.
    expect(await rowsOf(uid, 'Event History', { anomaly_id: [''] })).toEqual([]);
  });
});
