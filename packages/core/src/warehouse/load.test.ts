import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WarehouseError } from '../errors.ts';
import { sourceTable } from '../sources/spec.ts';
import {
  type DeadLetterRow,
  insertDeadLetters,
  loadStagingTable,
  purgeExpiredDeadLetters,
  truncateUtf8,
} from './load.ts';
import { migrate } from './migrate.ts';
import { engineCases } from './test-helpers.ts';
import type { Warehouse } from './types.ts';

const payments = sourceTable('t_order_pay');
const orders = sourceTable('t_order');

type Cell = string | null;

/** A staging CSV line: text quoted, NULL as \N, then the _deleted flag. */
function line(values: readonly Cell[], deleted = false): string {
  const cells = values.map((v) => (v === null ? '\\N' : `"${v.replaceAll('"', '""')}"`));
  return `${[...cells, deleted ? 'true' : 'false'].join(',')}\n`;
}

/** A payment row: order_pay_id, order_id, order_id_str, trade_no, amount, pay_type, pay_status, create, update, biz_date. */
function payment(id: number, updateTime: string, amount = '10.00', tradeNo = `T${id}`): Cell[] {
  return [
    String(id),
    String(1000 + id),
    String(1000 + id),
    tradeNo,
    amount,
    '1',
    '1',
    '2024-03-01 09:00:00',
    updateTime,
    '2024-03-01',
  ];
}

/** A tombstone: only key and version filled. */
function tombstone(id: number, updateTime: string): string {
  const cells: Cell[] = payments.staging.columns.map((c) =>
    c.name === 'order_pay_id' ? String(id) : c.name === 'update_time' ? updateTime : null,
  );
  return line(cells, true);
}

let dir: string;
let fileNo = 0;
async function csv(content: string): Promise<string> {
  const path = join(dir, `f${++fileNo}.csv`);
  await writeFile(path, content);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(engineCases())('staging load on $name', (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    await wh.execute('DELETE FROM recon.stg_recon_payments');
    await wh.execute('DELETE FROM recon.stg_recon_orders');
    await wh.execute('DELETE FROM recon.dwd_recon_dead_letter');
    await wh.execute('DELETE FROM recon.stg_recon_tombstones');
  });

  const snapshot = () =>
    wh.query('SELECT * FROM recon.stg_recon_payments ORDER BY order_pay_id') as Promise<
      Record<string, unknown>[]
    >;
  const load = (path: string) => wh.transaction((tx) => loadStagingTable(tx, payments, path));

  it('keeps the latest version per key from one file', async () => {
    const path = await csv(
      line(payment(1, '2024-03-01 10:00:00', '10.00')) +
        line(payment(1, '2024-03-01 11:00:00', '12.34')) +
        line(payment(2, '2024-03-01 10:00:00')) +
        line(payment(3, '2024-03-01 10:00:00')),
    );
    expect(await load(path)).toEqual({
      incoming: 4,
      upserted: 3,
      deleted: 0,
      staleSkipped: 0,
      incomingLive: 4,
      pkConflicts: 0,
    });
    const rows = await snapshot();
    expect(rows.map((r) => [r['order_pay_id'], r['pay_amount_usd'], r['update_time']])).toEqual([
      ['1', '12.34', '2024-03-01 11:00:00'],
      ['2', '10.00', '2024-03-01 10:00:00'],
      ['3', '10.00', '2024-03-01 10:00:00'],
    ]);
    expect(rows[0]).toEqual({
      order_pay_id: '1',
      order_id: '1001',
      order_id_str: '1001',
      trade_no: 'T1',
      pay_amount_usd: '12.34',
      pay_type: 1,
      pay_status: 1,
      create_time: '2024-03-01 09:00:00',
      update_time: '2024-03-01 11:00:00',
      biz_date: '2024-03-01',
    });
  });

  it('replaces older stored rows, skips stale incoming rows and applies tombstones; a rerun changes nothing', async () => {
    await load(
      await csv(
        line(payment(1, '2024-03-01 11:00:00', '12.34')) +
          line(payment(2, '2024-03-01 10:00:00')) +
          line(payment(3, '2024-03-01 10:00:00')),
      ),
    );
    const second = await csv(
      line(payment(1, '2024-03-01 09:00:00', '99.99')) + // older than stored: stale
        line(payment(2, '2024-03-01 12:00:00', '20.00')) + // newer: replaces
        tombstone(3, '2024-03-01 12:00:00') + // deletes
        tombstone(4, '2024-03-01 12:00:00') + // unknown key: nothing to delete
        line(payment(5, '2024-03-01 12:00:00', '5.55')), // new
    );
    expect(await load(second)).toEqual({
      incoming: 5,
      upserted: 2,
      deleted: 1,
      staleSkipped: 1,
      incomingLive: 3,
      pkConflicts: 0,
    });
    const after = await snapshot();
    expect(after.map((r) => [r['order_pay_id'], r['pay_amount_usd']])).toEqual([
      ['1', '12.34'],
      ['2', '20.00'],
      ['5', '5.55'],
    ]);
    const rerun = await load(second);
    expect(rerun.deleted).toBe(0);
    expect(rerun.staleSkipped).toBe(1);
    expect(await snapshot()).toEqual(after);
  });

  it('lets a tombstone win a version tie, in the file and against the stored row', async () => {
    await load(await csv(line(payment(7, '2024-03-01 10:00:00'))));
    const tie = await csv(
      line(payment(6, '2024-03-01 10:00:00')) +
        tombstone(6, '2024-03-01 10:00:00') +
        tombstone(7, '2024-03-01 10:00:00'),
    );
    expect(await load(tie)).toEqual({
      incoming: 3,
      upserted: 0,
      deleted: 1,
      staleSkipped: 0,
      incomingLive: 1,
      pkConflicts: 0,
    });
    expect(await snapshot()).toEqual([]);
  });

  it('keeps a stored row when the tombstone is older', async () => {
    await load(await csv(line(payment(8, '2024-03-01 10:00:00'))));
    expect(await load(await csv(tombstone(8, '2024-03-01 09:59:59')))).toEqual({
      incoming: 1,
      upserted: 0,
      deleted: 0,
      staleSkipped: 1,
      incomingLive: 0,
      pkConflicts: 0,
    });
    expect((await snapshot()).map((r) => r['order_pay_id'])).toEqual(['8']);
  });

  it('counts keys extracted twice with different content at the same version, not identical re-reads', async () => {
    const path = await csv(
      line(payment(30, '2024-03-01 10:00:00', '1.00')) +
        line(payment(30, '2024-03-01 10:00:00', '1.50')) + // same key and version, other content
        line(payment(31, '2024-03-01 10:00:00')) +
        line(payment(31, '2024-03-01 10:00:00')) + // identical re-read (extraction overlap)
        line(payment(32, '2024-03-01 10:00:00')) +
        line(payment(32, '2024-03-01 11:00:00', '2.00')), // a later version: not a conflict
    );
    expect(await load(path)).toMatchObject({ incoming: 6, incomingLive: 6, pkConflicts: 1 });
  });

  it('never lets a version extracted before a deletion come back, whatever order the loads commit in', async () => {
    // Run B (later) saw the deletion and loaded first; run A (earlier extraction) loads after.
    await load(await csv(line(payment(20, '2024-03-01 10:00:00'))));
    expect(await load(await csv(tombstone(20, '2024-03-01 13:30:00')))).toMatchObject({ deleted: 1 });
    expect(await load(await csv(line(payment(20, '2024-03-01 12:00:00', '12.00'))))).toEqual({
      incoming: 1,
      upserted: 0,
      deleted: 0,
      staleSkipped: 1,
      incomingLive: 1,
      pkConflicts: 0,
    });
    expect(await snapshot()).toEqual([]);
    // A deletion of a key never loaded is remembered too.
    await load(await csv(tombstone(21, '2024-03-01 13:30:00')));
    await load(await csv(line(payment(21, '2024-03-01 13:30:00'))));
    expect(await snapshot()).toEqual([]);
    const stored = await wh.query(
      'SELECT table_name, pk, version FROM recon.stg_recon_tombstones ORDER BY pk',
    );
    expect(stored).toEqual([
      { table_name: 'stg_recon_payments', pk: '20', version: '2024-03-01 13:30:00' },
      { table_name: 'stg_recon_payments', pk: '21', version: '2024-03-01 13:30:00' },
    ]);
  });

  it('restores a deleted key when a newer version arrives, and forgets the deletion', async () => {
    await load(await csv(tombstone(22, '2024-03-01 10:00:00')));
    await load(await csv(line(payment(22, '2024-03-01 11:00:00', '3.00'))));
    expect((await snapshot()).map((r) => [r['order_pay_id'], r['pay_amount_usd']])).toEqual([['22', '3.00']]);
    expect(await wh.query('SELECT pk FROM recon.stg_recon_tombstones')).toEqual([]);
    // An older deletion arriving late leaves the newer row and records nothing.
    await load(await csv(tombstone(22, '2024-03-01 10:30:00')));
    expect((await snapshot()).map((r) => r['order_pay_id'])).toEqual(['22']);
    expect(await wh.query('SELECT pk FROM recon.stg_recon_tombstones')).toEqual([]);
  });

  it('replaces a stored row with an incoming row of the same version (late same-second update)', async () => {
    await load(await csv(line(payment(9, '2024-03-01 10:00:00', '1.00'))));
    await load(await csv(line(payment(9, '2024-03-01 10:00:00', '2.00'))));
    expect((await snapshot()).map((r) => r['pay_amount_usd'])).toEqual(['2.00']);
  });

  it('loads several tables, and the same table twice, in one transaction (temp tables are dropped)', async () => {
    const orderCells: Cell[] = orders.staging.columns.map((c) => {
      switch (c.name) {
        case 'order_id':
        case 'order_id_str':
          return '42';
        case 'order_no':
          return 'NO-42, "quoted"';
        case 'shop_id':
          return '7';
        case 'pay_amount_usd':
        case 'discount_amount_usd':
          return '3.50';
        case 'order_status':
        case 'pay_status':
          return '5';
        case 'currency_code':
          return 'USD';
        case 'create_time':
        case 'update_time':
          return '2024-03-01 10:00:00';
        case 'biz_date':
          return '2024-03-01';
        default:
          return null;
      }
    });
    const a = await csv(line(payment(10, '2024-03-01 10:00:00')));
    const b = await csv(line(payment(10, '2024-03-01 11:00:00', '11.00')));
    const o = await csv(line(orderCells));
    const results = await wh.transaction(async (tx) => [
      await loadStagingTable(tx, payments, a),
      await loadStagingTable(tx, orders, o),
      await loadStagingTable(tx, payments, b),
    ]);
    expect(results.map((r) => r.upserted)).toEqual([1, 1, 1]);
    expect((await snapshot()).map((r) => r['pay_amount_usd'])).toEqual(['11.00']);
    const [order] = await wh.query('SELECT order_no, user_id, pay_amount_usd FROM recon.stg_recon_orders');
    expect(order).toEqual({ order_no: 'NO-42, "quoted"', user_id: null, pay_amount_usd: '3.50' });
  });

  it('loads a CSV named as a load source like a CSV path, and refuses a Parquet COPY from S3', async () => {
    const path = await csv(line(payment(7, '2024-03-01 10:00:00', '70.07')));
    const r = await wh.transaction((tx) => loadStagingTable(tx, payments, { kind: 'csv', path }));
    expect(r).toMatchObject({ incoming: 1, upserted: 1 });
    expect((await snapshot()).map((row) => row['pay_amount_usd'])).toEqual(['70.07']);
    await expect(
      wh.transaction((tx) =>
        tx.copyParquetObject('recon.stg_recon_payments', ['order_pay_id'], 's3://b12/k.parquet'),
      ),
    ).rejects.toThrow(/cannot COPY a Parquet object from S3.*copyCsvFile/);
  });

  it('rolls the whole load back when a later step fails', async () => {
    await load(await csv(line(payment(11, '2024-03-01 10:00:00'))));
    const good = await csv(line(payment(11, '2024-03-01 12:00:00', '50.00')));
    // A non-tombstone row missing a NOT NULL column fails the INSERT after the DELETE ran.
    const broken: Cell[] = payment(12, '2024-03-01 12:00:00');
    broken[3] = null;
    const bad = await csv(line(broken));
    await expect(
      wh.transaction(async (tx) => {
        await loadStagingTable(tx, payments, good);
        await loadStagingTable(tx, payments, bad);
      }),
    ).rejects.toBeInstanceOf(WarehouseError);
    expect((await snapshot()).map((r) => [r['order_pay_id'], r['pay_amount_usd']])).toEqual([
      ['11', '10.00'],
    ]);
  });

  it('names the merge model when a merge statement fails', async () => {
    const broken: Cell[] = payment(13, '2024-03-01 12:00:00');
    broken[3] = null;
    const error = await load(await csv(line(broken))).catch((e: unknown) => e);
    expect((error as WarehouseError).context['model']).toBe('staging/merge_staging.sql');
  });

  describe('dead letters', () => {
    const letter = (over: Partial<DeadLetterRow> = {}): DeadLetterRow => ({
      runId: 'run-1',
      reconDate: '2024-03-01',
      sourceName: 'salesorder',
      tableName: 't_order_pay',
      sourcePk: '1',
      sourceVersion: '2024-03-01 10:00:00',
      reason: 'NEGATIVE_AMOUNT pay_money=-5',
      rawRow: '{"id":"1","pay_money":"-5"}',
      createdAt: '2024-03-02 06:00:00',
      ...over,
    });
    const count = async () =>
      (await wh.query('SELECT COUNT(*) AS n FROM recon.dwd_recon_dead_letter'))[0]?.['n'];

    it('inserts dead letters once: a rerun adds nothing, a new reason or version adds a row', async () => {
      const rows = [
        letter(),
        letter({ sourcePk: '2' }),
        letter({ sourcePk: null, sourceVersion: null, reason: 'NULL_KEY', rawRow: '{"id":null}' }),
      ];
      expect(await wh.transaction((tx) => insertDeadLetters(tx, rows))).toBe(3);
      expect(
        await wh.transaction((tx) =>
          insertDeadLetters(
            tx,
            rows.map((r) => ({ ...r, runId: 'run-2' })),
          ),
        ),
      ).toBe(0);
      expect(
        await wh.transaction((tx) =>
          insertDeadLetters(tx, [
            letter({ reason: 'OTHER' }),
            letter({ sourceVersion: '2024-03-01 11:00:00' }),
          ]),
        ),
      ).toBe(2);
      expect(await count()).toBe('5');
      const [stored] = await wh.query(
        'SELECT run_id, recon_date, source_pk, source_version, raw_row, created_at FROM recon.dwd_recon_dead_letter WHERE source_pk IS NULL',
      );
      expect(stored).toEqual({
        run_id: 'run-1',
        recon_date: '2024-03-01',
        source_pk: null,
        source_version: null,
        raw_row: '{"id":null}',
        created_at: '2024-03-02 06:00:00',
      });
    });

    it('purges dead letters stored longer ago than the retention, and only those', async () => {
      const daysAgo = (d: number) =>
        new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
      await wh.transaction((tx) =>
        insertDeadLetters(tx, [
          letter({ sourcePk: 'old', createdAt: daysAgo(31) }),
          letter({ sourcePk: 'recent', createdAt: daysAgo(29) }),
        ]),
      );
      expect(await wh.transaction((tx) => purgeExpiredDeadLetters(tx, 30))).toBe(1);
      const left = await wh.query<{ source_pk: string }>(
        "SELECT source_pk FROM recon.dwd_recon_dead_letter WHERE source_pk IN ('old', 'recent')",
      );
      expect(left).toEqual([{ source_pk: 'recent' }]);
      expect(await wh.transaction((tx) => purgeExpiredDeadLetters(tx, 30))).toBe(0);
      await expect(wh.transaction((tx) => purgeExpiredDeadLetters(tx, 0))).rejects.toThrow(RangeError);
    });

    it('de-duplicates within one call and keeps distinct keyless rows apart', async () => {
      const rows = [
        letter(),
        letter({ runId: 'dup' }),
        letter({ sourcePk: null, reason: 'NULL_KEY', rawRow: '{"a":1}' }),
        letter({ sourcePk: null, reason: 'NULL_KEY', rawRow: '{"a":2}' }),
        letter({ sourcePk: null, reason: 'NULL_KEY', rawRow: '{"a":2}' }),
      ];
      expect(await wh.transaction((tx) => insertDeadLetters(tx, rows))).toBe(3);
    });

    it('binds values in batches, including quotes and long raw rows', async () => {
      const rows = Array.from({ length: 1203 }, (_, i) =>
        letter({
          sourcePk: String(i),
          rawRow: `{"note":"it's; a \\"test\\"","i":${i}}`,
          createdAt: undefined,
        }),
      );
      expect(await wh.transaction((tx) => insertDeadLetters(tx, rows, { batchSize: 500 }))).toBe(1203);
      expect(await count()).toBe('1203');
      const long = letter({ sourcePk: 'long', rawRow: 'é'.repeat(40_000) });
      expect(await wh.transaction((tx) => insertDeadLetters(tx, [long]))).toBe(1);
      const [stored] = await wh.query(
        "SELECT LENGTH(raw_row) AS n FROM recon.dwd_recon_dead_letter WHERE source_pk = 'long'",
      );
      expect(stored?.['n']).toBe(32_767);
    });

    it('does nothing for an empty list', async () => {
      expect(await wh.transaction((tx) => insertDeadLetters(tx, []))).toBe(0);
    });
  });
});

describe('truncateUtf8', () => {
  it('cuts at a byte budget without splitting characters', () => {
    expect(truncateUtf8('abc', 5)).toBe('abc');
    expect(truncateUtf8('ééé', 5)).toBe('éé');
    expect(truncateUtf8('a✓b', 3)).toBe('a');
  });
});
