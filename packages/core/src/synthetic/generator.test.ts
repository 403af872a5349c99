import { describe, expect, it } from 'vitest';
import { sourceTable } from '../sources/spec.ts';
import type { RawRow, RawValue } from '../sources/types.ts';
import { BusinessCalendar, isValidDate, parseSourceTimestamp, weekdayOf } from '../time.ts';
import {
  collectDays,
  GENERATED_TABLES,
  type GeneratedDay,
  generate,
  ORDER_ID_BASE,
  stripeFeeCents,
  WEEKDAY_MULTIPLIERS,
} from './generator.ts';
import { toCents } from './oracle.ts';

const NY = new BusinessCalendar('America/New_York');
const TS_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Assert one row matches its table's column list (count, types, formats, nullability). */
function checkRow(table: string, row: RawRow): void {
  const spec = sourceTable(table);
  expect(row.length, `${table} column count`).toBe(spec.columns.length);
  spec.columns.forEach((col, i) => {
    const v: RawValue = row[i] ?? null;
    const where = `${table}.${col.name} = ${String(v)}`;
    if (v === null) {
      expect(col.nullable, `${where} is not nullable`).toBe(true);
      return;
    }
    switch (col.type) {
      case 'bigint':
        expect(typeof v === 'string' && /^\d+$/.test(v), where).toBe(true);
        break;
      case 'int':
      case 'tinyint':
        expect(Number.isInteger(v), where).toBe(true);
        break;
      case 'varchar':
        expect(typeof v === 'string' && v.length > 0 && v.length <= (col.length ?? 0), where).toBe(true);
        break;
      case 'decimal': {
        const scale = col.scale ?? 2;
        const re = new RegExp(`^-?\\d+\\.\\d{${scale}}$`);
        expect(typeof v === 'string' && re.test(v), where).toBe(true);
        break;
      }
      case 'datetime':
        expect(typeof v === 'string' && TS_RE.test(v) && parseSourceTimestamp(v) !== null, where).toBe(true);
        break;
      case 'date':
        expect(typeof v === 'string' && isValidDate(v), where).toBe(true);
        break;
    }
  });
}

const col = (table: string, name: string): number =>
  sourceTable(table).columns.findIndex((c) => c.name === name);
const msOf = (v: RawValue | undefined): number => parseSourceTimestamp(String(v)) ?? Number.NaN;

function allRows(days: GeneratedDay[], table: string, kind: 'inserts' | 'updates' = 'inserts'): RawRow[] {
  return days.flatMap((d) => d[kind].get(table) ?? []);
}

const small = { startDate: '2026-03-02', days: 4, ordersPerDay: 1500, seed: 7 } as const;

describe('synthetic generator', () => {
  const gen = generate(small);
  const days = collectDays(gen);

  it('is deterministic for a seed and differs across seeds', () => {
    const again = collectDays(generate(small));
    const ser = (d: GeneratedDay[]) => JSON.stringify(d.map((x) => [x.date, [...x.inserts], [...x.updates]]));
    expect(ser(again)).toBe(ser(days));
    const other = collectDays(generate({ ...small, seed: 8 }));
    expect(ser(other)).not.toBe(ser(days));
    expect(JSON.stringify(generate(small).answerKey())).toBe(JSON.stringify(gen.answerKey()));
  });

  it('chunking only splits the output: same rows, at most chunkOrders orders per chunk', () => {
    const chunked = generate({ ...small, chunkOrders: 400 });
    let maxOrders = 0;
    let chunks = 0;
    for (const c of chunked.days()) {
      maxOrders = Math.max(maxOrders, c.orders);
      chunks++;
    }
    expect(maxOrders).toBeLessThanOrEqual(400);
    expect(chunks).toBeGreaterThan(small.days * 3);
    const sortRows = (d: GeneratedDay[], t: string) =>
      allRows(d, t)
        .map((r) => JSON.stringify(r))
        .sort();
    const merged = collectDays(chunked);
    for (const t of GENERATED_TABLES) expect(sortRows(merged, t)).toEqual(sortRows(days, t));
  });

  it('writes every row with the spec column count and valid value formats', () => {
    for (const t of GENERATED_TABLES) {
      const ins = allRows(days, t);
      expect(ins.length, t).toBeGreaterThan(0);
      for (const r of ins) checkRow(t, r);
      for (const r of allRows(days, t, 'updates')) checkRow(t, r);
    }
    // CENTS columns are integer strings; fee_rate is 0.029000.
    for (const r of allRows(days, 't_channel_fee'))
      expect(r[col('t_channel_fee', 'fee_rate')]).toBe('0.029000');
  });

  it('has unique primary keys, trade numbers and order numbers; updates replace earlier rows', () => {
    for (const t of GENERATED_TABLES) {
      const ids = allRows(days, t).map((r) => String(r[0]));
      expect(new Set(ids).size, t).toBe(ids.length);
    }
    const tradeNos = allRows(days, 't_trade').map((r) => r[col('t_trade', 'trade_no')]);
    expect(new Set(tradeNos).size).toBe(tradeNos.length);
    const orderNos = allRows(days, 't_order').map((r) => r[col('t_order', 'order_no')]);
    expect(new Set(orderNos).size).toBe(orderNos.length);
    // Order ids are above 2^53 and exact.
    const orderIds = allRows(days, 't_order').map((r) => BigInt(String(r[0])));
    expect(orderIds.every((id) => id > ORDER_ID_BASE - 1n && id > 2n ** 53n)).toBe(true);

    // Every update targets a row inserted in an earlier batch and has a later update_time.
    const seen = new Map<string, { day: number; row: RawRow }>();
    days.forEach((d, di) => {
      for (const t of GENERATED_TABLES) {
        const ui = col(t, 'update_time');
        for (const u of d.updates.get(t) ?? []) {
          const prev = seen.get(`${t}|${String(u[0])}`);
          expect(prev, `${t} update of unknown row ${String(u[0])}`).toBeDefined();
          expect(prev!.day).toBeLessThan(di);
          expect(msOf(u[ui])).toBeGreaterThan(msOf(prev!.row[ui]));
          seen.set(`${t}|${String(u[0])}`, { day: di, row: u });
        }
        for (const r of d.inserts.get(t) ?? []) seen.set(`${t}|${String(r[0])}`, { day: di, row: r });
      }
    });
    expect(allRows(days, 't_order', 'updates').length).toBeGreaterThan(0);
  });

  it('keeps every row of a batch inside its arrival window [06:00 local, 06:00 local next day)', () => {
    for (const d of days) {
      const start = msOf(d.batchStart);
      const end = msOf(d.batchEnd);
      expect(NY.dateOf(start)).toBe(d.date);
      expect(end).toBe(gen.batchEndOf(d.date));
      for (const kind of ['inserts', 'updates'] as const) {
        for (const t of GENERATED_TABLES) {
          const spec = sourceTable(t);
          const wi = col(t, spec.watermark);
          for (const r of d[kind].get(t) ?? []) {
            const w = msOf(r[wi]);
            expect(w >= start && w < end, `${t} ${String(r[0])} ${String(r[wi])} in ${d.date}`).toBe(true);
          }
        }
      }
    }
  });

  it('creates orders 06:00–22:30 local on their business date; evening orders cross UTC midnight', () => {
    let crossing = 0;
    for (const d of days) {
      const start = NY.startOf(d.date);
      for (const o of d.inserts.get('t_order') ?? []) {
        const c = msOf(o[col('t_order', 'create_time')]);
        expect(NY.dateOf(c)).toBe(d.date);
        const local = (c - start) / 3_600_000;
        expect(local >= 6 && local < 22.5).toBe(true);
        if (String(o[col('t_order', 'create_time')]).slice(0, 10) !== d.date) {
          crossing++;
          expect(NY.dateOf(c)).toBe(d.date);
        }
      }
    }
    expect(crossing).toBeGreaterThan(50);
  });

  it('sums split tenders exactly to the order amount and pairs every payment with an equal trade', () => {
    const key = gen.answerKey();
    const planted = new Set(
      key.conditions
        .filter((c) => c.kind !== 'RECEIPT_BY_TRADE_NO' && c.kind !== 'SETTLED_LATER')
        .map((c) => c.details.orderId),
    );
    const pays = new Map<string, RawRow[]>();
    for (const p of [...allRows(days, 't_order_pay'), ...allRows(days, 't_order_pay', 'updates')]) {
      if (p[col('t_order_pay', 'pay_status')] !== 1 || p[col('t_order_pay', 'is_del')] !== 0) continue;
      const k = String(p[col('t_order_pay', 'order_id')]);
      pays.set(k, [...(pays.get(k) ?? []), p]);
    }
    const trades = new Map(allRows(days, 't_trade').map((t) => [String(t[1]), t]));
    let split = 0;
    let failedFirst = 0;
    const attempts = new Map<string, number>();
    for (const p of allRows(days, 't_order_pay')) {
      const k = String(p[col('t_order_pay', 'order_id')]);
      attempts.set(k, (attempts.get(k) ?? 0) + 1);
    }
    for (const o of allRows(days, 't_order')) {
      const id = String(o[0]);
      if (planted.has(id) || o[col('t_order', 'is_del')] !== 0 || ![5, 6, 7].includes(Number(o[6]))) continue;
      const ps = pays.get(id) ?? [];
      expect(ps.length, `order ${id}`).toBeGreaterThan(0);
      const sum = ps.reduce((s, p) => s + Number(p[col('t_order_pay', 'pay_money')]), 0);
      expect(sum).toBe(toCents(o[col('t_order', 'pay_money')], 'DOLLARS'));
      for (const p of ps) {
        const t = trades.get(String(p[col('t_order_pay', 'trade_no')]));
        expect(t?.[col('t_trade', 'amount')]).toBe(p[col('t_order_pay', 'pay_money')]);
      }
      if (ps.length > 1) split++;
      if ((attempts.get(id) ?? 0) > ps.length) failedFirst++;
    }
    expect(split).toBeGreaterThan(50);
    expect(failedFirst).toBeGreaterThan(20);
  });

  it('uses Stripe-like fee arithmetic on integers and a ~4.66 average processing offset', () => {
    expect(stripeFeeCents(1000)).toBe(59);
    expect(stripeFeeCents(1017)).toBe(59);
    expect(stripeFeeCents(1018)).toBe(60);
    const planted = new Set(gen.answerKey().conditions.map((c) => c.details.orderId));
    const fees = allRows(days, 't_finance_receipt')
      .filter((r) => r[col('t_finance_receipt', 'receipt_status')] === 1 && !planted.has(String(r[1])))
      .map((r) => toCents(r[col('t_finance_receipt', 'difference_amount')], 'DOLLARS'));
    const avg = fees.reduce((a, b) => a + b, 0) / fees.length;
    expect(avg).toBeGreaterThan(430);
    expect(avg).toBeLessThan(490);
  });

  it('plants about 5.7 % NZD orders with payments and trades like real ones', () => {
    const g = generate({ startDate: '2026-04-06', days: 2, ordersPerDay: 12_000, seed: 3 });
    const d = collectDays(g);
    const orders = allRows(d, 't_order').filter((o) => o[col('t_order', 'is_del')] === 0);
    const nzd = orders.filter((o) => o[col('t_order', 'currency_code')] === 'NZD');
    expect(nzd.length).toBe(g.answerKey().nzdOrders);
    expect(orders.length).toBe(g.answerKey().orders);
    const share = nzd.length / orders.length;
    expect(share).toBeGreaterThan(0.051);
    expect(share).toBeLessThan(0.063);
    const payOrders = new Set(allRows(d, 't_order_pay').map((p) => String(p[1])));
    const paidNzd = nzd.filter((o) => [5, 6, 7].includes(Number(o[6])));
    expect(paidNzd.every((o) => payOrders.has(String(o[0])))).toBe(true);
  });

  it('shows weekday seasonality with the configured multipliers', () => {
    const g = generate({ startDate: '2026-05-04', days: 14, ordersPerDay: 3000, seed: 11, rates: {} });
    const byDate = g.answerKey().ordersByDate;
    let weekend = 0;
    let weekday = 0;
    for (const [date, n] of Object.entries(byDate)) {
      const m = WEEKDAY_MULTIPLIERS[weekdayOf(date)]!;
      expect(Math.abs(n / (3000 * m) - 1)).toBeLessThan(0.02);
      if (weekdayOf(date) === 0 || weekdayOf(date) === 6) weekend += n / 4;
      else weekday += n / 10;
    }
    expect(weekday / weekend).toBeGreaterThan(1.08);
    // Adjacent days never move more than 15 % (keeps DQ-01 day-over-day checks below FAIL).
    const ns = Object.values(byDate);
    for (let i = 1; i < ns.length; i++) expect(Math.abs(ns[i]! / ns[i - 1]! - 1)).toBeLessThan(0.15);
  });

  it('matches each clean shop-day income bill to the gross of its active receipts', () => {
    const key = gen.answerKey();
    const plantedShopDays = new Set(
      key.conditions
        .filter((c) => c.kind.startsWith('INCOME') || c.kind === 'MISSING_INCOME_BILL')
        .map((c) => c.entityKey),
    );
    const gross = new Map<string, number>();
    const receipts = [...allRows(days, 't_finance_receipt')];
    for (const r of receipts) {
      if (r[col('t_finance_receipt', 'receipt_status')] !== 1 || r[col('t_finance_receipt', 'is_del')] !== 0)
        continue;
      const k = `${String(r[col('t_finance_receipt', 'shop_id')])}|${NY.dateOf(msOf(r[col('t_finance_receipt', 'create_time')]))}`;
      gross.set(k, (gross.get(k) ?? 0) + toCents(r[col('t_finance_receipt', 'receipt_amount')], 'DOLLARS'));
    }
    let checked = 0;
    for (const b of allRows(days, 't_acc_income_bill')) {
      if (b[col('t_acc_income_bill', 'bill_status')] !== 1 || b[col('t_acc_income_bill', 'is_del')] !== 0)
        continue;
      const k = `${String(b[col('t_acc_income_bill', 'shop_id')])}|${String(b[col('t_acc_income_bill', 'biz_date')])}`;
      if (plantedShopDays.has(k)) continue;
      expect(toCents(b[col('t_acc_income_bill', 'amount')], 'DOLLARS'), k).toBe(gross.get(k));
      // Created the next morning, after the business day ended.
      expect(msOf(b[col('t_acc_income_bill', 'create_time')])).toBeGreaterThanOrEqual(
        NY.endOf(String(b[col('t_acc_income_bill', 'biz_date')])),
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(small.days * 12 - 12);
    // One valid bill per shop-day.
    const valid = allRows(days, 't_acc_income_bill').filter((b) => b[6] === 1 && b[10] === 0);
    const keys = valid.map((b) => `${String(b[5])}|${String(b[7])}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('generates valid data across DST changes (2026-03-08 and 2026-11-01)', () => {
    for (const startDate of ['2026-03-07', '2026-10-31']) {
      const g = generate({ startDate, days: 3, ordersPerDay: 800, seed: 5 });
      for (const d of collectDays(g)) {
        const start = msOf(d.batchStart);
        const end = msOf(d.batchEnd);
        // Windows start at 06:00 local, whatever the offset that day.
        const localClock = (ms: number) => new Date(ms + NY.offsetAt(ms)).toISOString().slice(11, 19);
        expect(localClock(start)).toBe('06:00:00');
        expect(localClock(end)).toBe('06:00:00');
        expect(NY.dateOf(end)).toBe(NY.dateOf(NY.endOf(d.date)));
        for (const t of GENERATED_TABLES) for (const r of d.inserts.get(t) ?? []) checkRow(t, r);
        for (const o of d.inserts.get('t_order') ?? []) {
          expect(NY.dateOf(msOf(o[col('t_order', 'create_time')]))).toBe(d.date);
        }
      }
    }
    // The fall-back day is 25 hours long, the spring-forward day 23.
    expect(NY.endOf('2026-11-01') - NY.startOf('2026-11-01')).toBe(25 * 3_600_000);
    expect(NY.endOf('2026-03-08') - NY.startOf('2026-03-08')).toBe(23 * 3_600_000);
  });

  it('generates 100,000 orders/day quickly', () => {
    const t0 = performance.now();
    let rows = 0;
    let orders = 0;
    for (const c of generate({ startDate: '2026-06-01', days: 1, ordersPerDay: 100_000, seed: 1 }).days()) {
      orders += c.orders;
      for (const r of c.inserts.values()) rows += r.length;
    }
    const ms = performance.now() - t0;
    console.log(`synthetic: ${orders} orders, ${rows} rows in ${ms.toFixed(0)} ms`);
    expect(orders).toBeGreaterThan(90_000);
    expect(ms).toBeLessThan(20_000);
  });
});
