/**
 * Per-level summaries (SPEC §5) on real PostgreSQL and PGlite: totals, matched, exact 2-decimal
 * match rates and every status counted, zeros included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { runMatching } from './match.ts';
import { levelSummaries } from './summary.ts';
import { buildSmallDay, D, D_NEXT, D_PREV, Fixture, matchParams } from './test-fixtures.ts';

describe.each(engineCases())('level summaries on $name', (engine) => {
  let wh: Warehouse;

  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    await buildSmallDay(new Fixture(wh));
    await wh.transaction((tx) => runMatching(tx, matchParams(D_PREV, D_NEXT)));
  });
  afterAll(async () => {
    await engine.cleanup();
  });

  it('counts, matched and exact rates of a business date', async () => {
    expect(await levelSummaries(wh, D)).toEqual([
      {
        level: 'L1',
        total: 3,
        matched: 2,
        matchRate: '66.67',
        byStatus: {
          MISSING_PAYMENT: 1,
          MISSING_TRADE: 0,
          AMOUNT_MISMATCH_ORDER_PAY: 0,
          AMOUNT_MISMATCH_ORDER_TRADE: 0,
          AMOUNT_MISMATCH_PAY_TRADE: 0,
          MATCHED: 2,
        },
      },
      {
        level: 'L2',
        total: 3,
        matched: 1,
        matchRate: '33.33',
        byStatus: { MISSING_RECEIPT: 2, AMOUNT_MISMATCH: 0, MATCHED: 1 },
      },
      {
        level: 'L3',
        total: 2,
        matched: 1,
        matchRate: '50.00',
        byStatus: {
          MISSING_INCOME_BILL: 1,
          MISSING_RECEIPTS: 0,
          MATCHED: 1,
          MATCHED_NET: 0,
          AMOUNT_MISMATCH: 0,
        },
      },
    ]);
  });

  it('MATCHED_NET counts as matched at L3; a full match is 100.00', async () => {
    const [l1, l2, l3] = await levelSummaries(wh, D_PREV);
    expect(l1).toMatchObject({ total: 1, matched: 1, matchRate: '100.00' });
    expect(l2).toMatchObject({ total: 1, matched: 1, matchRate: '100.00' });
    expect(l3).toMatchObject({ total: 2, matched: 2, matchRate: '100.00' });
    expect(l3?.byStatus).toMatchObject({ MATCHED: 1, MATCHED_NET: 1 });
  });

  it('a level without rows has total 0 and a null rate; none matched is 0.00', async () => {
    const [l1, l2, l3] = await levelSummaries(wh, D_NEXT);
    expect(l1).toMatchObject({ total: 0, matched: 0, matchRate: null });
    expect(Object.values(l1?.byStatus ?? {})).toEqual([0, 0, 0, 0, 0, 0]);
    expect(l2).toMatchObject({ total: 0, matched: 0, matchRate: null });
    expect(l3).toMatchObject({ total: 1, matched: 0, matchRate: '0.00', byStatus: { MISSING_RECEIPTS: 1 } });
    const empty = await levelSummaries(wh, '2030-01-01');
    expect(empty.map((s) => [s.level, s.total, s.matchRate])).toEqual([
      ['L1', 0, null],
      ['L2', 0, null],
      ['L3', 0, null],
    ]);
  });
});
