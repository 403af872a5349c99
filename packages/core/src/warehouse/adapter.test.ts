import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerModel } from '@recon/sql';
import { Decimal } from 'decimal.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError, WarehouseTransientError } from '../errors.ts';
import { PostgresWarehouse } from './postgres.ts';
import { engineCases, testPgUrl, withDatabase } from './test-helpers.ts';
import type { Warehouse } from './types.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-wh-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(engineCases())('$name warehouse adapter', (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await engine.open();
    await wh.execute(`CREATE TABLE vals (
      big BIGINT, num NUMERIC(38,10), money DECIMAL(12,2), ts TIMESTAMP, d DATE, b BOOLEAN,
      i INTEGER, s VARCHAR(200))`);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  afterEach(async () => {
    await wh.execute('DELETE FROM vals');
  });

  describe('value normalization', () => {
    it('returns BIGINT above 2^53 and NUMERIC exactly, as strings', async () => {
      await wh.execute('INSERT INTO vals (big, num, money) VALUES (:big, :num, :money)', {
        big: 9223372036854775807n,
        num: '12345678901234567890.0123456789',
        money: new Decimal('0.10'),
      });
      await wh.execute('INSERT INTO vals (big, num, money) VALUES ($1, $2, $3)', [
        '9007199254740993',
        '1',
        '0.20',
      ]);
      const rows = await wh.query('SELECT big, num, money FROM vals ORDER BY big DESC');
      expect(rows[0]).toEqual({
        big: '9223372036854775807',
        num: '12345678901234567890.0123456789',
        money: '0.10',
      });
      expect(rows[1]?.['big']).toBe('9007199254740993');
      const [sum] = await wh.query('SELECT SUM(money) AS total, COUNT(*) AS n FROM vals');
      expect(sum).toEqual({ total: '0.30', n: '2' });
    });

    it('returns TIMESTAMP and DATE as their exact text, INTEGER as number, BOOLEAN as boolean', async () => {
      await wh.execute('INSERT INTO vals (ts, d, b, i, s) VALUES (:ts, :d, :b, :i, :s)', {
        ts: '2024-03-10 07:00:00.123456',
        d: '2024-02-29',
        b: true,
        i: 42,
        s: 'x',
      });
      await wh.execute('INSERT INTO vals (ts, d, b, i, s) VALUES (:ts, :d, :b, :i, :s)', {
        ts: '2024-11-03 06:30:00',
        d: '1999-12-31',
        b: 'false',
        i: null,
        s: null,
      });
      const rows = await wh.query('SELECT ts, d, b, i, s FROM vals ORDER BY ts');
      expect(rows).toEqual([
        { ts: '2024-03-10 07:00:00.123456', d: '2024-02-29', b: true, i: 42, s: 'x' },
        { ts: '2024-11-03 06:30:00', d: '1999-12-31', b: false, i: null, s: null },
      ]);
    });

    it('binds a JS Date as UTC and returns TIMESTAMPTZ as ISO text', async () => {
      await wh.execute('INSERT INTO vals (ts) VALUES (:ts)', { ts: new Date('2024-03-10T07:00:00.120Z') });
      const [row] = await wh.query(
        "SELECT ts, CAST('2024-03-10 02:00:00.5-05' AS TIMESTAMPTZ) AS tz, CAST(ts AS DATE) AS d FROM vals",
      );
      expect(row).toEqual({ ts: '2024-03-10 07:00:00.12', tz: '2024-03-10T07:00:00.5Z', d: '2024-03-10' });
    });

    it('compiles named parameters next to :: casts', async () => {
      const [row] = await wh.query(
        "SELECT :d::date AS d, CAST(:n AS BIGINT) + 1 AS n, ':lit' AS lit, :d AS again",
        {
          d: '2024-01-31',
          n: '9007199254740993',
        },
      );
      expect(row).toEqual({ d: '2024-01-31', n: '9007199254740994', lit: ':lit', again: '2024-01-31' });
    });

    it('rejects a missing named parameter naming it', async () => {
      await expect(wh.query('SELECT :present AS a, :absent AS b', { present: 1 })).rejects.toThrow(/:absent/);
      await expect(wh.query('SELECT :u AS a', { u: undefined })).rejects.toBeInstanceOf(WarehouseError);
    });

    it('returns affected row counts from execute()', async () => {
      await wh.execute('INSERT INTO vals (i) VALUES (1), (2), (3)');
      expect(await wh.execute('UPDATE vals SET s = :s WHERE i >= :min', { s: 'y', min: 2 })).toBe(2);
      expect(await wh.execute('DELETE FROM vals')).toBe(3);
    });
  });

  describe('transactions', () => {
    it('commits when the callback resolves', async () => {
      const out = await wh.transaction(async (tx) => {
        await tx.execute('INSERT INTO vals (i) VALUES (:i)', { i: 1 });
        return (await tx.query<{ n: string }>('SELECT COUNT(*) AS n FROM vals'))[0]?.n;
      });
      expect(out).toBe('1');
      expect(await wh.query('SELECT i FROM vals')).toEqual([{ i: 1 }]);
    });

    it('rolls back everything when the callback throws, rethrowing its error unchanged', async () => {
      const boom = new Error('boom');
      await expect(
        wh.transaction(async (tx) => {
          await tx.execute('INSERT INTO vals (i) VALUES (1), (2)');
          await tx.execute('CREATE TABLE made_in_tx (a INTEGER)');
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await wh.query('SELECT i FROM vals')).toEqual([]);
      expect(
        await wh.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'made_in_tx'"),
      ).toEqual([]);
    });

    it('rolls back when a statement fails, with a mapped error', async () => {
      const error = await wh
        .transaction(async (tx) => {
          await tx.execute('INSERT INTO vals (i) VALUES (7)');
          await tx.execute('INSERT INTO no_such_table VALUES (1)');
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseError);
      expect((error as WarehouseError).context['sqlstate']).toBe('42P01');
      expect(await wh.query('SELECT i FROM vals')).toEqual([]);
    });
  });

  describe('copyCsvFile', () => {
    it('loads quoted commas, quotes, newlines, semicolons, \\N nulls and a quoted "\\N" string', async () => {
      const csv = [
        '1,"a,b",10.50,2024-01-01 00:00:00,2024-01-01,true',
        '2,"say ""hi""",0.01,2024-01-01 23:59:59.999999,2024-01-02,false',
        '3,"line1\nline2",\\N,\\N,\\N,\\N',
        '4,"semi;colon; DROP TABLE vals;",1.00,2024-02-29 12:00:00,2024-02-29,true',
        '5,"\\N",2.00,2024-03-01 00:00:00,2024-03-01,false',
        '6,"",3.00,2024-03-01 00:00:00,2024-03-01,false',
        '9223372036854775807,"ünïcödé ✓",99999999.99,2024-03-01 00:00:00,2024-03-01,true',
      ].join('\n');
      const path = join(dir, `copy-${engine.name}.csv`);
      await writeFile(path, `${csv}\n`);
      const loaded = await wh.transaction((tx) =>
        tx.copyCsvFile('vals', ['big', 's', 'money', 'ts', 'd', 'b'], path),
      );
      expect(loaded).toBe(7);
      const rows = await wh.query('SELECT big, s, money, ts, d, b FROM vals ORDER BY big');
      expect(rows).toEqual([
        { big: '1', s: 'a,b', money: '10.50', ts: '2024-01-01 00:00:00', d: '2024-01-01', b: true },
        {
          big: '2',
          s: 'say "hi"',
          money: '0.01',
          ts: '2024-01-01 23:59:59.999999',
          d: '2024-01-02',
          b: false,
        },
        { big: '3', s: 'line1\nline2', money: null, ts: null, d: null, b: null },
        {
          big: '4',
          s: 'semi;colon; DROP TABLE vals;',
          money: '1.00',
          ts: '2024-02-29 12:00:00',
          d: '2024-02-29',
          b: true,
        },
        { big: '5', s: '\\N', money: '2.00', ts: '2024-03-01 00:00:00', d: '2024-03-01', b: false },
        { big: '6', s: '', money: '3.00', ts: '2024-03-01 00:00:00', d: '2024-03-01', b: false },
        {
          big: '9223372036854775807',
          s: 'ünïcödé ✓',
          money: '99999999.99',
          ts: '2024-03-01 00:00:00',
          d: '2024-03-01',
          b: true,
        },
      ]);
    });

    it('rejects unsafe table or column names before running anything', async () => {
      const path = join(dir, 'unused.csv');
      await writeFile(path, '1\n');
      await expect(wh.transaction((tx) => tx.copyCsvFile('vals; DROP TABLE x', ['i'], path))).rejects.toThrow(
        /unsafe COPY table/,
      );
      await expect(wh.transaction((tx) => tx.copyCsvFile('vals', ['i)'], path))).rejects.toThrow(
        /unsafe COPY column/,
      );
    });

    it('maps a malformed CSV to a WarehouseError and loads nothing', async () => {
      const path = join(dir, `bad-${engine.name}.csv`);
      await writeFile(
        path,
        '1,"x",1.00,2024-01-01 00:00:00,2024-01-01,true\nnot-a-number,"y",1,\\N,\\N,\\N\n',
      );
      await expect(
        wh.transaction((tx) => tx.copyCsvFile('vals', ['big', 's', 'money', 'ts', 'd', 'b'], path)),
      ).rejects.toBeInstanceOf(WarehouseError);
      expect(await wh.query('SELECT big FROM vals')).toEqual([]);
    });
  });

  describe('error mapping', () => {
    it('maps a syntax error to WarehouseError with its SQLSTATE', async () => {
      const error = await wh.query('SELEC 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseError);
      expect(error).not.toBeInstanceOf(WarehouseTransientError);
      expect((error as WarehouseError).message).toMatch(/42601/);
      expect((error as WarehouseError).context['sqlstate']).toBe('42601');
    });

    it.each([
      ['40001', 'serialization failure'],
      ['40P01', 'deadlock'],
      ['57P01', 'admin shutdown'],
      ['08006', 'connection failure'],
    ])('maps SQLSTATE %s (%s) to WarehouseTransientError', async (code) => {
      const error = await wh
        .execute(`DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '${code}'; END $$`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseTransientError);
      expect((error as WarehouseTransientError).context['sqlstate']).toBe(code);
    });

    it('names the SQL model a failing statement came from', async () => {
      const sql = 'SELECT * FROM recon_missing_table_for_model_test';
      registerModel(sql, 'test/fake_model.sql');
      const error = await wh.query(sql).catch((e: unknown) => e);
      expect((error as WarehouseError).context['model']).toBe('test/fake_model.sql');
      expect((error as WarehouseError).message).toContain('test/fake_model.sql');
    });
  });
});

describe('PostgreSQL connection errors', () => {
  const secret = 'Sup3r-s3cret-pw';

  function expectNoSecret(error: unknown): void {
    const e = error as WarehouseError;
    expect(e.message).not.toContain(secret);
    expect(JSON.stringify(e.context)).not.toContain(secret);
    expect(String(e.cause ?? '')).not.toContain(secret);
    expect(e.stack ?? '').not.toContain(secret);
  }

  it('maps connection refused to WarehouseTransientError without the password', async () => {
    const wh = new PostgresWarehouse({ url: `postgres://recon:${secret}@127.0.0.1:1/postgres` });
    try {
      const error = await wh.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseTransientError);
      expect((error as WarehouseTransientError).context['sqlstate']).toBe('ECONNREFUSED');
      expectNoSecret(error);
      const txError = await wh.transaction(async () => 1).catch((e: unknown) => e);
      expect(txError).toBeInstanceOf(WarehouseTransientError);
      expectNoSecret(txError);
    } finally {
      await wh.close();
    }
  });

  it('maps a wrong password to WarehouseError 28P01 without the password', async () => {
    const url = new URL(withDatabase(testPgUrl(), 'postgres'));
    url.password = secret;
    const wh = new PostgresWarehouse({ url: url.toString() });
    try {
      const error = await wh.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseError);
      expect(error).not.toBeInstanceOf(WarehouseTransientError);
      expect((error as WarehouseError).context['sqlstate']).toBe('28P01');
      expectNoSecret(error);
    } finally {
      await wh.close();
    }
  });

  it('masks the password in its display URL', () => {
    const wh = new PostgresWarehouse({ url: `postgres://recon:${secret}@127.0.0.1:5432/postgres` });
    expect(wh.displayUrl).toBe('postgres://recon:****@127.0.0.1:5432/postgres');
    void wh.close();
  });
});
