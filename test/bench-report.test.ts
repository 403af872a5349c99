/**
 * The benchmark's arithmetic: medians and spreads over runs, the ratio to the floor, time per
 * order, the seed comparison's ratios, and the files' shape (results.json: one object per size).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChildResult } from '../bench/pipeline-child.ts';
import { earlierSizes, PHASES, renderResults, summarize } from '../bench/report.ts';

const run = (e2e: number, extract: number, rss: number): ChildResult => ({
  phases: Object.fromEntries(PHASES.map((p) => [p, p === 'extract_standardize' ? extract : 1])),
  detail: { extract_read: extract * 2 },
  pipelineSeconds: e2e - 0.5,
  endToEndSeconds: e2e,
  extracted: { 'salesorder.t_order': 900, 'salesorder.t_order_pay': 100 },
  partitions: [],
  peakRssMb: rss,
  status: 'SUCCEEDED',
  warmupSeconds: 0,
});

const size = summarize({
  ordersPerDay: 1000,
  days: 1,
  sourceRows: { 'salesorder.t_order': 1000, 'salesorder.t_order_pay': 1100 },
  generationSeconds: 2.04,
  runs: [run(30, 10, 400), run(20, 8, 500), run(40, 12, 450)],
  floors: [
    { seconds: 10, rows: 2100, byTable: {} },
    { seconds: 12, rows: 2100, byTable: {} },
    { seconds: 8, rows: 2100, byTable: {} },
  ],
  seedComparison: {
    l2: { seedSeconds: 50, productSeconds: 2, ratio: 25, note: '', seedRows: 10, productRows: 9 },
    l1: {
      seedSeconds: null,
      productSeconds: 1,
      ratio: null,
      note: '> 600 s',
      seedRows: null,
      productRows: 9,
    },
  },
});

describe('bench figures', () => {
  it('takes medians with their spread, the ratio to the floor and the time per order', () => {
    expect(size.end_to_end_s).toBe(30);
    expect(size.end_to_end_spread_s).toEqual([20, 40]);
    expect(size.floor_s).toBe(10);
    expect(size.ratio_to_floor).toBe(3);
    expect(size.time_per_order_us).toBe(30_000);
    expect(size.peak_rss_mb).toBe(500);
    expect(size.phases.extract_standardize).toBe(10);
    expect(size.phases_spread_s.extract_standardize).toEqual([8, 12]);
    expect(size.phase_detail).toEqual({ extract_read: 20 });
    expect(size.source_rows).toBe(2100);
    expect(size.rows_extracted).toBe(1000);
    expect(size.generation_s).toBe(2);
    expect(size.seed_comparison).toEqual({ l2: 25, l1: null });
  });

  it('writes one object per size, ascending, and a report naming every figure', () => {
    const bigger = { ...size, orders_per_day: 10_000, time_per_order_us: 3_300 };
    const { json, markdown } = renderResults({
      startedAt: 'a',
      finishedAt: 'b',
      command: 'npm run bench -- --orders-per-day 1000,10000',
      machine: { cores: 2, cpu: 'x', memoryGiB: 24, freeMemoryGiB: 20, versions: { node: 'v20' } },
      sizes: [bigger, size],
      embedded: [{ args: '(defaults)', seconds: 12.34, peakRssMb: 300 }],
    });
    expect(json.map((s) => s.orders_per_day)).toEqual([1000, 10_000]);
    for (const key of [
      'orders_per_day',
      'source_rows',
      'end_to_end_s',
      'floor_s',
      'ratio_to_floor',
      'peak_rss_mb',
      'phases',
      'seed_comparison',
    ]) {
      expect(json[0]).toHaveProperty(key);
    }
    expect(markdown).toContain('| 1,000 | 2,100 | 3 | 30.0 [20.0 – 40.0] | 10.0 [8.0 – 12.0] | 3.00 |');
    expect(markdown).toContain('| 10,000 | 3300.0 | 0.11 × |');
    expect(markdown).toContain('| 1,000 | l1 | — | 1.00 | > 600 s |');
    expect(markdown).toContain('| (defaults) | 12.3 | 300 |');
  });

  it('keeps sizes an earlier invocation measured, unless measured again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-bench-report-'));
    const file = join(dir, 'results.json');
    expect(earlierSizes(file, [size])).toEqual([]);
    writeFileSync(file, JSON.stringify([size, { ...size, orders_per_day: 5 }]));
    expect(earlierSizes(file, [size]).map((s) => s.orders_per_day)).toEqual([5]);
    writeFileSync(file, 'not json');
    expect(earlierSizes(file, [size])).toEqual([]);
  });
});
