import { describe, expect, it } from 'vitest';
import type { SourceId, SourceTableSpec } from '../sources/spec.ts';
import type { RawRow, SourceSink } from '../sources/types.ts';
import { collectDays, generate } from './generator.ts';
import { type WriteProgress, writeToSinks } from './sinks.ts';

/** An in-memory sink keeping rows by table and primary key. */
class MemorySink implements SourceSink {
  readonly tables = new Map<string, Map<string, RawRow>>();
  readonly calls: string[] = [];
  constructor(readonly source: SourceId) {}
  async createTables() {
    this.calls.push('create');
  }
  async truncateAll() {
    this.calls.push('truncate');
    this.tables.clear();
  }
  async insert(spec: SourceTableSpec, rows: RawRow[]) {
    expect(spec.source).toBe(this.source);
    const m = this.tables.get(spec.table) ?? new Map<string, RawRow>();
    for (const r of rows) {
      expect(m.has(String(r[0])), `duplicate ${spec.table} ${String(r[0])}`).toBe(false);
      m.set(String(r[0]), r);
    }
    this.tables.set(spec.table, m);
    this.calls.push(`insert ${spec.table} ${rows.length}`);
  }
  async upsert(spec: SourceTableSpec, rows: RawRow[]) {
    const m = this.tables.get(spec.table) ?? new Map<string, RawRow>();
    for (const r of rows) {
      expect(m.has(String(r[0])), `upsert of unknown ${spec.table} ${String(r[0])}`).toBe(true);
      m.set(String(r[0]), r);
    }
    this.tables.set(spec.table, m);
    this.calls.push(`upsert ${spec.table} ${rows.length}`);
  }
  async close() {}
}

describe('writeToSinks', () => {
  it('creates tables, writes inserts then updates per chunk, and reports progress per day', async () => {
    const gen = generate({ startDate: '2026-03-02', days: 3, ordersPerDay: 700, seed: 4, chunkOrders: 300 });
    const sinks = {
      salesorder: new MemorySink('salesorder'),
      salespayment: new MemorySink('salespayment'),
      ifiaccounting: new MemorySink('ifiaccounting'),
      iunifiedreconcile: new MemorySink('iunifiedreconcile'),
    };
    const progress: WriteProgress[] = [];
    const afterDay: string[] = [];
    const summary = await writeToSinks(gen, sinks, {
      onProgress: (p) => progress.push(p),
      afterDay: (date, batchEnd) => {
        afterDay.push(`${date} ${batchEnd}`);
      },
      batchRows: 250,
    });
    for (const s of Object.values(sinks)) expect(s.calls[0]).toBe('create');
    expect(afterDay.map((a) => a.slice(0, 10))).toEqual(gen.dates);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)?.totalInserted).toBe(summary.inserted);
    expect(summary.orders).toBe(gen.answerKey().orders);
    // Batches never exceed batchRows.
    for (const s of Object.values(sinks))
      for (const c of s.calls)
        if (c.startsWith('insert')) expect(Number(c.split(' ')[2])).toBeLessThanOrEqual(250);
    // Final sink content = all inserts with updates applied.
    const days = collectDays(gen);
    const expected = new Map<string, Map<string, RawRow>>();
    for (const d of days)
      for (const kind of ['inserts', 'updates'] as const)
        for (const [t, rows] of d[kind]) {
          const m = expected.get(t) ?? new Map<string, RawRow>();
          for (const r of rows) m.set(String(r[0]), r);
          expected.set(t, m);
        }
    const actual = new Map<string, Map<string, RawRow>>();
    for (const s of Object.values(sinks)) for (const [t, m] of s.tables) actual.set(t, m);
    expect(actual).toEqual(expected);
    expect(summary.updated).toBeGreaterThan(0);
  });
});
