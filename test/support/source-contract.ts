/**
 * Shared behaviour tests for every `SourceReader`/`SourceSink` pair (MySQL and embedded): both must
 * return the same exact, normalized values for the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceQueryError } from '../../packages/core/src/errors.ts';
import { type SourceId, type SourceTableSpec, sourceTable } from '../../packages/core/src/sources/spec.ts';
import type { RawRow, ReadWindow, SourceReader, SourceSink } from '../../packages/core/src/sources/types.ts';

/** What a contract run needs from the store under test. */
export interface SourceStoreUnderTest {
  reader(source: SourceId): SourceReader;
  sink(source: SourceId): SourceSink;
  /** Add a column the spec does not know, as the first column of the table. */
  addExtraColumn(spec: SourceTableSpec): Promise<void>;
  cleanup(): Promise<void>;
}

const T_ORDER = sourceTable('t_order');
const T_RECEIPT = sourceTable('t_finance_receipt');
const T_FEE = sourceTable('t_channel_fee');
const T_BILL = sourceTable('t_acc_income_bill');
const T_TRADE = sourceTable('t_trade');
const T_VOUCHER = sourceTable('t_reconcile_voucher');
const T_REFUND = sourceTable('t_refund');

/** 2^53 + 1: a JS number would round it to 2^53. */
export const BIG_ID = '9007199254740993';
export const MAX_BIGINT = '9223372036854775807';
/** 02:30 America/New_York on 2026-03-08 does not exist (spring forward); 07:30 UTC is that instant. */
export const DST_GAP_UTC = '2026-03-08 07:30:00';
export const DST_GAP_LOCAL = '2026-03-08 02:30:00';
const TRICKY_TEXT = 'NO\t1\\x\n\'"é☕,|';

// t_order columns: id, order_no, shop_id, user_id, pay_money, discount_money, order_status,
// pay_status, currency_code, order_type, order_source, create_time, update_time, pay_time,
// complete_time, is_del
export const ORDER_ROWS: RawRow[] = [
  [
    BIG_ID,
    'NO-1',
    MAX_BIGINT,
    null,
    '99999999.99',
    '0.00',
    5,
    1,
    'USD',
    null,
    null,
    DST_GAP_UTC,
    DST_GAP_UTC,
    null,
    null,
    0,
  ],
  [
    '2',
    TRICKY_TEXT,
    '12',
    '9007199254740995',
    '0.10',
    '0.05',
    6,
    1,
    'USD',
    1,
    3,
    DST_GAP_LOCAL,
    DST_GAP_LOCAL,
    DST_GAP_LOCAL,
    '2026-03-08 02:59:59',
    0,
  ],
  [
    '3',
    'NO-3',
    '12',
    '7',
    '4.35',
    '0.00',
    8,
    2,
    'NZD',
    2,
    null,
    '2026-03-07 23:59:59',
    '2026-03-08 00:00:00',
    null,
    null,
    1,
  ],
  [
    '4',
    'NO-4',
    '12',
    '7',
    '1.00',
    '0.00',
    5,
    1,
    'USD',
    2,
    null,
    '2026-03-08 23:59:59',
    '2026-03-09 00:00:00',
    null,
    null,
    0,
  ],
  [
    '5',
    'NO-5',
    '12',
    '7',
    '1.00',
    '0.00',
    5,
    1,
    'USD',
    2,
    null,
    '2026-03-07 00:00:00',
    '2026-03-07 23:59:59',
    null,
    null,
    0,
  ],
];

// t_finance_receipt: id, order_id, order_no, tp_serial_no, receipt_amount, difference_amount,
// receipt_type, receipt_status, shop_id, create_time, update_time, is_del
const RECEIPT_ROWS: RawRow[] = [
  ['10', BIG_ID, 'NO-1', '', '12.34', '0.66', null, 1, '12', DST_GAP_UTC, DST_GAP_UTC, 0],
  ['11', null, null, null, '0.01', '0.00', 2, 0, '12', '2026-03-08 12:00:00', '2026-03-08 12:00:00', 1],
];
// t_channel_fee: id, trade_no, fee_amount, fee_rate, channel_type, create_time, is_del
const FEE_ROWS: RawRow[] = [
  ['20', 'TR-1', MAX_BIGINT, '0.029000', 1, '2026-03-08 10:00:00', 0],
  ['21', 'TR-2', '0', null, null, '2026-03-08 11:00:00', 0],
];
// t_acc_income_bill: id, biz_no, biz_type, income_type, amount, shop_id, bill_status, biz_date,
// create_time, update_time, is_del
const BILL_ROWS: RawRow[] = [
  ['30', 'NO-1', 1, null, '-12.50', '12', 1, '2026-03-08', DST_GAP_UTC, DST_GAP_UTC, 0],
];

async function readAll(
  reader: SourceReader,
  spec: SourceTableSpec,
  window: ReadWindow,
  batchSize?: number,
): Promise<RawRow[][]> {
  const batches: RawRow[][] = [];
  for await (const batch of reader.readPartition(spec, window, batchSize ? { batchSize } : {}))
    batches.push(batch);
  return batches;
}

const byId = (rows: RawRow[]) =>
  [...rows].sort((a, b) => (BigInt(String(a[0])) < BigInt(String(b[0])) ? -1 : 1));
const DAY = { from: '2026-03-08 00:00:00', to: '2026-03-09 00:00:00' };
const WIDE = { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' };

/**
 * Register the contract tests for a store. `open` runs once (tables created empty); the process
 * time zone is America/New_York while the tests run, so any conversion through a JS Date in
 * local time would shift DST-gap values and fail.
 */
export function sourceStoreContract(name: string, open: () => Promise<SourceStoreUnderTest>): void {
  describe(`${name}: SourceReader/SourceSink contract`, () => {
    let store: SourceStoreUnderTest;
    let readers: SourceReader[] = [];
    let sinks: SourceSink[] = [];
    const previousTz = process.env.TZ;
    const reader = (source: SourceId) => {
      const r = store.reader(source);
      readers.push(r);
      return r;
    };
    const sink = (source: SourceId) => {
      const s = store.sink(source);
      sinks.push(s);
      return s;
    };

    beforeAll(async () => {
      process.env.TZ = 'America/New_York';
      store = await open();
      for (const source of ['salesorder', 'salespayment', 'ifiaccounting', 'iunifiedreconcile'] as const) {
        await sink(source).createTables();
      }
      await sink('salesorder').insert(T_ORDER, ORDER_ROWS);
      await sink('salesorder').insert(T_RECEIPT, RECEIPT_ROWS);
      await sink('salespayment').insert(T_FEE, FEE_ROWS);
      await sink('ifiaccounting').insert(T_BILL, BILL_ROWS);
    });

    afterAll(async () => {
      for (const r of readers) await r.close();
      for (const s of sinks) await s.close();
      readers = [];
      sinks = [];
      await store?.cleanup();
      if (previousTz === undefined) delete process.env.TZ;
      else process.env.TZ = previousTz;
    });

    it('returns BIGINT, DECIMAL, DATETIME exactly (ids above 2^53, DST-gap times, NULLs, odd text)', async () => {
      const rows = (await readAll(reader('salesorder'), T_ORDER, WIDE)).flat();
      expect(byId(rows)).toEqual(byId(ORDER_ROWS));
      const first = rows.find((r) => r[0] === BIG_ID)!;
      expect(first[11]).toBe(DST_GAP_UTC);
      expect(typeof first[6]).toBe('number');
      expect(typeof first[15]).toBe('number');
    });

    it('returns DATE as YYYY-MM-DD, negative DECIMAL and DECIMAL(8,6) as exact text, empty string ≠ NULL', async () => {
      expect((await readAll(reader('salesorder'), T_RECEIPT, DAY)).flat()).toEqual(RECEIPT_ROWS);
      expect(byId((await readAll(reader('salespayment'), T_FEE, DAY)).flat())).toEqual(FEE_ROWS);
      expect((await readAll(reader('ifiaccounting'), T_BILL, DAY)).flat()).toEqual(BILL_ROWS);
    });

    it('reads the half-open window [from, to) on the watermark column', async () => {
      const ids = (await readAll(reader('salesorder'), T_ORDER, DAY)).flat().map((r) => r[0]);
      // id 3: update_time = from (included); id 4: update_time = to (excluded); id 5: before from.
      expect([...ids].sort()).toEqual(['2', '3', BIG_ID].sort());
      const narrow = (await readAll(reader('salesorder'), T_ORDER, { from: DST_GAP_LOCAL, to: DST_GAP_UTC }))
        .flat()
        .map((r) => r[0]);
      expect(narrow).toEqual(['2']);
      // Append-only tables window on create_time.
      const fees = (
        await readAll(reader('salespayment'), T_FEE, {
          from: '2026-03-08 10:00:00',
          to: '2026-03-08 11:00:00',
        })
      )
        .flat()
        .map((r) => r[0]);
      expect(fees).toEqual(['20']);
    });

    it('reads the rows with a pre-1970 watermark only when the window asks for invalid watermarks', async () => {
      // t_refund: id, trade_no, refund_amount, refund_status, create_time, update_time,
      // complete_time, is_del
      const valid: RawRow = ['50', 'TR-R0', '100', 1, '2026-03-08 10:00:00', '2026-03-08 10:00:00', null, 0];
      const invalid: RawRow[] = [
        ['51', 'TR-R1', '100', 1, '2026-03-08 10:00:00', '1969-12-31 23:59:59', null, 0],
        ['52', 'TR-R2', '100', 1, '2026-03-08 10:00:00', '1900-01-01 00:00:00', null, 0],
        ['53', 'TR-R3', '100', 1, '2026-03-08 10:00:00', '1000-01-01 00:00:00', null, 0],
      ];
      // First valid instant: a valid watermark, outside the day's window either way.
      const epoch: RawRow = ['54', 'TR-R4', '100', 1, '2026-03-08 10:00:00', '1970-01-01 00:00:00', null, 0];
      await sink('salespayment').insert(T_REFUND, [valid, ...invalid, epoch]);
      expect((await readAll(reader('salespayment'), T_REFUND, DAY)).flat()).toEqual([valid]);
      expect(
        (await readAll(reader('salespayment'), T_REFUND, { ...DAY, invalidWatermarks: false })).flat(),
      ).toEqual([valid]);
      const batches = await readAll(reader('salespayment'), T_REFUND, { ...DAY, invalidWatermarks: true }, 2);
      expect(batches.every((b) => b.length <= 2)).toBe(true);
      expect(byId(batches.flat())).toEqual([valid, ...invalid]);
      // The flag must be a boolean: anything else is refused before a query is sent.
      const odd = { ...DAY, invalidWatermarks: 'yes' as unknown as boolean };
      await expect(readAll(reader('salespayment'), T_REFUND, odd)).rejects.toThrow(
        /invalidWatermarks must be true or false for t_refund/,
      );
    });

    it('returns soft-deleted and non-USD rows (standardization filters them)', async () => {
      const rows = (await readAll(reader('salesorder'), T_ORDER, DAY)).flat();
      const deleted = rows.find((r) => r[0] === '3')!;
      expect(deleted[15]).toBe(1);
      expect(deleted[8]).toBe('NZD');
    });

    it('yields batches of at most batchSize and every row exactly once (ties on the watermark)', async () => {
      const rows: RawRow[] = Array.from({ length: 25 }, (_, i) => [
        String(1000 + i),
        `TR-B${i}`,
        String(100 + i),
        1,
        1,
        null,
        '2026-03-08 10:00:00',
        // 20 rows share one watermark value, so pages must break ties by id.
        i < 20 ? '2026-03-08 12:00:00' : `2026-03-08 13:00:0${i - 20}`,
        null,
        0,
      ]);
      await sink('salespayment').insert(T_TRADE, rows);
      const batches = await readAll(reader('salespayment'), T_TRADE, DAY, 10);
      expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
      expect(byId(batches.flat())).toEqual(rows);
    });

    it('ignores source columns that are not in the spec', async () => {
      const before = byId((await readAll(reader('salesorder'), T_ORDER, WIDE)).flat());
      await store.addExtraColumn(T_ORDER);
      const after = byId((await readAll(reader('salesorder'), T_ORDER, WIDE)).flat());
      expect(after).toEqual(before);
      expect(after[0]).toHaveLength(T_ORDER.columns.length);
    });

    it('upsert replaces the row with the same primary key; insert of a duplicate key fails', async () => {
      const s = sink('iunifiedreconcile');
      const v1: RawRow = [
        '40',
        'V-1',
        'NO-1',
        'TR-1',
        '12',
        '10.00',
        0,
        '2026-03-08',
        DST_GAP_UTC,
        DST_GAP_UTC,
        0,
      ];
      const v2: RawRow = [
        '40',
        'V-1',
        'NO-1',
        'TR-1',
        '12',
        '10.01',
        1,
        '2026-03-08',
        DST_GAP_UTC,
        '2026-03-08 09:00:00',
        1,
      ];
      const other: RawRow = [
        '41',
        'V-2',
        null,
        null,
        '12',
        '1.00',
        1,
        '2026-03-08',
        DST_GAP_UTC,
        DST_GAP_UTC,
        0,
      ];
      await s.insert(T_VOUCHER, [v1]);
      await s.upsert(T_VOUCHER, [v2, other]);
      expect(byId((await readAll(reader('iunifiedreconcile'), T_VOUCHER, DAY)).flat())).toEqual([v2, other]);
      await expect(s.insert(T_VOUCHER, [other])).rejects.toBeInstanceOf(SourceQueryError);
    });

    it('rejects a table of another source with SourceQueryError', async () => {
      await expect(readAll(reader('salespayment'), T_ORDER, DAY)).rejects.toBeInstanceOf(SourceQueryError);
      await expect(sink('salespayment').insert(T_ORDER, ORDER_ROWS)).rejects.toBeInstanceOf(SourceQueryError);
    });

    it('truncateAll empties every table of the source and nothing else', async () => {
      await sink('salesorder').truncateAll();
      expect((await readAll(reader('salesorder'), T_ORDER, WIDE)).flat()).toEqual([]);
      expect((await readAll(reader('salesorder'), T_RECEIPT, WIDE)).flat()).toEqual([]);
      expect((await readAll(reader('ifiaccounting'), T_BILL, WIDE)).flat()).toEqual(BILL_ROWS);
    });
  });
}
