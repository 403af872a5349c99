import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../pipeline/tasks.ts';
import { renderRun } from './output.ts';

function summary(average30d: string | null, spike: boolean): RunSummary {
  return {
    reconDate: '2026-11-20',
    tables: [],
    totals: {
      extracted: 0,
      standardized: 0,
      softDeleted: 0,
      nonUsd: 0,
      deadLettered: 0,
      loaded: 0,
      deleted: 0,
    },
    levels: [],
    phases: {},
    durationSeconds: 1,
    dq: [],
    anomalies: { total: 30, byType: {}, average30d, spike, openTotal: 41, applied: null },
  } as unknown as RunSummary;
}

describe('the run summary', () => {
  it('shows the 30-day anomaly average to one decimal (exact in --json)', () => {
    expect(renderRun(summary('28.0000000000000000', false))).toContain(
      'Anomalies of 2026-11-20: 30 · 30-day average 28.0 · open in all: 41',
    );
    expect(renderRun(summary('12.3456', true))).toContain(
      '30 · SPIKE: more than the multiplier × the 30-day average 12.3 · open in all: 41',
    );
    expect(renderRun(summary(null, false))).toContain('Anomalies of 2026-11-20: 30 · open in all: 41');
  });
});
