import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';
import { engineCases } from './test-helpers.ts';
import type { Warehouse } from './types.ts';
import { WarehouseWatermarkStore } from './watermarks.ts';

describe.each(engineCases())('watermarks on $name', (engine) => {
  let wh: Warehouse;
  let store: WarehouseWatermarkStore;
  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    store = new WarehouseWatermarkStore(wh, () => new Date('2024-03-02T06:00:00Z'));
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    await wh.execute('DELETE FROM recon.etl_watermarks');
  });

  it('has no watermark before the first load', async () => {
    expect(await store.get('salesorder', 't_order')).toBeUndefined();
    expect(await store.getAll()).toEqual([]);
  });

  it('creates, then only moves forward', async () => {
    expect(await store.advance('salesorder', 't_order', '2024-03-01 10:00:00', 'run-1', 5)).toBe(true);
    expect(await store.advance('salesorder', 't_order', '2024-03-01 09:00:00', 'run-2', 7)).toBe(false);
    expect(await store.advance('salesorder', 't_order', '2024-03-01 10:00:00', 'run-3', 7)).toBe(false);
    expect(await store.get('salesorder', 't_order')).toEqual({
      source: 'salesorder',
      table: 't_order',
      lastExtractedAt: '2024-03-01 10:00:00',
      lastRunId: 'run-1',
      rowCount: '5',
      updatedAt: '2024-03-02 06:00:00',
    });
    expect(
      await store.advance('salesorder', 't_order', '2024-03-01 10:00:00.5', 'run-4', 9007199254740993n),
    ).toBe(true);
    const moved = await store.get('salesorder', 't_order');
    expect(moved?.lastExtractedAt).toBe('2024-03-01 10:00:00.5');
    expect(moved?.lastRunId).toBe('run-4');
    expect(moved?.rowCount).toBe('9007199254740993');
  });

  it('keeps one row per table and lists them in order', async () => {
    await store.advance('salespayment', 't_trade', '2024-03-01 10:00:00', 'r', 1);
    await store.advance('salesorder', 't_order_pay', '2024-03-01 10:00:00', 'r', 1);
    await store.advance('salesorder', 't_order', '2024-03-01 10:00:00', 'r', 1);
    await store.advance('salesorder', 't_order', '2024-03-01 11:00:00', 'r2', 2);
    const all = await store.getAll();
    expect(all.map((w) => `${w.source}.${w.table}@${w.lastExtractedAt}`)).toEqual([
      'salesorder.t_order@2024-03-01 11:00:00',
      'salesorder.t_order_pay@2024-03-01 10:00:00',
      'salespayment.t_trade@2024-03-01 10:00:00',
    ]);
  });

  it('advances inside a load transaction and rolls back with it', async () => {
    await expect(
      wh.transaction(async (tx) => {
        expect(
          await new WarehouseWatermarkStore(tx).advance(
            'salesorder',
            't_order',
            '2024-03-01 10:00:00',
            'r',
            1,
          ),
        ).toBe(true);
        throw new Error('load failed');
      }),
    ).rejects.toThrow('load failed');
    expect(await store.get('salesorder', 't_order')).toBeUndefined();
  });

  it('rejects a watermark that is not UTC timestamp text', async () => {
    await expect(store.advance('salesorder', 't_order', '2024-03-01T10:00:00Z', 'r', 1)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('concurrent advances (PostgreSQL)', () => {
  it('end at the latest watermark with one row, whatever the interleaving', async () => {
    const [engine] = engineCases();
    const wh = await engine!.open();
    try {
      await migrate(wh);
      const store = new WarehouseWatermarkStore(wh);
      const targets = Array.from(
        { length: 12 },
        (_, i) => `2024-03-01 ${String(10 + (i % 6)).padStart(2, '0')}:00:0${i % 10}`,
      );
      const moved = await Promise.all(
        targets.map((to, i) => store.advance('salesorder', 't_order', to, `r${i}`, i)),
      );
      expect(moved).toContain(true);
      const all = await store.getAll();
      expect(all).toHaveLength(1);
      expect(all[0]?.lastExtractedAt).toBe([...targets].sort().at(-1));
    } finally {
      await engine!.cleanup();
    }
  });
});
