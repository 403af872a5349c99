/**
 * A tiny in-memory reference of SPEC §5 (match levels) and §7 (anomaly rules, default thresholds)
 * over generated rows. It exists to prove the generator's answer key: planted conditions are
 * detected and unplanted data is clean. It is deliberately simple (maps, integer cents) and is not
 * the product's matching engine.
 */

import { sourceTable } from '../sources/spec.ts';
import type { RawRow, RawValue } from '../sources/types.ts';
import { BusinessCalendar, parseSourceTimestamp } from '../time.ts';
import type { AnomalyType, TableRows } from './types.ts';

/** Result of {@link referenceReconcile}. */
export interface OracleResult {
  /** L1 match status per order id (universe: completed, USD, live, business date in `dates`). */
  l1: Map<string, string>;
  /** L2 match status and fee status per order id. */
  l2: Map<string, { status: string; feeStatus: string; matchKey: string | null }>;
  /** L3 match status per 'shop_id|date'. */
  l3: Map<string, { status: string; gross: number; income: number }>;
  /** Anomalies as 'ANO-0x|entityKey'. */
  anomalies: Set<string>;
  /** Non-USD orders excluded (live or soft-deleted). */
  nonUsdOrders: number;
}

/** Mutable table state: table → primary key → row (latest version wins). */
export type SourceState = Map<string, Map<string, RawRow>>;

/** Apply inserts and updates to a state (rows replace rows with the same primary key). */
export function applyRows(state: SourceState, rows: TableRows): void {
  for (const [table, list] of rows) {
    let m = state.get(table);
    if (!m) {
      m = new Map();
      state.set(table, m);
    }
    for (const r of list) m.set(String(r[0]), r);
  }
}

/** Dollars 'D.CC' or integer-cents text → integer cents. */
export function toCents(v: RawValue | undefined, unit: 'DOLLARS' | 'CENTS'): number {
  if (v === null || v === undefined) throw new Error('money value is null');
  const s = String(v);
  if (unit === 'CENTS') return Number(s);
  const neg = s.startsWith('-');
  const [w = '0', f = '00'] = (neg ? s.slice(1) : s).split('.');
  const c = Number(w) * 100 + Number(f.padEnd(2, '0').slice(0, 2));
  return neg ? -c : c;
}

function accessor(table: string) {
  const cols = sourceTable(table).columns.map((c) => c.name);
  return (row: RawRow, name: string): RawValue => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${table} has no column ${name}`);
    return row[i] ?? null;
  };
}

function ms(v: RawValue): number {
  const t = parseSourceTimestamp(String(v));
  if (t === null) throw new Error(`bad timestamp ${String(v)}`);
  return t;
}

/**
 * Reconcile `state` for business `dates` at instant `asOf` (epoch ms) with the SPEC defaults.
 */
export function referenceReconcile(
  state: SourceState,
  dates: readonly string[],
  asOf: number,
  timeZone = 'America/New_York',
): OracleResult {
  const cal = new BusinessCalendar(timeZone);
  const dateSet = new Set(dates);
  const rows = (t: string) => [...(state.get(t)?.values() ?? [])];
  const O = accessor('t_order');
  const P = accessor('t_order_pay');
  const R = accessor('t_finance_receipt');
  const T = accessor('t_trade');
  const F = accessor('t_channel_fee');
  const RF = accessor('t_refund');
  const B = accessor('t_acc_income_bill');
  const E = accessor('t_pre_voucher_entry');
  const V = accessor('t_reconcile_voucher');
  const live = (get: (r: RawRow, n: string) => RawValue) => (r: RawRow) => get(r, 'is_del') === 0;

  const anomalies = new Set<string>();
  const add = (type: AnomalyType, key: string) => anomalies.add(`${type}|${key}`);

  const paysByOrder = new Map<string, RawRow[]>();
  const referencedTrades = new Set<string>();
  for (const p of rows('t_order_pay').filter(live(P))) {
    referencedTrades.add(String(P(p, 'trade_no')));
    if (P(p, 'pay_status') !== 1) continue;
    const k = String(P(p, 'order_id'));
    const list = paysByOrder.get(k) ?? [];
    list.push(p);
    paysByOrder.set(k, list);
  }
  const trades = new Map<string, RawRow>();
  for (const t of rows('t_trade').filter(live(T))) {
    if (T(t, 'trade_status') === 1) trades.set(String(T(t, 'trade_no')), t);
  }
  const feesByTrade = new Map<string, number>();
  for (const f of rows('t_channel_fee').filter(live(F))) {
    const k = String(F(f, 'trade_no'));
    feesByTrade.set(k, (feesByTrade.get(k) ?? 0) + toCents(F(f, 'fee_amount'), 'CENTS'));
  }
  const activeReceipts = rows('t_finance_receipt').filter(
    (r) => R(r, 'is_del') === 0 && R(r, 'receipt_status') === 1,
  );
  const receiptsByOrder = new Map<string, RawRow[]>();
  const receiptsByTrade = new Map<string, RawRow[]>();
  for (const r of activeReceipts) {
    const oid = R(r, 'order_id');
    if (oid !== null) receiptsByOrder.set(String(oid), [...(receiptsByOrder.get(String(oid)) ?? []), r]);
    const tn = R(r, 'tp_serial_no');
    if (tn !== null) receiptsByTrade.set(String(tn), [...(receiptsByTrade.get(String(tn)) ?? []), r]);
  }

  const l1 = new Map<string, string>();
  const l2 = new Map<string, { status: string; feeStatus: string; matchKey: string | null }>();
  let nonUsdOrders = 0;
  for (const o of rows('t_order')) {
    if (O(o, 'currency_code') !== 'USD') {
      nonUsdOrders++;
      continue;
    }
    if (O(o, 'is_del') !== 0) continue;
    const status = Number(O(o, 'order_status'));
    const created = ms(O(o, 'create_time'));
    if (![5, 6, 7].includes(status) || !dateSet.has(cal.dateOf(created))) continue;
    const id = String(O(o, 'id'));
    const amount = toCents(O(o, 'pay_money'), 'DOLLARS');
    const pays = paysByOrder.get(id) ?? [];
    let s1: string;
    const tradeNos = pays.map((p) => String(P(p, 'trade_no')));
    if (pays.length === 0) s1 = 'MISSING_PAYMENT';
    else if (tradeNos.some((t) => !trades.has(t))) s1 = 'MISSING_TRADE';
    else {
      const pay = pays.reduce((s, p) => s + toCents(P(p, 'pay_money'), 'CENTS'), 0);
      const trade = tradeNos.reduce((s, t) => s + toCents(T(trades.get(t)!, 'amount'), 'CENTS'), 0);
      if (Math.abs(amount - pay) > 1) s1 = 'AMOUNT_MISMATCH_ORDER_PAY';
      else if (Math.abs(amount - trade) > 1) s1 = 'AMOUNT_MISMATCH_ORDER_TRADE';
      else if (Math.abs(pay - trade) > 1) s1 = 'AMOUNT_MISMATCH_PAY_TRADE';
      else s1 = 'MATCHED';
    }
    l1.set(id, s1);
    const missing1 = s1 === 'MISSING_PAYMENT' || s1 === 'MISSING_TRADE';
    if (missing1 && asOf - created > 2 * 3_600_000) add('ANO-01', id);
    if (s1.startsWith('AMOUNT_MISMATCH')) add('ANO-02', id);

    let receipts = receiptsByOrder.get(id) ?? [];
    let matchKey: string | null = receipts.length ? 'ORDER_ID' : null;
    if (receipts.length === 0) {
      receipts = tradeNos.flatMap((t) => receiptsByTrade.get(t) ?? []);
      if (receipts.length) matchKey = 'TRADE_NO';
    }
    if (receipts.length === 0) {
      l2.set(id, { status: 'MISSING_RECEIPT', feeStatus: 'NO_RECEIPT', matchKey });
      if (!missing1 && asOf - created > 6 * 3_600_000) add('ANO-06', id);
      continue;
    }
    const got = receipts.reduce((s, r) => s + toCents(R(r, 'receipt_amount'), 'DOLLARS'), 0);
    const fee = receipts.reduce((s, r) => s + toCents(R(r, 'difference_amount'), 'DOLLARS'), 0);
    const s2 = Math.abs(amount - got) > 5 ? 'AMOUNT_MISMATCH' : 'MATCHED';
    const fs = fee < 1 ? 'ZERO_FEE' : fee < 200 ? 'LOW_FEE' : fee > 800 ? 'HIGH_FEE' : 'NORMAL_FEE';
    l2.set(id, { status: s2, feeStatus: fs, matchKey });
    if (s2 === 'AMOUNT_MISMATCH') add('ANO-02', id);
    if (fs === 'ZERO_FEE' || fs === 'HIGH_FEE') add('ANO-03', id);
    const channelFees = tradeNos.filter((t) => feesByTrade.has(t));
    if (channelFees.length > 0) {
      const cf = channelFees.reduce((s, t) => s + (feesByTrade.get(t) ?? 0), 0);
      if (Math.abs(cf - fee) > 1) add('ANO-03', id);
    }
  }

  // Trades: orphans, vouchers, refunds.
  const confirmedVoucher = new Set<string>();
  for (const v of rows('t_reconcile_voucher').filter(live(V))) {
    if (V(v, 'voucher_status') === 1 && V(v, 'trade_no') !== null)
      confirmedVoucher.add(String(V(v, 'trade_no')));
  }
  for (const [tn, t] of trades) {
    const age = asOf - ms(T(t, 'create_time'));
    if (!referencedTrades.has(tn) && age > 4 * 3_600_000) add('ANO-05', tn);
    if (!confirmedVoucher.has(tn) && age > 6 * 3_600_000) add('ANO-06', tn);
  }
  const refundSum = new Map<string, number>();
  for (const r of rows('t_refund').filter(live(RF))) {
    const st = RF(r, 'refund_status');
    const tn = String(RF(r, 'trade_no'));
    if (st === 0 && asOf - ms(RF(r, 'create_time')) > 72 * 3_600_000) add('ANO-04', String(RF(r, 'id')));
    if (st === 0 || st === 1)
      refundSum.set(tn, (refundSum.get(tn) ?? 0) + toCents(RF(r, 'refund_amount'), 'CENTS'));
  }
  for (const [tn, sum] of refundSum) {
    const t = trades.get(tn);
    if (t && sum > toCents(T(t, 'amount'), 'CENTS')) add('ANO-04', tn);
  }

  // L3 per shop × business date.
  const l3 = new Map<string, { status: string; gross: number; income: number }>();
  const gross = new Map<string, { gross: number; fees: number }>();
  for (const r of activeReceipts) {
    const d = cal.dateOf(ms(R(r, 'create_time')));
    if (!dateSet.has(d)) continue;
    const k = `${String(R(r, 'shop_id'))}|${d}`;
    const g = gross.get(k) ?? { gross: 0, fees: 0 };
    g.gross += toCents(R(r, 'receipt_amount'), 'DOLLARS');
    g.fees += toCents(R(r, 'difference_amount'), 'DOLLARS');
    gross.set(k, g);
  }
  const income = new Map<string, number>();
  for (const b of rows('t_acc_income_bill').filter(live(B))) {
    if (B(b, 'bill_status') !== 1 || !dateSet.has(String(B(b, 'biz_date')))) continue;
    const k = `${String(B(b, 'shop_id'))}|${String(B(b, 'biz_date'))}`;
    income.set(k, (income.get(k) ?? 0) + toCents(B(b, 'amount'), 'DOLLARS'));
  }
  for (const k of new Set([...gross.keys(), ...income.keys()])) {
    const g = gross.get(k);
    const inc = income.get(k);
    let status: string;
    let gap: number;
    if (inc === undefined) {
      status = 'MISSING_INCOME_BILL';
      gap = g?.gross ?? 0;
    } else if (!g) {
      status = 'MISSING_RECEIPTS';
      gap = inc;
    } else if (Math.abs(g.gross - inc) <= 100) {
      status = 'MATCHED';
      gap = 0;
    } else if (Math.abs(g.gross - g.fees - inc) <= 100) {
      status = 'MATCHED_NET';
      gap = 0;
    } else {
      status = 'AMOUNT_MISMATCH';
      gap = Math.abs(g.gross - inc);
    }
    l3.set(k, { status, gross: g?.gross ?? 0, income: inc ?? 0 });
    if (gap > 50) add('ANO-07', k);
  }
  const balance = new Map<string, number>();
  for (const e of rows('t_pre_voucher_entry').filter(live(E))) {
    if (!dateSet.has(String(E(e, 'biz_date')))) continue;
    const k = String(E(e, 'voucher_id'));
    balance.set(
      k,
      (balance.get(k) ?? 0) +
        toCents(E(e, 'debit_amount'), 'DOLLARS') -
        toCents(E(e, 'credit_amount'), 'DOLLARS'),
    );
  }
  for (const [k, b] of balance) if (b !== 0) add('ANO-07', k);

  return { l1, l2, l3, anomalies, nonUsdOrders };
}
