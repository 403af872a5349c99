import { describe, expect, it } from 'vitest';
import { sourceTable } from '../sources/spec.ts';
import { parseSourceTimestamp } from '../time.ts';
import { collectDays, EXPECTED_ANOMALY, GENERATED_TABLES, generate, type PlantedKind } from './generator.ts';
import { applyRows, referenceReconcile, type SourceState } from './oracle.ts';

const opts = { startDate: '2026-03-05', days: 6, ordersPerDay: 2000, seed: 2026 } as const;
const HOUR = 3_600_000;

describe('synthetic answer key', () => {
  const gen = generate(opts);
  const days = collectDays(gen);
  const key = gen.answerKey();
  const lastEnd = gen.batchEndOf(gen.dates[gen.dates.length - 1]!);

  it('lists every planted kind with counts that match the conditions', () => {
    const counted: Record<string, number> = {};
    for (const c of key.conditions) counted[c.kind] = (counted[c.kind] ?? 0) + 1;
    for (const kind of Object.keys(EXPECTED_ANOMALY) as PlantedKind[]) {
      expect(key.counts[kind], kind).toBe(counted[kind] ?? 0);
      expect(key.counts[kind], `${kind} planted at least once`).toBeGreaterThan(0);
    }
    for (const c of key.conditions) expect(c.expectedAnomalyType).toBe(EXPECTED_ANOMALY[c.kind]);
    // Entity keys are unique per anomaly type.
    const ids = key.conditions
      .filter((c) => c.expectedAnomalyType)
      .map((c) => `${c.expectedAnomalyType}|${c.entityKey}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('counts soft-deleted, late soft-deleted and late-arriving rows exactly', () => {
    const soft: Record<string, number> = {};
    const lateSoft: Record<string, number> = {};
    const late: Record<string, number> = {};
    for (const d of days) {
      const start = parseSourceTimestamp(d.batchStart)!;
      for (const t of GENERATED_TABLES) {
        const spec = sourceTable(t);
        const del = spec.columns.findIndex((c) => c.name === 'is_del');
        const ci = spec.columns.findIndex((c) => c.name === 'create_time');
        for (const r of d.inserts.get(t) ?? []) {
          if (r[del] === 1) soft[t] = (soft[t] ?? 0) + 1;
          if (parseSourceTimestamp(String(r[ci]))! < start) late[t] = (late[t] ?? 0) + 1;
        }
        for (const r of d.updates.get(t) ?? []) if (r[del] === 1) lateSoft[t] = (lateSoft[t] ?? 0) + 1;
      }
    }
    expect(soft).toEqual(key.softDeleted);
    expect(lateSoft).toEqual(key.lateSoftDeleted);
    expect(late).toEqual(key.lateArrivals);
    expect(Object.keys(soft).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(lateSoft).length).toBeGreaterThanOrEqual(2);
  });

  it('is detected with 100 % precision and recall by a reference reconciliation (final state)', () => {
    const state: SourceState = new Map();
    for (const d of days) {
      applyRows(state, d.inserts);
      applyRows(state, d.updates);
    }
    // Far enough after the last batch that every age threshold has passed.
    const asOf = lastEnd + 80 * HOUR;
    const res = referenceReconcile(state, gen.dates, asOf);
    const expected = new Set(
      key.conditions
        .filter((c) => c.expectedAnomalyType)
        .map((c) => `${c.expectedAnomalyType}|${c.entityKey}`),
    );
    const missed = [...expected].filter((e) => !res.anomalies.has(e));
    const extra = [...res.anomalies].filter((e) => !expected.has(e));
    expect(missed).toEqual([]);
    expect(extra).toEqual([]);
    expect(res.nonUsdOrders).toBe(key.nzdOrders);

    // Unplanted completed USD orders match at L1 and L2 with normal fees.
    const planted = new Set(
      key.conditions.filter((c) => c.expectedAnomalyType && c.details.orderId).map((c) => c.details.orderId),
    );
    let clean = 0;
    for (const [id, s1] of res.l1) {
      if (planted.has(id)) continue;
      clean++;
      expect(s1, id).toBe('MATCHED');
      const s2 = res.l2.get(id)!;
      expect(s2.status, id).toBe('MATCHED');
      expect(s2.feeStatus, id).toBe('NORMAL_FEE');
    }
    expect(clean).toBeGreaterThan(10_000);
    // Receipts without order_id are found through the trade number.
    for (const c of key.conditions.filter((x) => x.kind === 'RECEIPT_BY_TRADE_NO')) {
      expect(res.l2.get(c.entityKey)?.matchKey).toBe('TRADE_NO');
    }
    // Unplanted shop-days match at L3.
    const plantedShopDays = new Set(
      key.conditions.filter((c) => c.expectedAnomalyType === 'ANO-07').map((c) => c.entityKey),
    );
    for (const [k, v] of res.l3) if (!plantedShopDays.has(k)) expect(v.status, k).toBe('MATCHED');
  });

  it('at the last cutoff, reports exactly the conditions already past their age threshold', () => {
    const state: SourceState = new Map();
    for (const d of days) {
      applyRows(state, d.inserts);
      applyRows(state, d.updates);
    }
    const res = referenceReconcile(state, gen.dates, lastEnd);
    const expected = new Set(
      key.conditions
        .filter(
          (c) =>
            c.expectedAnomalyType &&
            (!c.details.detectableAt || parseSourceTimestamp(c.details.detectableAt)! <= lastEnd),
        )
        .map((c) => `${c.expectedAnomalyType}|${c.entityKey}`),
    );
    expect([...res.anomalies].sort()).toEqual([...expected].sort());
    // Stuck refunds of the last three days are not yet 72 h old.
    expect(
      key.conditions.some((c) => c.kind === 'REFUND_STUCK' && !expected.has(`ANO-04|${c.entityKey}`)),
    ).toBe(true);
  });

  it('day by day: late rows raise transient anomalies that clear when they arrive', () => {
    const state: SourceState = new Map();
    for (let i = 0; i < days.length - 1; i++) {
      const d = days[i]!;
      applyRows(state, d.inserts);
      applyRows(state, d.updates);
      const asOf = parseSourceTimestamp(d.batchEnd)!;
      const res = referenceReconcile(state, [d.date], asOf);
      const ano01 = new Set([...res.anomalies].filter((a) => a.startsWith('ANO-01|')).map((a) => a.slice(7)));
      const want01 = new Set(
        key.conditions
          .filter(
            (c) => c.date === d.date && (c.expectedAnomalyType === 'ANO-01' || c.kind === 'LATE_PAYMENT'),
          )
          .map((c) => c.entityKey),
      );
      expect([...ano01].sort()).toEqual([...want01].sort());
      for (const c of key.conditions.filter((x) => x.date === d.date && x.kind === 'LATE_RECEIPT')) {
        expect(res.anomalies.has(`ANO-06|${c.entityKey}`), c.entityKey).toBe(true);
      }
      // Next batch: the late rows arrive and the transient anomalies clear.
      const next = days[i + 1]!;
      const after: SourceState = new Map([...state].map(([t, m]) => [t, new Map(m)]));
      applyRows(after, next.inserts);
      applyRows(after, next.updates);
      const res2 = referenceReconcile(after, [d.date], parseSourceTimestamp(next.batchEnd)!);
      for (const c of key.conditions.filter((x) => x.date === d.date && x.kind.startsWith('LATE_'))) {
        expect(res2.anomalies.has(`ANO-01|${c.entityKey}`)).toBe(false);
        expect(res2.anomalies.has(`ANO-06|${c.entityKey}`)).toBe(false);
        expect(res2.l1.get(c.entityKey)).toBe('MATCHED');
        expect(res2.l2.get(c.entityKey)?.status).toBe('MATCHED');
      }
    }
  });

  it('gives planted conditions the details tests need', () => {
    for (const c of key.conditions) {
      expect(gen.dates).toContain(c.date);
      if (c.expectedAnomalyType && c.expectedAnomalyType !== 'ANO-07')
        expect(c.details.affectedAmount).toMatch(/^\d+\.\d{2}$/);
      if (c.kind === 'INCOME_MISMATCH_HIGH')
        expect(Math.abs(Number(c.details.variancePct))).toBeGreaterThan(2);
      if (c.kind === 'INCOME_MISMATCH_MEDIUM') {
        expect(Math.abs(Number(c.details.variancePct))).toBeLessThanOrEqual(2);
        expect(Math.abs(Number(c.details.variancePct))).toBeGreaterThan(0);
      }
      if (c.kind === 'REFUND_STUCK') {
        expect(parseSourceTimestamp(c.details.detectableAt!)).toBeGreaterThan(
          parseSourceTimestamp(`${c.date} 00:00:00`)! + 72 * HOUR,
        );
      }
    }
  });
});
