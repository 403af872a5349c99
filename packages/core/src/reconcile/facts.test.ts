/**
 * The reconciliation facts (SPEC §4 step 6) on real PostgreSQL and PGlite: hand-computed totals,
 * rates and amounts per date × level for a small fixture, one detail row per entity, idempotent
 * reloads and window replacement.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Row, Warehouse } from '../warehouse/types.ts';
import { loadFacts } from './facts.ts';
import { runMatching } from './match.ts';
import { buildSmallDay, D, D_NEXT, D_PREV, Fixture, matchParams } from './test-fixtures.ts';

const FACTS = 'recon.dwd_two_way_reconciliation';
const DETAILS = 'recon.dwd_two_way_reconciliation_detail';

const fact = (
  recon_date: string,
  recon_level: string,
  [total_records, matched_records, unmatched_records]: [string, string, string],
  match_rate: string | null,
  [total_amount, matched_amount, unmatched_amount, compared_amount]: [string, string, string, string],
): Row => ({
  recon_date,
  recon_level,
  total_records,
  matched_records,
  unmatched_records,
  match_rate,
  total_amount,
  matched_amount,
  unmatched_amount,
  compared_amount,
});

const detail = (
  recon_level: string,
  entity_key: string,
  shop_id: string,
  match_status: string,
  [left_amount, right_amount, difference_amount]: [string, string | null, string],
  [left_count, right_count]: [number, number],
  detail_status: string | null = null,
  match_key: string | null = null,
  recon_date = D,
): Row => ({
  recon_date,
  recon_level,
  entity_type: recon_level === 'L3' ? 'SHOP_DAY' : 'ORDER',
  entity_key,
  shop_id,
  match_status,
  left_amount,
  right_amount,
  difference_amount,
  left_count,
  right_count,
  detail_status,
  match_key,
});

describe.each(engineCases())('reconciliation facts on $name', (engine) => {
  let wh: Warehouse;
  let f: Fixture;

  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    f = new Fixture(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    await f.clear();
    for (const t of ['stg_recon_level1_results', 'stg_recon_level2_results', 'stg_recon_level3_results']) {
      await wh.execute(`DELETE FROM recon.${t}`);
    }
    await wh.execute(`DELETE FROM ${FACTS}`);
    await wh.execute(`DELETE FROM ${DETAILS}`);
  });

  const matchAndLoad = (from: string, to: string) =>
    wh.transaction(async (tx) => {
      await runMatching(tx, matchParams(from, to));
      return loadFacts(tx, { fromDate: from, toDate: to });
    });
  const facts = (date?: string) =>
    date === undefined
      ? wh.query(`SELECT * FROM ${FACTS} ORDER BY recon_date, recon_level`)
      : wh.query(`SELECT * FROM ${FACTS} WHERE recon_date = CAST(:d AS DATE) ORDER BY recon_level`, {
          d: date,
        });
  const details = (date?: string) =>
    date === undefined
      ? wh.query(`SELECT * FROM ${DETAILS} ORDER BY recon_date, recon_level, entity_key`)
      : wh.query(
          `SELECT * FROM ${DETAILS} WHERE recon_date = CAST(:d AS DATE) ORDER BY recon_level, entity_key`,
          {
            d: date,
          },
        );

  it('one fact row per date × level with hand-computed totals, rates and amounts', async () => {
    await buildSmallDay(f);
    expect(await matchAndLoad(D, D_NEXT)).toEqual({ facts: 6, details: 9 });
    expect(await facts(D)).toEqual([
      // L1: orders 1, 2 MATCHED; order 3 MISSING_PAYMENT. Left = orders, right = payments.
      fact(D, 'L1', ['3', '2', '1'], '66.6667', ['35.00', '30.00', '5.00', '30.00']),
      // L2: order 1 MATCHED; orders 2, 3 MISSING_RECEIPT. Right = receipts.
      fact(D, 'L2', ['3', '1', '2'], '33.3333', ['35.00', '10.00', '25.00', '10.00']),
      // L3: shop 1 MATCHED (10.00 ↔ 10.00); shop 2 MISSING_INCOME_BILL (orders only).
      fact(D, 'L3', ['2', '1', '1'], '50.0000', ['10.00', '10.00', '0.00', '10.00']),
    ]);
    // D+1 has only a shop-day: the order levels get zero rows and a NULL rate.
    expect(await facts(D_NEXT)).toEqual([
      fact(D_NEXT, 'L1', ['0', '0', '0'], null, ['0.00', '0.00', '0.00', '0.00']),
      fact(D_NEXT, 'L2', ['0', '0', '0'], null, ['0.00', '0.00', '0.00', '0.00']),
      fact(D_NEXT, 'L3', ['1', '0', '1'], '0.0000', ['0.00', '0.00', '0.00', '40.00']),
    ]);
  });

  it('MATCHED_NET counts as matched at L3', async () => {
    await buildSmallDay(f);
    await matchAndLoad(D_PREV, D_PREV);
    expect(await facts(D_PREV)).toEqual([
      fact(D_PREV, 'L1', ['1', '1', '0'], '100.0000', ['10.00', '10.00', '0.00', '10.00']),
      fact(D_PREV, 'L2', ['1', '1', '0'], '100.0000', ['10.00', '10.00', '0.00', '10.00']),
      fact(D_PREV, 'L3', ['2', '2', '0'], '100.0000', ['110.00', '110.00', '0.00', '105.00']),
    ]);
  });

  it('one detail row per date × level × entity, in one shape', async () => {
    await buildSmallDay(f);
    await matchAndLoad(D, D_NEXT);
    expect(await details(D)).toEqual([
      detail('L1', '1', '1', 'MATCHED', ['10.00', '10.00', '0.00'], [1, 1]),
      detail('L1', '2', '1', 'MATCHED', ['20.00', '20.00', '0.00'], [1, 1]),
      detail('L1', '3', '2', 'MISSING_PAYMENT', ['5.00', null, '5.00'], [1, 0]),
      detail('L2', '1', '1', 'MATCHED', ['10.00', '10.00', '0.00'], [1, 1], 'NORMAL_FEE', 'ORDER_ID'),
      detail('L2', '2', '1', 'MISSING_RECEIPT', ['20.00', null, '20.00'], [1, 0], 'NO_RECEIPT'),
      detail('L2', '3', '2', 'MISSING_RECEIPT', ['5.00', null, '5.00'], [1, 0], 'NO_RECEIPT'),
      detail('L3', '1', '1', 'MATCHED', ['10.00', '10.00', '0.00'], [1, 1]),
      detail('L3', '2', '2', 'MISSING_INCOME_BILL', ['0.00', '0.00', '0.00'], [0, 0]),
    ]);
    expect(await details(D_NEXT)).toEqual([
      detail('L3', '3', '3', 'MISSING_RECEIPTS', ['0.00', '40.00', '-40.00'], [0, 1], null, null, D_NEXT),
    ]);
  });

  it('reloading a window leaves both fact tables identical; a window replaces only its dates', async () => {
    await buildSmallDay(f);
    await matchAndLoad(D_PREV, D_NEXT);
    const factsBefore = await facts();
    const detailsBefore = await details();
    expect(await matchAndLoad(D_PREV, D_NEXT)).toEqual({ facts: 9, details: 13 });
    expect(await facts()).toEqual(factsBefore);
    expect(await details()).toEqual(detailsBefore);

    // Late data on every date; only D is reloaded.
    await f.receipt({ id: 90, orderIdStr: '2', amount: '20.00', fee: '3.00', shopId: 1 });
    await f.receipt({ id: 91, shopId: 3, amount: '40.00', fee: '1.00', bizDate: D_NEXT });
    await f.receipt({ id: 92, shopId: 6, amount: '1.00', fee: '0.00', bizDate: D_PREV });
    expect(await matchAndLoad(D, D)).toEqual({ facts: 3, details: 8 });
    const outsideD = (rows: Row[]) => rows.filter((r) => r['recon_date'] !== D);
    expect(outsideD(await facts())).toEqual(outsideD(factsBefore));
    expect(outsideD(await details())).toEqual(outsideD(detailsBefore));
    expect((await facts(D))[1]).toMatchObject({
      recon_level: 'L2',
      matched_records: '2',
      match_rate: '66.6667',
    });
  });
});
