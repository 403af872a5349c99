import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceStoreContract } from '../../../../test/support/source-contract.ts';
import { SourceQueryError } from '../errors.ts';
import { quoteIdent } from './ddl.ts';
import { EmbeddedSources, embeddedCopySql, encodeCopyText, parseCopyText } from './embedded.ts';
import { type SourceId, sourceTable } from './spec.ts';
import type { RawRow } from './types.ts';

const T_ORDER = sourceTable('t_order');
const T_FEE = sourceTable('t_channel_fee');
const DAY = { from: '2026-03-08 00:00:00', to: '2026-03-09 00:00:00' };

sourceStoreContract('embedded (PGlite)', async () => {
  const embedded = new EmbeddedSources('memory://');
  return {
    reader: (source: SourceId) => embedded.reader(source),
    sink: (source: SourceId) => embedded.sink(source),
    async addExtraColumn(spec) {
      const db = await embedded.db();
      const table = `${quoteIdent(spec.source, 'postgres')}.${quoteIdent(spec.table, 'postgres')}`;
      await db.exec(`ALTER TABLE ${table} ADD COLUMN extra_note VARCHAR(20) NOT NULL DEFAULT 'x'`);
    },
    cleanup: () => embedded.close(),
  };
});

describe('embedded COPY text codec', () => {
  it('round-trips NULL, empty text, backslashes, tabs, newlines and carriage returns', () => {
    const rows: RawRow[] = [
      ['1', 'a\tb\\c\nd\re', MAX, null, 7, '2026-03-08 07:30:00', 0],
      ['2', '', '0', '0.000001', null, '2026-03-08 07:30:01', 1],
      ['3', '\\N', '1', null, -3, '2026-03-08 07:30:02', 0],
    ];
    expect(parseCopyText(T_FEE, encodeCopyText(T_FEE, rows))).toEqual(rows);
  });

  it('decodes the octal and hex escapes PostgreSQL may emit', () => {
    const text = '1\tx\\101\\x42\\\\\t2\t\\N\t\\N\t2026-03-08 07:30:00\t0\n';
    expect(parseCopyText(T_FEE, text)).toEqual([['1', 'xAB\\', '2', null, null, '2026-03-08 07:30:00', 0]]);
  });

  it('binds window and cursor through settings, never into the SQL text', () => {
    const sql = embeddedCopySql(T_FEE, true);
    expect(sql).toContain(`"create_time" >= current_setting('recon.from')::timestamp`);
    expect(sql).toContain(
      `("create_time", "id") > (current_setting('recon.after_wm')::timestamp, current_setting('recon.after_id')::bigint)`,
    );
    expect(sql).toContain('ORDER BY "create_time", "id"');
    expect(sql).toContain('FROM "salespayment"."t_channel_fee"');
  });
});

const MAX = '9223372036854775807';

describe('EmbeddedSources', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recon-embedded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each source in its own schema of one database and persists in a data dir', async () => {
    const first = new EmbeddedSources(join(dir, 'db'));
    await first.createAll();
    const row: RawRow = [
      '1',
      'NO-1',
      '1',
      null,
      '1.00',
      '0.00',
      5,
      1,
      'USD',
      null,
      null,
      '2026-03-08 07:30:00',
      '2026-03-08 07:30:00',
      null,
      null,
      0,
    ];
    await first.sink('salesorder').insert(T_ORDER, [row]);
    const db = await first.db();
    const schemas = await db.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('salesorder','salespayment','ifiaccounting','iunifiedreconcile') ORDER BY 1, 2`,
    );
    expect(schemas.rows.map((r) => `${r.table_schema}.${r.table_name}`)).toEqual([
      'ifiaccounting.t_acc_income_bill',
      'ifiaccounting.t_pre_voucher_entry',
      'iunifiedreconcile.t_reconcile_voucher',
      'salesorder.t_finance_receipt',
      'salesorder.t_order',
      'salesorder.t_order_pay',
      'salespayment.t_channel_fee',
      'salespayment.t_refund',
      'salespayment.t_trade',
    ]);
    await first.close();
    expect(db.closed).toBe(true);

    const second = new EmbeddedSources(join(dir, 'db'));
    try {
      const batches: RawRow[][] = [];
      for await (const b of second.reader('salesorder').readPartition(T_ORDER, DAY)) batches.push(b);
      expect(batches).toEqual([[row]]);
    } finally {
      await second.close();
    }
  });

  it('uses a PGlite instance passed in without closing it; reading a missing table is a SourceQueryError', async () => {
    const pg = new PGlite();
    const store = new EmbeddedSources(pg);
    try {
      const read = async () => {
        for await (const _ of store.reader('salespayment').readPartition(T_FEE, DAY)) {
          // drain
        }
      };
      await expect(read()).rejects.toBeInstanceOf(SourceQueryError);
      await store.sink('salespayment').createTables();
      await store.sink('salespayment').createTables(); // idempotent
      await read();
      await store.close();
      expect(pg.closed).toBe(false);
    } finally {
      await pg.close();
    }
  });

  it('pages through many rows with equal watermarks in order, each exactly once', async () => {
    const store = new EmbeddedSources('memory://');
    try {
      await store.sink('salespayment').createTables();
      const rows: RawRow[] = Array.from({ length: 1234 }, (_, i) => [
        String(5000 - i),
        `T${i}`,
        String(i),
        null,
        null,
        `2026-03-08 0${i % 3}:00:00`,
        i % 2,
      ]);
      await store.sink('salespayment').insert(T_FEE, rows);
      const sizes: number[] = [];
      const ids: string[] = [];
      for await (const batch of store.reader('salespayment').readPartition(T_FEE, DAY, { batchSize: 100 })) {
        sizes.push(batch.length);
        for (const r of batch) ids.push(String(r[0]));
      }
      expect(sizes).toEqual([...Array(12).fill(100), 34]);
      expect(new Set(ids).size).toBe(1234);
      const expected = [...rows]
        .sort((a, b) => String(a[5]).localeCompare(String(b[5])) || Number(a[0]) - Number(b[0]))
        .map((r) => String(r[0]));
      expect(ids).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('upsert keeps the last version when a key repeats within one call', async () => {
    const store = new EmbeddedSources('memory://');
    try {
      await store.sink('salespayment').createTables();
      const a: RawRow = ['1', 'T', '1', null, null, '2026-03-08 01:00:00', 0];
      const b: RawRow = ['1', 'T', '2', null, null, '2026-03-08 01:00:00', 1];
      await store.sink('salespayment').upsert(T_FEE, [a, b]);
      const got: RawRow[] = [];
      for await (const batch of store.reader('salespayment').readPartition(T_FEE, DAY)) got.push(...batch);
      expect(got).toEqual([b]);
    } finally {
      await store.close();
    }
  });
});
