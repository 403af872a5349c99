import { describe, expect, it } from 'vitest';
import { sourceTable } from '../sources/spec.ts';
import type { RawRow } from '../sources/types.ts';
import { BusinessCalendar } from '../time.ts';
import { normalizeRate, Standardizer } from './standardize.ts';

const ny = new BusinessCalendar('America/New_York');

/** A t_order row in spec column order. */
function order(over: Partial<Record<string, RawRow[number]>> = {}): RawRow {
  const base: Record<string, RawRow[number]> = {
    id: '9007199254740993',
    order_no: 'ON-1',
    shop_id: '12',
    user_id: null,
    pay_money: '89.50',
    discount_money: '0.00',
    order_status: 5,
    pay_status: 1,
    currency_code: 'USD',
    order_type: 1,
    order_source: null,
    create_time: '2026-11-21 03:30:00',
    update_time: '2026-11-21 03:45:00',
    pay_time: '2026-11-21 03:31:00',
    complete_time: '0000-00-00 00:00:00',
    is_del: 0,
    ...over,
  };
  return sourceTable('t_order').columns.map((c) => base[c.name] ?? null);
}

function payment(over: Partial<Record<string, RawRow[number]>> = {}): RawRow {
  const base: Record<string, RawRow[number]> = {
    id: '5',
    order_id: '9007199254740993',
    trade_no: "T-1'; DROP TABLE t_trade;--",
    pay_money: '8950',
    pay_type: 1,
    pay_status: 1,
    create_time: '2026-11-21 03:31:00',
    update_time: '2026-11-21 03:31:00',
    is_del: 0,
    ...over,
  };
  return sourceTable('t_order_pay').columns.map((c) => base[c.name] ?? null);
}

const named = (table: string, values: (string | null)[]) =>
  Object.fromEntries(sourceTable(table).staging.columns.map((c, i) => [c.name, values[i]]));

describe('standardization', () => {
  it('keeps dollars exact, casts ids to text and dates orders on the business day', () => {
    const r = new Standardizer(sourceTable('t_order'), ny).standardize(order());
    expect(r.kind).toBe('row');
    if (r.kind !== 'row') return;
    const o = named('t_order', r.values);
    expect(o.order_id).toBe('9007199254740993');
    expect(o.order_id_str).toBe('9007199254740993');
    expect(o.pay_amount_usd).toBe('89.50');
    expect(o.biz_date).toBe('2026-11-20');
    expect(o.complete_time).toBeNull(); // MySQL zero date in an optional column
    expect(o.create_time).toBe('2026-11-21 03:30:00');
  });

  it('converts CENTS to DOLLARS and keeps text as it is', () => {
    const r = new Standardizer(sourceTable('t_order_pay'), ny).standardize(payment());
    if (r.kind !== 'row') throw new Error(r.kind);
    const p = named('t_order_pay', r.values);
    expect(p.pay_amount_usd).toBe('89.50');
    expect(p.trade_no).toBe("T-1'; DROP TABLE t_trade;--");
    expect(p.order_id_str).toBe('9007199254740993');
  });

  it('turns soft-deleted and NZD rows into tombstones that never reach staging', () => {
    const s = new Standardizer(sourceTable('t_order'), ny);
    expect(s.standardize(order({ is_del: 1 }))).toEqual({
      kind: 'tombstone',
      pk: '9007199254740993',
      version: '2026-11-21 03:45:00',
      reason: 'SOFT_DELETED',
    });
    expect(s.standardize(order({ currency_code: 'NZD' }))).toMatchObject({
      kind: 'tombstone',
      reason: 'NON_USD',
    });
  });

  it('dead-letters rows that cannot be standardized, with the reason', () => {
    const o = new Standardizer(sourceTable('t_order'), ny);
    const p = new Standardizer(sourceTable('t_order_pay'), ny);
    expect(o.standardize(order({ id: null }))).toMatchObject({
      kind: 'dead',
      reason: /null or empty primary key/,
    });
    expect(o.standardize(order({ id: '' }))).toMatchObject({ kind: 'dead' });
    expect(o.standardize(order({ pay_money: '12.345' }))).toMatchObject({
      kind: 'dead',
      reason: /more than 2 decimal/,
    });
    expect(o.standardize(order({ pay_money: '-1.00' }))).toMatchObject({
      kind: 'dead',
      reason: /negative amount/,
    });
    expect(o.standardize(order({ create_time: '0000-00-00 00:00:00' }))).toMatchObject({
      kind: 'dead',
      reason: /create_time/,
    });
    expect(o.standardize(order({ update_time: '0000-00-00 00:00:00' }))).toMatchObject({
      kind: 'dead',
      reason: /invalid update_time/,
    });
    expect(o.standardize(order({ order_no: 'x'.repeat(65) }))).toMatchObject({
      kind: 'dead',
      reason: /longer than 64/,
    });
    expect(p.standardize(payment({ pay_money: '1000000000000' }))).toMatchObject({
      kind: 'dead',
      reason: /DECIMAL/,
    });
    expect(p.standardize(payment({ pay_money: '12.5' }))).toMatchObject({
      kind: 'dead',
      reason: /not an integer/,
    });
    expect(p.standardize(payment({ pay_money: '-100' }))).toMatchObject({ kind: 'dead', reason: /negative/ });
  });

  it('computes the receipt fee and net columns exactly', () => {
    const spec = sourceTable('t_finance_receipt');
    const base: Record<string, RawRow[number]> = {
      id: '1',
      order_id: 'not-a-number',
      order_no: null,
      tp_serial_no: 'T-9',
      receipt_amount: '10.10',
      difference_amount: '4.66',
      receipt_type: 1,
      receipt_status: 1,
      shop_id: '3',
      create_time: '2026-07-04 03:59:59',
      update_time: '2026-07-04 03:59:59',
      is_del: 0,
    };
    const r = new Standardizer(spec, ny).standardize(spec.columns.map((c) => base[c.name] ?? null));
    if (r.kind !== 'row') throw new Error(r.kind);
    const x = named('t_finance_receipt', r.values);
    expect(x.stripe_fee_usd).toBe('4.66');
    expect(x.net_receipt_usd).toBe('5.44');
    expect(x.order_id_str).toBe('not-a-number');
    expect(x.biz_date).toBe('2026-07-03');
  });

  it('dead-letters a computed net amount that does not fit DECIMAL(12,2)', () => {
    const spec = sourceTable('t_finance_receipt');
    const base: Record<string, RawRow[number]> = {
      id: '2',
      receipt_amount: '9999999999.99',
      difference_amount: '-0.01',
      receipt_status: 1,
      shop_id: '3',
      create_time: '2026-07-04 03:59:59',
      update_time: '2026-07-04 03:59:59',
      is_del: 0,
    };
    expect(
      new Standardizer(spec, ny).standardize(spec.columns.map((c) => base[c.name] ?? null)),
    ).toMatchObject({
      kind: 'dead',
      pk: '2',
      reason: /does not fit DECIMAL\(12,2\)/,
    });
  });
  it('stages the USD code itself however the source wrote it (DQ-04 and matching compare with USD)', () => {
    const s = new Standardizer(sourceTable('t_order'), ny);
    for (const code of ['usd', 'USD ', ' Usd']) {
      const r = s.standardize(order({ currency_code: code }));
      if (r.kind !== 'row') throw new Error(`${code}: ${r.kind}`);
      expect(named('t_order', r.values).currency_code).toBe('USD');
    }
    expect(s.standardize(order({ currency_code: 'US$' }))).toMatchObject({
      kind: 'tombstone',
      reason: 'NON_USD',
    });
  });

  it('writes ids held as padded text in their canonical BIGINT form, key and id text alike', () => {
    const o = new Standardizer(sourceTable('t_order'), ny).standardize(order({ id: ' 000607 ' }));
    if (o.kind !== 'row') throw new Error(o.kind);
    expect(named('t_order', o.values)).toMatchObject({ order_id: '607', order_id_str: '607' });
    const p = new Standardizer(sourceTable('t_order_pay'), ny).standardize(
      payment({ id: '0042', order_id: '00607' }),
    );
    if (p.kind !== 'row') throw new Error(p.kind);
    expect(named('t_order_pay', p.values)).toMatchObject({
      order_pay_id: '42',
      order_id: '607',
      order_id_str: '607',
    });
    expect(
      new Standardizer(sourceTable('t_order'), ny).standardize(order({ id: '0607', pay_money: '-1.00' })),
    ).toMatchObject({ kind: 'dead', pk: '607' });
    expect(
      new Standardizer(sourceTable('t_order_pay'), ny).standardize(payment({ order_id: "1' OR '1'='1" })),
    ).toMatchObject({ kind: 'dead', pk: '5', reason: `order_id "1' OR '1'='1" is not a BIGINT` });
  });

  it('accepts a rate of a wider source scale when only zeros are beyond the 6th decimal', () => {
    expect(normalizeRate('0.02900000')).toBe('0.029000');
    expect(normalizeRate('0.029')).toBe('0.029000');
    expect(normalizeRate('12.5')).toBe('12.500000');
    expect(normalizeRate('-0.000000')).toBe('0.000000');
    expect(normalizeRate('0.02912345')).toBeNull();
    expect(normalizeRate('123.1')).toBeNull();
    expect(normalizeRate('1e-3')).toBeNull();
    const spec = sourceTable('t_channel_fee');
    const fee = (rate: string) => {
      const base: Record<string, RawRow[number]> = {
        id: '7',
        trade_no: 'T-7',
        fee_amount: '290',
        fee_rate: rate,
        channel_type: 1,
        create_time: '2026-03-08 12:00:00',
        is_del: 0,
      };
      return new Standardizer(spec, ny).standardize(spec.columns.map((c) => base[c.name] ?? null));
    };
    const ok = fee('0.02900000');
    if (ok.kind !== 'row') throw new Error(ok.kind);
    expect(named('t_channel_fee', ok.values).fee_rate).toBe('0.029000');
    expect(fee('0.02912345')).toMatchObject({
      kind: 'dead',
      reason: 'fee_rate "0.02912345" is not a DECIMAL(8,6)',
    });
  });
});
