import { describe, expect, it } from 'vitest';
import { loadSettings } from '../settings.ts';
import { BusinessCalendar } from '../time.ts';
import type { Watermark, WatermarkStore } from '../warehouse/watermarks.ts';
import type { Runtime } from './runtime.ts';
import { MAX_PARTITIONS, planExtraction } from './tasks.ts';

function runtime(marks: Record<string, string>, overrides: Record<string, unknown> = {}): Runtime {
  const settings = loadSettings({ env: {}, cwd: '/nonexistent', overrides });
  const store: WatermarkStore = {
    get: async () => undefined,
    getAll: async () =>
      Object.entries(marks).map(([table, at]): Watermark => ({
        source: table === 't_channel_fee' || table === 't_trade' ? 'salespayment' : 'salesorder',
        table,
        lastExtractedAt: at,
        lastRunId: 'r',
        rowCount: '0',
        updatedAt: at,
      })),
    advance: async () => true,
  };
  return {
    settings,
    calendar: new BusinessCalendar(settings.businessTimeZone),
    watermarks: store,
  } as unknown as Runtime;
}

const input = { runId: 'plan-test', reconDate: '2026-11-20', asOf: '2026-11-21T11:00:00Z' };

describe('extraction plan', () => {
  it('starts a first run at the start of D − extractionLookbackDays and slices by extractionSliceHours', async () => {
    const plan = await planExtraction(runtime({}), input);
    const order = plan.windows.find((w) => w.table === 't_order')!;
    // 2026-11-17 00:00 EST = 05:00 UTC
    expect(order).toMatchObject({ from: '2026-11-17 05:00:00', to: '2026-11-21 11:00:00', initial: true });
    const parts = plan.partitions.filter((p) => p.table === 't_order');
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      ['2026-11-17 05:00:00', '2026-11-18 05:00:00'],
      ['2026-11-18 05:00:00', '2026-11-19 05:00:00'],
      ['2026-11-19 05:00:00', '2026-11-20 05:00:00'],
      ['2026-11-20 05:00:00', '2026-11-21 05:00:00'],
      ['2026-11-21 05:00:00', '2026-11-21 11:00:00'],
    ]);
    expect(new Set(plan.partitions.map((p) => p.index)).size).toBe(plan.partitions.length);
  });

  it("flags each table's first partition, and only it, to read the rows with invalid watermarks", async () => {
    const resumed = { t_order: '2026-11-20 11:00:00', t_channel_fee: '2026-11-20 11:00:00' };
    for (const marks of [{}, resumed] as Record<string, string>[]) {
      const plan = await planExtraction(runtime(marks), input);
      const tables = [...new Set(plan.partitions.map((p) => p.table))];
      expect(tables.length).toBeGreaterThan(5);
      for (const table of tables) {
        const parts = plan.partitions.filter((p) => p.table === table);
        expect(parts.length).toBeGreaterThan(1);
        expect(parts.map((p) => p.invalidWatermarks === true)).toEqual(parts.map((_, i) => i === 0));
        expect(parts[0]!.from).toBe(plan.windows.find((w) => w.table === table)!.from);
      }
    }
    // A table with nothing to read (as-of at its watermark) reads no invalid rows either.
    const stale = await planExtraction(runtime({ t_order: '2026-11-21 11:00:00' }), input);
    expect(stale.partitions.some((p) => p.table === 't_order')).toBe(false);
  });

  it('continues from the watermark minus the overlap', async () => {
    const plan = await planExtraction(runtime({ t_order: '2026-11-20 11:00:00' }), input);
    const parts = plan.partitions.filter((p) => p.table === 't_order');
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      ['2026-11-20 10:00:00', '2026-11-21 10:00:00'],
      ['2026-11-21 10:00:00', '2026-11-21 11:00:00'],
    ]);
  });

  it('re-reads the whole look-back window of append-only tables, whose watermark a soft delete cannot move', async () => {
    const plan = await planExtraction(runtime({ t_channel_fee: '2026-11-20 11:00:00' }), input);
    expect(plan.windows.find((w) => w.table === 't_channel_fee')!.from).toBe('2026-11-17 05:00:00');
  });

  it('reads nothing for a table whose watermark is already at or past the as-of', async () => {
    const plan = await planExtraction(
      runtime({ t_order: '2026-11-21 11:00:00', t_trade: '2026-11-22 00:00:00' }),
      input,
    );
    expect(plan.partitions.filter((p) => p.table === 't_order' || p.table === 't_trade')).toEqual([]);
    expect(plan.partitions.some((p) => p.table === 't_order_pay')).toBe(true);
  });

  it('refuses an as-of in the future', async () => {
    await expect(planExtraction(runtime({}), { ...input, asOf: '2099-01-01T00:00:00Z' })).rejects.toThrow(
      /in the future/,
    );
  });

  it('refuses a plan whose partition results would not fit the execution state, saying what to set', async () => {
    const error = await planExtraction(runtime({}, { extractionSliceHours: 1 }), input).catch(
      (e: Error) => e,
    );
    expect(String(error)).toMatch(
      /the extraction plan has \d+ partitions, more than 200 .* set extractionSliceHours to \d+ or more/,
    );
    const suggested = Number(/extractionSliceHours to (\d+)/.exec(String(error))![1]);
    const ok = await planExtraction(runtime({}, { extractionSliceHours: suggested }), input);
    expect(ok.partitions.length).toBeLessThanOrEqual(MAX_PARTITIONS);
    await expect(planExtraction(runtime({}, { extractionSliceHours: suggested - 1 }), input)).rejects.toThrow(
      /more than 200/,
    );
  });
});
