/**
 * Detection against the synthetic generator's answer key (SPEC §7): generated days with planted
 * anomalies go through the real pipeline (embedded sources, PGlite warehouse, the state-machine
 * definition) day by day; then one detection over every generated date, as of 80 h after the last
 * batch (every age-gated plant past its thresholds), must find exactly the planted anomalies —
 * same type, entity and severity (the answer key's, escalated where the age passes the critical
 * threshold) and the same affected amount — with 100 % precision and 100 % recall. The confusion
 * table (planted kind or 'clean' × detected type/severity) is printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../app.ts';
import { runPipeline } from '../pipeline/local-runner.ts';
import { SOURCE_IDS } from '../sources/spec.ts';
import { DEFAULT_PLANT_RATES, generate } from '../synthetic/generator.ts';
import { writeChunk } from '../synthetic/sinks.ts';
import type { PlantedCondition } from '../synthetic/types.ts';
import { detectAnomalies } from './detect.ts';
import { CANDIDATES_TABLE, type Severity } from './types.ts';

const HOUR = 3_600_000;
/** 'YYYY-MM-DD HH:MM:SS' (UTC) of epoch ms. */
const tsOf = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const msOf = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`);

type Detected = {
  anomaly_type: string;
  entity_key: string;
  severity: string;
  affected_amount: string;
};

/** Several times the default per-order and per-shop-day plant rates, so each kind shows up often. */
const RATES = {
  missingPayment: DEFAULT_PLANT_RATES.missingPayment * 4,
  missingTrade: DEFAULT_PLANT_RATES.missingTrade * 4,
  orderPayMismatch: DEFAULT_PLANT_RATES.orderPayMismatch * 4,
  orderTradeMismatch: DEFAULT_PLANT_RATES.orderTradeMismatch * 4,
  payTradeMismatch: DEFAULT_PLANT_RATES.payTradeMismatch * 4,
  receiptMismatch: DEFAULT_PLANT_RATES.receiptMismatch * 4,
  zeroFee: DEFAULT_PLANT_RATES.zeroFee * 4,
  highFee: DEFAULT_PLANT_RATES.highFee * 4,
  channelFeeMismatch: DEFAULT_PLANT_RATES.channelFeeMismatch * 4,
  missingReceipt: DEFAULT_PLANT_RATES.missingReceipt * 4,
  missingVoucher: DEFAULT_PLANT_RATES.missingVoucher * 4,
  orphanTrade: DEFAULT_PLANT_RATES.orphanTrade * 4,
  refundStuck: DEFAULT_PLANT_RATES.refundStuck * 6,
  refundExcess: DEFAULT_PLANT_RATES.refundExcess * 6,
  lateReceipt: DEFAULT_PLANT_RATES.lateReceipt * 4,
  latePayment: DEFAULT_PLANT_RATES.latePayment * 4,
  incomeMismatchHigh: DEFAULT_PLANT_RATES.incomeMismatchHigh * 3,
  incomeMismatchMedium: DEFAULT_PLANT_RATES.incomeMismatchMedium * 3,
  missingIncomeBill: DEFAULT_PLANT_RATES.missingIncomeBill * 3,
  unbalancedVoucher: DEFAULT_PLANT_RATES.unbalancedVoucher * 3,
};

/** The entity key detection uses for a planted condition (refund and voucher ids and voucher-less trades are prefixed by kind). */
function detectionKey(c: { kind: string; entityKey: string }): string {
  if (c.kind === 'REFUND_STUCK') return `refund:${c.entityKey}`;
  if (c.kind === 'UNBALANCED_VOUCHER') return `voucher:${c.entityKey}`;
  if (c.kind === 'MISSING_VOUCHER') return `trade:${c.entityKey}`;
  return c.entityKey;
}

describe('anomaly detection against the generator answer key', () => {
  const gen = generate({ startDate: '2026-03-05', days: 5, ordersPerDay: 400, seed: 4242, rates: RATES });
  const key = gen.answerKey();
  const lastDate = gen.dates[gen.dates.length - 1]!;
  const asOfMs = gen.batchEndOf(lastDate) + 80 * HOUR;
  const home = mkdtempSync(join(tmpdir(), 'recon-precision-'));
  let app: App;
  let detected: Detected[] = [];

  beforeAll(async () => {
    app = await openApp({ env: {}, home, embeddedOnly: true });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of gen.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const asOf = `${chunk.batchEnd.replace(' ', 'T')}Z`;
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
      if (outcome.status !== 'SUCCEEDED') {
        throw new Error(
          `pipeline ${chunk.date}: ${outcome.status}: ${'cause' in outcome ? outcome.cause : ''}`,
        );
      }
    }
    detected = await app.warehouse.transaction(async (tx) => {
      const n = await detectAnomalies(tx, {
        runId: 'precision',
        reconDate: lastDate,
        fromDate: gen.dates[0]!,
        toDate: lastDate,
        asOf: tsOf(asOfMs),
        settings: app.settings,
      });
      const rows = await tx.query<Detected>(
        `SELECT anomaly_type, entity_key, severity, affected_amount FROM ${CANDIDATES_TABLE}
         ORDER BY anomaly_type, entity_key`,
      );
      expect(rows).toHaveLength(n);
      return rows;
    });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  /**
   * The severity the answer key expects at the as-of: its severity once detectable, escalated
   * where the age passes the critical threshold (ANO-01 → CRITICAL 22 h after detectable at 2 h;
   * ANO-06 → HIGH 18 h after detectable at 6 h); an unbalanced voucher, which the key gives no
   * severity, is MEDIUM.
   */
  function expectedSeverity(c: PlantedCondition): Severity {
    const s = app.settings;
    const at = c.details.detectableAt ? msOf(c.details.detectableAt) : undefined;
    if (c.expectedAnomalyType === 'ANO-01' && at !== undefined) {
      const critical = at + (s.paymentDelayCriticalHours - s.paymentDelayWarningHours) * HOUR;
      return asOfMs >= critical ? 'CRITICAL' : 'HIGH';
    }
    if (c.expectedAnomalyType === 'ANO-06' && at !== undefined) {
      const critical = at + (s.syncDelayCriticalHours - s.syncDelayWarningHours) * HOUR;
      return asOfMs >= critical ? 'HIGH' : 'MEDIUM';
    }
    return c.details.severity ?? 'MEDIUM';
  }

  it('finds every planted anomaly and nothing else (100 % precision and recall)', () => {
    const expected = new Map<string, { c: PlantedCondition; severity: Severity }>();
    for (const c of key.conditions) {
      if (!c.expectedAnomalyType) continue;
      expected.set(`${c.expectedAnomalyType}|${detectionKey(c)}`, { c, severity: expectedSeverity(c) });
    }
    // Entities of plants that must end clean (late arrivals, fallback receipts, later updates).
    const cleanPlants = new Map<string, PlantedCondition>();
    for (const c of key.conditions) if (!c.expectedAnomalyType) cleanPlants.set(detectionKey(c), c);

    const found = new Map(detected.map((d) => [`${d.anomaly_type}|${d.entity_key}`, d]));
    const table = new Map<string, Map<string, number>>();
    const count = (row: string, col: string) => {
      const r = table.get(row) ?? new Map<string, number>();
      r.set(col, (r.get(col) ?? 0) + 1);
      table.set(row, r);
    };
    let truePositives = 0;
    const problems: string[] = [];
    for (const [k, { c, severity }] of expected) {
      const d = found.get(k);
      count(c.kind, d ? `${d.anomaly_type}/${d.severity}` : 'none');
      if (!d) {
        problems.push(`missed ${k} (${c.kind}, ${severity})`);
        continue;
      }
      if (d.severity !== severity) {
        problems.push(`${k} (${c.kind}): severity ${d.severity}, expected ${severity}`);
        continue;
      }
      if (c.details.affectedAmount !== undefined && d.affected_amount !== c.details.affectedAmount) {
        problems.push(
          `${k} (${c.kind}): affected ${d.affected_amount}, expected ${c.details.affectedAmount}`,
        );
        continue;
      }
      truePositives++;
    }
    for (const [k, d] of found) {
      if (expected.has(k)) continue;
      const plant = cleanPlants.get(d.entity_key);
      count(plant ? plant.kind : 'clean', `${d.anomaly_type}/${d.severity}`);
      problems.push(`unexpected ${k} ${d.severity}${plant ? ` (on a ${plant.kind} plant)` : ''}`);
    }
    for (const c of cleanPlants.values()) {
      if (![...found.values()].some((d) => d.entity_key === detectionKey(c))) count(c.kind, 'none');
    }

    const columns = [...new Set([...table.values()].flatMap((r) => [...r.keys()]))].sort();
    const rows = [...table.keys()].sort((a, b) =>
      a === 'clean' ? 1 : b === 'clean' ? -1 : a.localeCompare(b),
    );
    const width = Math.max(...rows.map((r) => r.length), 12);
    const lines = [
      ['planted \\ detected'.padEnd(width), ...columns.map((c) => c.padStart(14))].join(' '),
      ...rows.map((r) =>
        [r.padEnd(width), ...columns.map((c) => String(table.get(r)?.get(c) ?? '').padStart(14))].join(' '),
      ),
    ];
    const precision = detected.length ? (truePositives * 100) / detected.length : 100;
    const recall = expected.size ? (truePositives * 100) / expected.size : 100;
    console.log(
      `\nAnomaly detection vs answer key (${gen.dates[0]} … ${lastDate}, ${key.orders} orders, as of ${tsOf(asOfMs)} UTC)\n` +
        `${lines.join('\n')}\n` +
        `expected ${expected.size}, detected ${detected.length}, correct ${truePositives}: ` +
        `precision ${precision.toFixed(2)} %, recall ${recall.toFixed(2)} %\n` +
        (problems.length ? `problems:\n  ${problems.join('\n  ')}\n` : ''),
    );

    expect(problems).toEqual([]);
    expect(truePositives).toBe(expected.size);
    expect(detected).toHaveLength(expected.size);
    // Every anomaly type and every planted kind with an anomaly is exercised.
    for (const t of ['ANO-01', 'ANO-02', 'ANO-03', 'ANO-04', 'ANO-05', 'ANO-06', 'ANO-07']) {
      expect(
        detected.some((d) => d.anomaly_type === t),
        t,
      ).toBe(true);
    }
    for (const [kind, n] of Object.entries(key.counts)) expect(n, kind).toBeGreaterThan(0);
  });
});
