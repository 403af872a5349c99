/**
 * The pipeline on real components: MariaDB sources (mysql2), the local state-machine runner,
 * Parquet staging files, and a real PostgreSQL warehouse — with hand-built source rows.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { MAX_CENTS } from '../packages/core/src/money.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import type { RunSummary } from '../packages/core/src/pipeline/tasks.ts';
import { SOURCE_IDS, type SourceTableSpec, sourceTable } from '../packages/core/src/sources/spec.ts';
import type { RawRow } from '../packages/core/src/sources/types.ts';
import { readParquet, selectToCsv } from '../packages/core/src/staging/duck.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';

function row(spec: SourceTableSpec, values: Record<string, RawRow[number]>): RawRow {
  return spec.columns.map((c) => {
    if (c.name in values) return values[c.name] ?? null;
    if (c.name === 'is_del') return 0;
    if (c.defaultValue !== undefined) return c.defaultValue;
    return null;
  });
}

const O = sourceTable('t_order');
const P = sourceTable('t_order_pay');
const T = sourceTable('t_trade');
const R = sourceTable('t_finance_receipt');

const order = (id: string, create: string, over: Record<string, RawRow[number]> = {}) =>
  row(O, {
    id,
    order_no: `ON-${id}`,
    shop_id: '7',
    pay_money: '89.50',
    order_status: 5,
    pay_status: 1,
    currency_code: 'USD',
    create_time: create,
    update_time: create,
    ...over,
  });

describe('pipeline on MariaDB sources and a PostgreSQL warehouse', () => {
  let dropSources: () => Promise<void>;
  let dropWarehouse: () => Promise<void>;
  let app: App;
  let first: RunSummary;
  let urls: Record<string, string>;

  beforeAll(async () => {
    const sources = await createTestMysqlSources('tp');
    urls = sources.urls;
    dropSources = sources.drop;
    const wh = await createTestPgDatabase('tw');
    dropWarehouse = wh.drop;
    const home = mkdtempSync(join(tmpdir(), 'recon-mp-'));
    app = await openApp({
      home,
      env: {
        RECON_SALESORDER_URL: urls.salesorder,
        RECON_SALESPAYMENT_URL: urls.salespayment,
        RECON_IFIACCOUNTING_URL: urls.ifiaccounting,
        RECON_IUNIFIEDRECONCILE_URL: urls.iunifiedreconcile,
        RECON_WAREHOUSE_URL: wh.url,
        RECON_STAGING_URL: `file://${join(home, 'staging')}`,
      },
    });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    // Real source tables have columns the product does not know: one goes first, one last.
    const conn = await mysql.createConnection(urls.salesorder!);
    await conn.query("ALTER TABLE t_order ADD COLUMN legacy_note VARCHAR(32) NULL DEFAULT 'x' FIRST");
    await conn.query('ALTER TABLE t_order ADD COLUMN loyalty_points INT NULL DEFAULT 7');
    await conn.end();

    await sinks.salesorder.insert(O, [
      // 01:30 EDT on the fall-back day → business date 2026-11-01
      order('9007199254740993', '2026-11-01 05:30:00'),
      // 23:59:59 EDT → business date 2026-10-31
      order('9007199254740995', '2026-11-01 03:59:59', { pay_money: '0.01' }),
      // 23:30 EST, after UTC midnight → business date 2026-11-01
      order('3', '2026-11-02 04:30:00', { pay_money: '9999999999.99' }),
      order('4', '2026-11-01 15:00:00', { currency_code: 'NZD' }),
      order('5', '2026-11-01 15:00:00', { is_del: 1 }),
      order('6', '0000-00-00 00:00:00', { update_time: '2026-11-01 15:00:00' }),
    ]);
    await sinks.salesorder.insert(P, [
      row(P, {
        id: '1',
        order_id: '9007199254740993',
        trade_no: 'T1',
        pay_money: '8950',
        pay_status: 1,
        create_time: '2026-11-01 05:31:00',
        update_time: '2026-11-01 05:31:00',
      }),
      row(P, {
        id: '2',
        order_id: '3',
        trade_no: "T2'; DROP TABLE t_trade;--",
        pay_money: '999999999999',
        pay_status: 1,
        create_time: '2026-11-02 04:31:00',
        update_time: '2026-11-02 04:31:00',
      }),
      row(P, {
        id: '3',
        order_id: '3',
        trade_no: 'T3',
        pay_money: '-500',
        pay_status: 1,
        create_time: '2026-11-02 04:31:00',
        update_time: '2026-11-02 04:31:00',
      }),
    ]);
    await sinks.salespayment.insert(T, [
      row(T, {
        id: '1',
        trade_no: 'T1',
        amount: '1',
        trade_status: 1,
        channel_type: 1,
        create_time: '2026-11-01 05:31:00',
        update_time: '2026-11-01 05:31:00',
      }),
    ]);
    await sinks.salesorder.insert(R, [
      row(R, {
        id: '1',
        order_id: 'abc',
        tp_serial_no: 'T1',
        receipt_amount: '89.50',
        difference_amount: '4.66',
        receipt_status: 1,
        shop_id: '7',
        create_time: '2026-11-01 06:00:00',
        update_time: '2026-11-01 06:00:00',
      }),
    ]);
    const outcome = await runPipeline(app.runtime, { reconDate: '2026-11-02', asOf: '2026-11-03T06:00:00Z' });
    // A handful of hand-built rows is no business day: the data-quality gate halts the run after
    // the load (DQ-01/DQ-06), which is what these extraction checks look at.
    if (outcome.status === 'FAILED') throw new Error(`${outcome.error}: ${outcome.cause}`);
    first = outcome.summary;
  });

  afterAll(async () => {
    await app?.close();
    await dropSources?.();
    await dropWarehouse?.();
  });

  const table = (name: string) => first.tables.find((t) => t.table === name)!;

  it('extracts only the named columns and standardizes exactly', async () => {
    const orders = await app.warehouse.query<{
      order_id: string;
      order_id_str: string;
      pay_amount_usd: string;
      biz_date: string;
    }>(
      'SELECT order_id, order_id_str, pay_amount_usd, biz_date FROM recon.stg_recon_orders ORDER BY order_id',
    );
    expect(orders).toEqual([
      { order_id: '3', order_id_str: '3', pay_amount_usd: '9999999999.99', biz_date: '2026-11-01' },
      {
        order_id: '9007199254740993',
        order_id_str: '9007199254740993',
        pay_amount_usd: '89.50',
        biz_date: '2026-11-01',
      },
      {
        order_id: '9007199254740995',
        order_id_str: '9007199254740995',
        pay_amount_usd: '0.01',
        biz_date: '2026-10-31',
      },
    ]);
    const pays = await app.warehouse.query<{
      order_pay_id: string;
      trade_no: string;
      pay_amount_usd: string;
    }>('SELECT order_pay_id, trade_no, pay_amount_usd FROM recon.stg_recon_payments ORDER BY order_pay_id');
    expect(pays).toEqual([
      { order_pay_id: '1', trade_no: 'T1', pay_amount_usd: '89.50' },
      { order_pay_id: '2', trade_no: "T2'; DROP TABLE t_trade;--", pay_amount_usd: '9999999999.99' },
    ]);
    const trades = await app.warehouse.query<{ trade_amount_usd: string }>(
      'SELECT trade_amount_usd FROM recon.stg_recon_trades',
    );
    expect(trades).toEqual([{ trade_amount_usd: '0.01' }]);
    const receipts = await app.warehouse.query(
      'SELECT order_id_str, stripe_fee_usd, net_receipt_usd FROM recon.stg_recon_receipts',
    );
    expect(receipts).toEqual([{ order_id_str: 'abc', stripe_fee_usd: '4.66', net_receipt_usd: '84.84' }]);
  });

  it('never lets NZD or soft-deleted rows reach staging, and counts them', async () => {
    expect(table('t_order')).toMatchObject({
      extracted: 6,
      standardized: 3,
      nonUsd: 1,
      softDeleted: 1,
      deadLettered: 1,
    });
    const files = await app.staging.list('stg_recon_orders/');
    expect(files.length).toBeGreaterThan(0);
    const paths = await Promise.all(files.map((k) => app.staging.localCopy(k, tmpdir())));
    const csv = join(mkdtempSync(join(tmpdir(), 'recon-csv-')), 'orders.csv');
    await selectToCsv(`SELECT order_id, currency_code FROM ${readParquet(paths)} ORDER BY order_id`, csv);
    const text = readFileSync(csv, 'utf8');
    expect(text).not.toMatch(/"4"|"5"|NZD/);
    expect(text.trim().split('\n')).toHaveLength(3);
  });

  it('dead-letters malformed rows with a reason and loads the rest', async () => {
    const dead = await app.warehouse.query<{
      table_name: string;
      source_pk: string;
      reason: string;
      raw_row: string;
    }>(
      'SELECT table_name, source_pk, reason, raw_row FROM recon.dwd_recon_dead_letter ORDER BY table_name, source_pk',
    );
    expect(dead.map((d) => [d.table_name, d.source_pk])).toEqual([
      ['t_order', '6'],
      ['t_order_pay', '3'],
    ]);
    expect(dead[0]!.reason).toMatch(/create_time/);
    expect(dead[1]!.reason).toMatch(/negative amount/);
    expect(JSON.parse(dead[1]!.raw_row)).toMatchObject({ id: '3', pay_money: '-500' });
    expect(first.totals.deadLettered).toBe(2);
  });

  it('removes a row soft-deleted later and picks up late arrivals on the next run', async () => {
    const conn = await mysql.createConnection(urls.salesorder!);
    await conn.execute(
      "UPDATE t_order SET is_del = 1, update_time = '2026-11-03 12:00:00' WHERE id = 9007199254740993",
    );
    await conn.execute(
      "INSERT INTO t_order_pay (id, order_id, trade_no, pay_money, pay_status, create_time, update_time) VALUES (4, 9007199254740995, 'T4', 1, 1, '2026-11-01 03:59:59', '2026-11-03 13:00:00')",
    );
    // A newer version that cannot be standardized removes the older one, as a fresh extraction would.
    await conn.execute(
      "UPDATE t_order SET pay_money = -3.00, update_time = '2026-11-03 14:00:00' WHERE id = 3",
    );
    await conn.end();
    const pay = await mysql.createConnection(urls.salespayment!);
    // Append-only t_channel_fee: a soft delete does not move create_time, the watermark column.
    await pay.execute(
      "INSERT INTO t_channel_fee (id, trade_no, fee_amount, fee_rate, channel_type, create_time, is_del) VALUES (1, 'T1', 290, 0.029000, 1, '2026-11-01 05:31:00', 0)",
    );
    await pay.end();
    const mid = await runPipeline(app.runtime, { reconDate: '2026-11-02', asOf: '2026-11-03T11:00:00Z' });
    expect(mid.status).not.toBe('FAILED');
    expect(await app.warehouse.query('SELECT fee_id, fee_amount_usd FROM recon.stg_recon_fees')).toEqual([
      { fee_id: '1', fee_amount_usd: '2.90' },
    ]);
    const pay2 = await mysql.createConnection(urls.salespayment!);
    await pay2.execute('UPDATE t_channel_fee SET is_del = 1 WHERE id = 1');
    await pay2.end();
    const outcome = await runPipeline(app.runtime, { reconDate: '2026-11-03', asOf: '2026-11-04T06:00:00Z' });
    expect(outcome.status).not.toBe('FAILED');
    const ids = await app.warehouse.query<{ order_id: string }>(
      'SELECT order_id FROM recon.stg_recon_orders ORDER BY order_id',
    );
    expect(ids.map((r) => r.order_id)).toEqual(['9007199254740995']);
    expect(await app.warehouse.query('SELECT fee_id FROM recon.stg_recon_fees')).toEqual([]);
    const dead = await app.warehouse.query<{ source_pk: string; reason: string }>(
      "SELECT source_pk, reason FROM recon.dwd_recon_dead_letter WHERE table_name = 't_order' ORDER BY source_pk",
    );
    expect(dead).toEqual([
      { source_pk: '3', reason: 'negative amount -3.00 in pay_amount_usd' },
      { source_pk: '6', reason: expect.stringMatching(/create_time/) },
    ]);
    const late = await app.warehouse.query(
      'SELECT order_pay_id, pay_amount_usd, biz_date FROM recon.stg_recon_payments WHERE order_pay_id = 4',
    );
    expect(late).toEqual([{ order_pay_id: '4', pay_amount_usd: '0.01', biz_date: '2026-10-31' }]);
    const marks = await app.warehouse.query<{ table_name: string; last_extracted_at: string }>(
      "SELECT table_name, last_extracted_at FROM recon.etl_watermarks WHERE table_name = 't_order'",
    );
    expect(marks).toEqual([{ table_name: 't_order', last_extracted_at: '2026-11-04 06:00:00' }]);
  });

  it('converts every CENTS value that fits DECIMAL(12,2) exactly, source to warehouse', async () => {
    const values = [
      0n,
      1n,
      99n,
      100n,
      MAX_CENTS,
      MAX_CENTS - 1n,
      ...fc.sample(fc.bigInt({ min: 0n, max: MAX_CENTS }), { numRuns: 600, seed: 20261122 }),
    ];
    const rows = values.map((cents, i) =>
      row(P, {
        id: String(1_000_000 + i),
        order_id: String(5_000_000 + i),
        trade_no: `FC${i}`,
        pay_money: cents.toString(),
        pay_status: 1,
        create_time: '2026-11-04 15:00:00',
        update_time: '2026-11-04 15:00:00',
      }),
    );
    // One cent more than DECIMAL(12,2) holds: dead-lettered, never truncated.
    rows.push(
      row(P, {
        id: '999999',
        order_id: '1',
        trade_no: 'FC-OVER',
        pay_money: (MAX_CENTS + 1n).toString(),
        pay_status: 1,
        create_time: '2026-11-04 15:00:00',
        update_time: '2026-11-04 15:00:00',
      }),
    );
    await app.sinks().salesorder.insert(P, rows);
    const outcome = await runPipeline(app.runtime, { reconDate: '2026-11-04', asOf: '2026-11-05T06:00:00Z' });
    expect(outcome.status).not.toBe('FAILED');
    const staged = await app.warehouse.query<{ order_pay_id: string; pay_amount_usd: string }>(
      'SELECT order_pay_id, pay_amount_usd FROM recon.stg_recon_payments WHERE order_pay_id >= 1000000 ORDER BY order_pay_id',
    );
    const dead = await app.warehouse.query(
      "SELECT source_pk, reason FROM recon.dwd_recon_dead_letter WHERE table_name = 't_order_pay' AND source_pk <> '3'",
    );
    expect(dead).toEqual([
      { source_pk: '999999', reason: 'cents value 1000000000000 does not fit DECIMAL(12,2)' },
    ]);
    expect(staged).toHaveLength(values.length);
    staged.forEach((r, i) => {
      expect(r.pay_amount_usd).toBe(new Decimal(values[i]!.toString()).div(100).toFixed(2));
    });
    const sum = await app.warehouse.query<{ total: string }>(
      'SELECT SUM(pay_amount_usd) AS total FROM recon.stg_recon_payments WHERE order_pay_id >= 1000000',
    );
    const expected = values.reduce((a, b) => a + b, 0n);
    expect(sum[0]!.total).toBe(new Decimal(expected.toString()).div(100).toFixed(2));
  });
});
