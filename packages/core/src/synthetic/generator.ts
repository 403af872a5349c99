/**
 * Seeded, deterministic synthetic source data for the four MySQL source systems (SPEC §2): a
 * coffee chain's orders, payments, trades, channel fees, refunds, finance receipts, income bills,
 * pre-voucher entries and reconcile vouchers, with every anomaly of SPEC §7 planted at known rates
 * and listed in an answer key.
 *
 * Data comes out business date by business date, in chunks of at most `chunkOrders` orders, so a
 * caller can write day 1, run the pipeline, write day 2, … Every row of a date's batch has its
 * watermark value (update_time, or create_time for append-only tables) inside the batch's arrival
 * window [06:00 local on the date, 06:00 local on the next date): a run for date D with as-of =
 * `batchEnd` sees exactly what has been written.
 *
 * Money is integer cents throughout, formatted with `centsToDollars`; ids are digit strings
 * (t_order ids start above 2^53 to exercise exactness).
 */
import { centsToDollars } from '../money.ts';
import type { RawRow } from '../sources/types.ts';
import { addDays, BusinessCalendar, formatTimestamp, isValidDate, weekdayOf } from '../time.ts';
import { cumulative, Prng } from './prng.ts';
import {
  type AnswerKey,
  DEFAULT_PLANT_RATES,
  EXPECTED_ANOMALY,
  type GeneratedChunk,
  type GeneratedDay,
  type Generator,
  type GeneratorOptions,
  type PlantedCondition,
  type PlantedDetails,
  type PlantedKind,
  type PlantRates,
  type TableRows,
} from './types.ts';

export * from './types.ts';

/** Order-volume multipliers by weekday (Sunday … Saturday); they average to exactly 1. */
export const WEEKDAY_MULTIPLIERS: readonly number[] = Object.freeze([
  0.88, 0.98, 1.02, 1.04, 1.03, 1.08, 0.97,
]);

/** Local opening window of the shops: orders are created in [06:00, 22:30) local time. */
export const OPEN_SECONDS = 6 * 3600;
export const CLOSE_SECONDS = 22 * 3600 + 30 * 60;

/** Relative order volume per half-hour slot from 06:00 to 22:30 local (morning peak, evening tail). */
export const DAILY_CURVE: readonly number[] = Object.freeze([
  3, 5, 8, 10, 10, 9, 7, 6, 5, 4.5, 4.5, 5, 6, 6, 5, 4.5, 4, 4, 4.5, 4.5, 4, 3.5, 3.5, 3.5, 3, 3, 2.8, 2.6,
  2.5, 2.3, 2, 1.6, 1.2,
]);

/** t_order ids are ORDER_ID_BASE + n (n ≥ 1): all above 2^53, so every order id needs exact BIGINT handling. */
export const ORDER_ID_BASE = 9_007_199_254_740_993n;

/** Stripe's 2.9 % + 30¢ on an amount in cents, rounded half up, integer arithmetic only. */
export function stripeFeeCents(amountCents: number): number {
  return Math.floor((amountCents * 29 + 500) / 1000) + 30;
}

/** Seconds-of-day before which a planted order must be created (ages pass before the cutoff). */
const PLANT_BEFORE_SECONDS = 21 * 3600 + 30 * 60;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const SECOND = 1000;
const FEE_RATE = '0.029000';
const MENU_CENTS = [375, 425, 450, 495, 525, 545, 575, 595, 625, 650, 675, 725, 795];
const ITEM_COUNT_CUM = cumulative([55, 28, 12, 5]);
const SLOT_CUM = cumulative(DAILY_CURVE);
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/**
 * Normal receipt processing offset (difference_amount) band, cents, capped at the order amount
 * − 0.40: mean ≈ 4.66 on this menu, always inside the NORMAL_FEE band 2.00–8.00.
 */
const OFFSET_MIN = 300;
const OFFSET_MAX = 800;

const ORDER_KINDS: ReadonlyArray<readonly [PlantedKind, keyof PlantRates]> = [
  ['MISSING_PAYMENT', 'missingPayment'],
  ['MISSING_TRADE', 'missingTrade'],
  ['AMOUNT_MISMATCH_ORDER_PAY', 'orderPayMismatch'],
  ['AMOUNT_MISMATCH_ORDER_TRADE', 'orderTradeMismatch'],
  ['AMOUNT_MISMATCH_PAY_TRADE', 'payTradeMismatch'],
  ['RECEIPT_AMOUNT_MISMATCH', 'receiptMismatch'],
  ['ZERO_FEE', 'zeroFee'],
  ['HIGH_FEE', 'highFee'],
  ['CHANNEL_FEE_MISMATCH', 'channelFeeMismatch'],
  ['MISSING_RECEIPT', 'missingReceipt'],
  ['MISSING_VOUCHER', 'missingVoucher'],
  ['ORPHAN_TRADE', 'orphanTrade'],
  ['REFUND_STUCK', 'refundStuck'],
  ['REFUND_EXCESS', 'refundExcess'],
  ['LATE_RECEIPT', 'lateReceipt'],
  ['LATE_PAYMENT', 'latePayment'],
  ['RECEIPT_BY_TRADE_NO', 'receiptByTradeNo'],
  ['SETTLED_LATER', 'settledLater'],
];
const SHOP_KINDS: ReadonlyArray<readonly [PlantedKind, keyof PlantRates]> = [
  ['INCOME_MISMATCH_HIGH', 'incomeMismatchHigh'],
  ['INCOME_MISMATCH_MEDIUM', 'incomeMismatchMedium'],
  ['MISSING_INCOME_BILL', 'missingIncomeBill'],
  ['UNBALANCED_VOUCHER', 'unbalancedVoucher'],
];
/** Kinds that need a later batch (late rows, later updates). */
const NEEDS_NEXT_DAY = new Set<PlantedKind>(['LATE_RECEIPT', 'LATE_PAYMENT', 'SETTLED_LATER']);
const ALL_KINDS = Object.keys(EXPECTED_ANOMALY) as PlantedKind[];

/** The nine source tables, in the order rows are written. */
export const GENERATED_TABLES = [
  't_order',
  't_order_pay',
  't_finance_receipt',
  't_trade',
  't_channel_fee',
  't_refund',
  't_acc_income_bill',
  't_pre_voucher_entry',
  't_reconcile_voucher',
] as const;

const ts = formatTimestamp;
const dollars = (cents: number): string => centsToDollars(cents);

function pctString(bp: number): string {
  const neg = bp < 0;
  const a = Math.abs(bp);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

function addRows(target: TableRows, table: string, rows: RawRow[]): void {
  if (rows.length === 0) return;
  const list = target.get(table);
  if (list) for (const r of rows) list.push(r);
  else target.set(table, rows.slice());
}

function emptyCounts(): Record<PlantedKind, number> {
  const c = {} as Record<PlantedKind, number>;
  for (const k of ALL_KINDS) c[k] = 0;
  return c;
}

/**
 * Create a seeded generator.
 * @throws Error when options are invalid (bad date, non-positive sizes, rates outside [0, 1]).
 */
export function generate(options: GeneratorOptions): Generator {
  if (!isValidDate(options.startDate)) throw new Error(`invalid startDate "${options.startDate}"`);
  if (!Number.isInteger(options.days) || options.days < 1) throw new Error('days must be a positive integer');
  if (!Number.isInteger(options.ordersPerDay) || options.ordersPerDay < 0)
    throw new Error('ordersPerDay must be a non-negative integer');
  const shops = options.shops ?? 12;
  if (!Number.isInteger(shops) || shops < 1 || shops > 9000) throw new Error('shops must be in 1..9000');
  const rates: PlantRates = { ...DEFAULT_PLANT_RATES, ...(options.rates ?? {}) };
  for (const [k, v] of Object.entries(rates)) {
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new Error(`rate ${k} must be in [0, 1]`);
  }
  const orderRateSum = ORDER_KINDS.reduce((s, [, key]) => s + rates[key], 0);
  if (orderRateSum > 1) throw new Error('per-order plant rates sum to more than 1');
  const shopRateSum = SHOP_KINDS.reduce((s, [, key]) => s + rates[key], 0);
  if (shopRateSum > 1) throw new Error('per-shop-day plant rates sum to more than 1');
  const chunkOrders = options.chunkOrders ?? 50_000;
  if (!Number.isInteger(chunkOrders) || chunkOrders < 1)
    throw new Error('chunkOrders must be a positive integer');

  const resolved = Object.freeze({
    startDate: options.startDate,
    days: options.days,
    ordersPerDay: options.ordersPerDay,
    shops,
    seed: options.seed,
    timeZone: options.timeZone ?? 'America/New_York',
    chunkOrders,
    ensureEachKind: options.ensureEachKind ?? true,
    rates: Object.freeze(rates),
  });
  const dates = Array.from({ length: resolved.days }, (_, i) => addDays(resolved.startDate, i));
  const cal = new BusinessCalendar(resolved.timeZone);
  const clock = new LocalClock(cal);
  let cachedKey: AnswerKey | undefined;

  const gen: Generator = {
    options: resolved,
    dates,
    *days() {
      const run = new Run(resolved, dates, clock);
      yield* run.chunks();
      cachedKey ??= run.key();
    },
    answerKey() {
      if (!cachedKey) {
        const run = new Run(resolved, dates, clock);
        for (const _ of run.chunks()) {
          // drain: rows are discarded, only the answer key is kept
        }
        cachedKey = run.key();
      }
      return cachedKey;
    },
    batchEndOf(date: string) {
      return clock.at(addDays(date, 1), OPEN_SECONDS);
    },
  };
  return gen;
}

/** The answer key of a generator (see {@link Generator.answerKey}). */
export function answerKey(generator: Generator): AnswerKey {
  return generator.answerKey();
}

/** Merge a generator's chunks into whole-day batches (for small runs and tests). */
export function collectDays(generator: Generator): GeneratedDay[] {
  const out: GeneratedDay[] = [];
  let current: GeneratedDay | undefined;
  for (const chunk of generator.days()) {
    if (!current || current.date !== chunk.date) {
      current = {
        date: chunk.date,
        batchStart: chunk.batchStart,
        batchEnd: chunk.batchEnd,
        inserts: new Map(),
        updates: new Map(),
      };
      out.push(current);
    }
    for (const [t, rows] of chunk.inserts) addRows(current.inserts, t, rows);
    for (const [t, rows] of chunk.updates) addRows(current.updates, t, rows);
  }
  return out;
}

/** Local wall-clock → UTC conversion for a business calendar, memoized per date. */
class LocalClock {
  private readonly offsets = new Map<string, number>();
  constructor(readonly cal: BusinessCalendar) {}

  /**
   * UTC epoch ms of `secondsOfDay` local time on `date`. Uses the zone offset of local noon, exact
   * for any local time after the (02:00–03:00) DST transitions, i.e. everything this generator
   * places (≥ 04:00 local).
   */
  at(date: string, secondsOfDay: number): number {
    let off = this.offsets.get(date);
    if (off === undefined) {
      off = this.cal.offsetAt(this.cal.startOf(date) + 12 * HOUR);
      this.offsets.set(date, off);
    }
    return Date.parse(`${date}T00:00:00Z`) + secondsOfDay * SECOND - off;
  }
}

type Fate = 'completed' | 'cancelled' | 'refunded' | 'unpaid';

interface ShopDayAcc {
  gross: number;
  fees: number;
  receipts: number;
}

interface PaymentPart {
  amount: number;
  tradeNo: string;
  fee: number;
}

/** Per-table row id counters (ids are stable: base + sequence). */
const ID_BASES = {
  t_order_pay: 7_100_000_000_000,
  t_finance_receipt: 7_200_000_000_000,
  t_trade: 8_100_000_000_000,
  t_channel_fee: 8_200_000_000_000,
  t_refund: 8_300_000_000_000,
  t_acc_income_bill: 6_100_000_000,
  t_pre_voucher_entry: 6_200_000_000,
  voucher_id: 6_300_000_000,
  t_reconcile_voucher: 5_100_000_000_000,
} as const;

/** One replay of the generation (all mutable state lives here). */
class Run {
  private readonly rng: Prng;
  private readonly rates: PlantRates;
  private readonly orderKindCum: number[];
  private readonly orderRateSum: number;
  private readonly shopKindCum: number[];
  private readonly shopRateSum: number;
  private readonly shopIds: string[];
  private readonly shopCum: number[];
  private readonly seq = new Map<string, number>();
  private orderSeq = 0n;
  private tradeSeq = 0;
  private readonly deferredInserts = new Map<string, TableRows>();
  private readonly deferredUpdates = new Map<string, TableRows>();
  private readonly acc = new Map<string, ShopDayAcc>();
  private readonly conditions: PlantedCondition[] = [];
  private readonly counts = emptyCounts();
  private readonly ordersByDate: Record<string, number> = {};
  private readonly nzdByDate: Record<string, number> = {};
  private readonly softDeleted: Record<string, number> = {};
  private readonly lateSoftDeleted: Record<string, number> = {};
  private readonly lateArrivals: Record<string, number> = {};
  private totalOrders = 0;
  private totalNzd = 0;

  // per-day context
  private date = '';
  private nextDate = '';
  private hasNext = false;
  private dateCompact = '';
  private forcedOrderKinds: PlantedKind[] = [];
  private out: TableRows = new Map();
  private outUpdates: TableRows = new Map();

  constructor(
    private readonly opts: Generator['options'],
    private readonly dates: readonly string[],
    private readonly clock: LocalClock,
  ) {
    this.rng = new Prng(opts.seed);
    this.rates = opts.rates;
    this.orderKindCum = cumulative(ORDER_KINDS.map(([, k]) => this.rates[k]));
    this.orderRateSum = this.orderKindCum[this.orderKindCum.length - 1] ?? 0;
    this.shopKindCum = cumulative(SHOP_KINDS.map(([, k]) => this.rates[k]));
    this.shopRateSum = this.shopKindCum[this.shopKindCum.length - 1] ?? 0;
    this.shopIds = Array.from({ length: opts.shops }, (_, i) => String(40001 + i));
    this.shopCum = cumulative(this.shopIds.map((_, i) => 1 / (1 + 0.15 * i)));
  }

  key(): AnswerKey {
    return {
      conditions: this.conditions,
      counts: this.counts,
      orders: this.totalOrders,
      ordersByDate: this.ordersByDate,
      nzdOrders: this.totalNzd,
      nzdOrdersByDate: this.nzdByDate,
      softDeleted: this.softDeleted,
      lateSoftDeleted: this.lateSoftDeleted,
      lateArrivals: this.lateArrivals,
    };
  }

  private nextId(table: keyof typeof ID_BASES): string {
    const n = (this.seq.get(table) ?? 0) + 1;
    this.seq.set(table, n);
    return String(ID_BASES[table] + n);
  }

  private nextTradeNo(): string {
    this.tradeSeq += 1;
    return `TN${this.dateCompact}${String(this.tradeSeq).padStart(10, '0')}`;
  }

  private emit(table: string, row: RawRow): void {
    const list = this.out.get(table);
    if (list) list.push(row);
    else this.out.set(table, [row]);
  }

  private deferInsert(table: string, row: RawRow): void {
    let m = this.deferredInserts.get(this.nextDate);
    if (!m) {
      m = new Map();
      this.deferredInserts.set(this.nextDate, m);
    }
    addRows(m, table, [row]);
    this.lateArrivals[table] = (this.lateArrivals[table] ?? 0) + 1;
  }

  private deferUpdate(table: string, row: RawRow): void {
    let m = this.deferredUpdates.get(this.nextDate);
    if (!m) {
      m = new Map();
      this.deferredUpdates.set(this.nextDate, m);
    }
    addRows(m, table, [row]);
  }

  private countSoftDeleted(table: string): void {
    this.softDeleted[table] = (this.softDeleted[table] ?? 0) + 1;
  }

  private plant(kind: PlantedKind, entityKey: string, details: PlantedDetails): void {
    const expectedAnomalyType = EXPECTED_ANOMALY[kind];
    this.conditions.push({
      kind,
      entityKey,
      date: this.date,
      ...(expectedAnomalyType ? { expectedAnomalyType } : {}),
      details,
    });
    this.counts[kind] += 1;
  }

  /** A random instant of the next date's batch window (08:00–20:00 local next day). */
  private nextDayArrival(): number {
    return this.clock.at(this.nextDate, this.rng.int(8 * 3600, 20 * 3600));
  }

  private accumulate(shopId: string, createMs: number, amount: number, fee: number): void {
    const d = this.clock.cal.dateOf(createMs);
    const k = `${shopId}|${d}`;
    const a = this.acc.get(k);
    if (a) {
      a.gross += amount;
      a.fees += fee;
      a.receipts += 1;
    } else this.acc.set(k, { gross: amount, fees: fee, receipts: 1 });
  }

  *chunks(): IterableIterator<GeneratedChunk> {
    for (let di = 0; di < this.dates.length; di++) {
      const date = this.dates[di]!;
      this.date = date;
      this.nextDate = addDays(date, 1);
      this.hasNext = di < this.dates.length - 1;
      this.dateCompact = date.replaceAll('-', '');
      const batchStartMs = this.clock.at(date, OPEN_SECONDS);
      const batchEndMs = this.clock.at(this.nextDate, OPEN_SECONDS);
      this.forcedOrderKinds =
        di === 0 && this.opts.ensureEachKind
          ? ORDER_KINDS.filter(([k, r]) => this.rates[r] > 0 && (this.hasNext || !NEEDS_NEXT_DAY.has(k))).map(
              ([k]) => k,
            )
          : [];

      // Day volume and creation times (local seconds of day, sorted).
      const noise = 0.985 + this.rng.next() * 0.03;
      const n = Math.round(this.opts.ordersPerDay * (WEEKDAY_MULTIPLIERS[weekdayOf(date)] ?? 1) * noise);
      const secs = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const slot = this.rng.weighted(SLOT_CUM);
        secs[i] = OPEN_SECONDS + slot * 1800 + Math.floor(this.rng.next() * 1800);
      }
      secs.sort();
      this.ordersByDate[date] = n;
      this.nzdByDate[date] = 0;
      this.totalOrders += n;

      const chunkCount = Math.max(1, Math.ceil(n / this.opts.chunkOrders));
      for (let c = 0; c < chunkCount; c++) {
        this.out = new Map();
        this.outUpdates = new Map();
        if (c === 0) {
          const di2 = this.deferredInserts.get(date);
          if (di2) for (const [t, rows] of di2) addRows(this.out, t, rows);
          const du = this.deferredUpdates.get(date);
          if (du) for (const [t, rows] of du) addRows(this.outUpdates, t, rows);
          this.deferredInserts.delete(date);
          this.deferredUpdates.delete(date);
        }
        const from = c * this.opts.chunkOrders;
        const to = Math.min(n, from + this.opts.chunkOrders);
        for (let i = from; i < to; i++) this.order(secs[i]!);
        const last = c === chunkCount - 1;
        if (last) this.shopDays(di);
        yield {
          date,
          chunkIndex: c,
          chunkCount,
          lastOfDay: last,
          batchStart: ts(batchStartMs),
          batchEnd: ts(batchEndMs),
          orders: to - from,
          inserts: this.out,
          updates: this.outUpdates,
        };
      }
    }
  }

  private drawOrderKind(sec: number, nzd: boolean): PlantedKind | undefined {
    if (nzd || sec >= PLANT_BEFORE_SECONDS) return undefined;
    const forced = this.forcedOrderKinds.shift();
    if (forced) return forced;
    if (this.orderRateSum <= 0) return undefined;
    const u = this.rng.next();
    if (u >= this.orderRateSum) return undefined;
    let idx = 0;
    while (idx < this.orderKindCum.length - 1 && (this.orderKindCum[idx] ?? 0) <= u) idx++;
    const kind = ORDER_KINDS[idx]![0];
    if (NEEDS_NEXT_DAY.has(kind) && !this.hasNext) return undefined;
    return kind;
  }

  private basketCents(big: boolean): { gross: number; discount: number; delivery: boolean } {
    const items = big ? this.rng.int(3, 4) : this.rng.weighted(ITEM_COUNT_CUM) + 1;
    let gross = 0;
    for (let i = 0; i < items; i++) gross += this.rng.pick(MENU_CENTS);
    const delivery = big || this.rng.chance(0.15);
    if (delivery) gross += 299;
    let discount = 0;
    if (!big && this.rng.chance(0.2)) {
      discount = this.rng.chance(0.5) ? this.rng.pick([100, 150, 200, 300]) : Math.floor((gross * 20) / 100);
      if (gross - discount < 300) discount = Math.max(0, gross - 300);
    }
    return { gross, discount, delivery };
  }

  /** Split `total` into `k` positive integer parts (total ≥ k). */
  private split(total: number, k: number): number[] {
    const cuts = new Set<number>();
    while (cuts.size < k - 1) cuts.add(this.rng.int(1, total - 1));
    const sorted = [...cuts].sort((a, b) => a - b);
    const parts: number[] = [];
    let prev = 0;
    for (const c of sorted) {
      parts.push(c - prev);
      prev = c;
    }
    parts.push(total - prev);
    return parts;
  }

  /** Distribute `total` over parts proportionally to `weights` (integer, sums exactly). */
  private static prorate(total: number, weights: number[]): number[] {
    const sum = weights.reduce((a, b) => a + b, 0);
    const out = weights.map((w) => Math.floor((total * w) / sum));
    out[out.length - 1] = total - out.slice(0, -1).reduce((a, b) => a + b, 0);
    return out;
  }

  private order(sec: number): void {
    const rng = this.rng;
    const date = this.date;
    const createMs = this.clock.at(date, sec);
    const shopId = this.shopIds[rng.weighted(this.shopCum)]!;
    const nzd = rng.chance(this.rates.nzd);
    const kind = this.drawOrderKind(sec, nzd);
    this.orderSeq += 1n;
    const orderId = (ORDER_ID_BASE + this.orderSeq).toString();
    const orderNo = `LK${this.dateCompact}${shopId}${String(this.orderSeq).padStart(9, '0')}`;
    if (nzd) {
      this.totalNzd += 1;
      this.nzdByDate[date] = (this.nzdByDate[date] ?? 0) + 1;
    }

    let fate: Fate;
    if (kind === 'REFUND_STUCK' || kind === 'REFUND_EXCESS') fate = 'refunded';
    else if (kind) fate = 'completed';
    else {
      const u = rng.next();
      fate = u < 0.945 ? 'completed' : u < 0.97 ? 'cancelled' : u < 0.985 ? 'refunded' : 'unpaid';
    }
    const clean = kind === undefined || kind === 'RECEIPT_BY_TRADE_NO' || kind === 'SETTLED_LATER';
    const basket = this.basketCents(kind === 'HIGH_FEE');
    const amount = basket.gross - basket.discount;
    const userId = rng.chance(0.7)
      ? String(2_000_000 + rng.int(1, Math.max(1000, this.opts.ordersPerDay * 3)))
      : null;
    const orderType = basket.delivery ? 2 : 1;
    const orderSource = basket.delivery ? 4 : rng.pick([1, 1, 1, 2, 2, 3]);
    const currency = nzd ? 'NZD' : 'USD';
    const payType = rng.pick([1, 1, 2, 3]);

    const orderRow = (
      orderCents: number,
      status: number,
      payStatus: number,
      updateMs: number,
      payMs: number | null,
      completeMs: number | null,
      isDel = 0,
      id = orderId,
      no = orderNo,
    ): RawRow => [
      id,
      no,
      shopId,
      userId,
      dollars(orderCents),
      dollars(basket.discount),
      status,
      payStatus,
      currency,
      orderType,
      orderSource,
      ts(createMs),
      ts(updateMs),
      payMs === null ? null : ts(payMs),
      completeMs === null ? null : ts(completeMs),
      isDel,
    ];
    const payRow = (
      id: string,
      tradeNo: string,
      cents: number,
      status: number,
      cMs: number,
      uMs: number,
      isDel = 0,
    ) => [id, orderId, tradeNo, String(cents), payType, status, ts(cMs), ts(uMs), isDel] as RawRow;
    const tradeRow = (
      id: string,
      tradeNo: string,
      cents: number,
      status: number,
      cMs: number,
      uMs: number,
      doneMs: number | null,
      isDel = 0,
    ): RawRow => [
      id,
      tradeNo,
      String(cents),
      status,
      1,
      `pi_${rng.chars(24, BASE62)}`,
      ts(cMs),
      ts(uMs),
      doneMs === null ? null : ts(doneMs),
      isDel,
    ];
    const feeRow = (tradeNo: string, cents: number, cMs: number, isDel = 0): RawRow => [
      this.nextId('t_channel_fee'),
      tradeNo,
      String(cents),
      FEE_RATE,
      1,
      ts(cMs),
      isDel,
    ];
    const voucherRow = (
      tradeNo: string,
      cents: number,
      cMs: number,
      status = 1,
      isDel = 0,
      bizNo: string | null = orderNo,
    ): RawRow => {
      const id = this.nextId('t_reconcile_voucher');
      return [
        id,
        `RV${this.dateCompact}${id.slice(-9)}`,
        bizNo,
        tradeNo,
        shopId,
        dollars(cents),
        status,
        date,
        ts(cMs),
        ts(cMs),
        isDel,
      ];
    };
    const receiptRow = (
      amountCents: number,
      feeCents: number,
      tradeNo: string,
      cMs: number,
      uMs: number,
      status = 1,
      byTradeNo = false,
      isDel = 0,
    ): RawRow => [
      this.nextId('t_finance_receipt'),
      byTradeNo ? null : orderId,
      byTradeNo ? null : orderNo,
      tradeNo,
      dollars(amountCents),
      dollars(feeCents),
      1,
      status,
      shopId,
      ts(cMs),
      ts(uMs),
      isDel,
    ];

    // ── not completed: unpaid / cancelled ─────────────────────────────────────────────
    if (fate === 'unpaid') {
      this.emit('t_order', orderRow(amount, 0, 0, createMs, null, null));
      if (rng.chance(0.5)) {
        const pMs = createMs + rng.int(20, 90) * SECOND;
        const tno = this.nextTradeNo();
        this.emit('t_order_pay', payRow(this.nextId('t_order_pay'), tno, amount, 0, pMs, pMs));
        this.emit(
          't_trade',
          tradeRow(this.nextId('t_trade'), tno, amount, 0, pMs + SECOND, pMs + SECOND, null),
        );
      }
      return;
    }
    if (fate === 'cancelled') {
      const cancelMs = createMs + rng.int(120, 1200) * SECOND;
      const row = orderRow(amount, 8, 0, cancelMs, null, null);
      this.emit('t_order', row);
      const later = this.hasNext && rng.chance(this.rates.lateSoftDelete);
      const arrival = later ? this.nextDayArrival() : 0;
      if (later) {
        const del = row.slice();
        del[12] = ts(arrival);
        del[15] = 1;
        this.deferUpdate('t_order', del);
        this.lateSoftDeleted['t_order'] = (this.lateSoftDeleted['t_order'] ?? 0) + 1;
      }
      if (rng.chance(0.5)) {
        const pMs = createMs + rng.int(20, 90) * SECOND;
        const tno = this.nextTradeNo();
        const p = payRow(this.nextId('t_order_pay'), tno, amount, 2, pMs, pMs + 3 * SECOND);
        const t = tradeRow(this.nextId('t_trade'), tno, amount, 2, pMs + SECOND, pMs + 3 * SECOND, null);
        this.emit('t_order_pay', p);
        this.emit('t_trade', t);
        if (later) {
          const pd = p.slice();
          pd[7] = ts(arrival);
          pd[8] = 1;
          const td = t.slice();
          td[7] = ts(arrival);
          td[9] = 1;
          this.deferUpdate('t_order_pay', pd);
          this.deferUpdate('t_trade', td);
          this.lateSoftDeleted['t_order_pay'] = (this.lateSoftDeleted['t_order_pay'] ?? 0) + 1;
          this.lateSoftDeleted['t_trade'] = (this.lateSoftDeleted['t_trade'] ?? 0) + 1;
        }
      }
      return;
    }

    // ── paid: completed or refunded ───────────────────────────────────────────────────
    let payCreate = createMs + rng.int(20, 90) * SECOND;
    if (clean && fate === 'completed' && rng.chance(0.02)) {
      // A declined attempt first, then the successful one.
      const tno = this.nextTradeNo();
      this.emit(
        't_order_pay',
        payRow(this.nextId('t_order_pay'), tno, amount, 2, payCreate, payCreate + 4 * SECOND),
      );
      this.emit(
        't_trade',
        tradeRow(this.nextId('t_trade'), tno, amount, 2, payCreate + SECOND, payCreate + 4 * SECOND, null),
      );
      payCreate += rng.int(30, 120) * SECOND;
    }
    const payMs = payCreate + rng.int(2, 20) * SECOND;
    const completeMs = payMs + rng.int(300, 900) * SECOND;
    const detectable = (ms: number) => ts(ms);

    // Processing offset (receipt difference_amount = channel fee), cents.
    let offset = rng.int(OFFSET_MIN, Math.max(OFFSET_MIN, Math.min(OFFSET_MAX, amount - 40)));
    if (kind === 'ZERO_FEE') offset = 0;
    if (kind === 'HIGH_FEE') offset = rng.int(801, Math.min(1500, amount - 50));

    // Payment parts (split tender for ~3 % of clean completed orders).
    const k =
      clean && fate === 'completed' && !nzd && amount >= 3 && rng.chance(0.03)
        ? rng.chance(0.8)
          ? 2
          : 3
        : 1;
    const amounts = k === 1 ? [amount] : this.split(amount, k);
    const fees = Run.prorate(offset, amounts);
    const parts: PaymentPart[] = amounts.map((a, i) => ({
      amount: a,
      tradeNo: this.nextTradeNo(),
      fee: fees[i]!,
    }));

    let orderCents = amount;
    let receiptCents = amount;
    const pays = parts.map((p) => p.amount);
    const trades = parts.map((p) => p.amount);
    let channelFeeDelta = 0;
    const d2 = (c: number) => dollars(c);
    if (kind === 'AMOUNT_MISMATCH_ORDER_PAY') {
      const delta = rng.int(50, 300);
      orderCents = amount + delta;
      receiptCents = orderCents;
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: kind,
        severity: 'CRITICAL',
        expected: d2(orderCents),
        actual: d2(amount),
        affectedAmount: d2(delta),
      });
    } else if (kind === 'AMOUNT_MISMATCH_ORDER_TRADE') {
      const delta = rng.int(50, 300);
      trades[0] = amount + delta;
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: kind,
        severity: 'CRITICAL',
        expected: d2(amount),
        actual: d2(amount + delta),
        affectedAmount: d2(delta),
      });
    } else if (kind === 'AMOUNT_MISMATCH_PAY_TRADE') {
      pays[0] = amount - 1;
      trades[0] = amount + 1;
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: kind,
        severity: 'CRITICAL',
        expected: d2(amount - 1),
        actual: d2(amount + 1),
        affectedAmount: '0.02',
      });
    } else if (kind === 'RECEIPT_AMOUNT_MISMATCH') {
      const delta = rng.int(6, 500);
      receiptCents = amount - delta >= offset + 50 && rng.chance(0.5) ? amount - delta : amount + delta;
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: 'AMOUNT_MISMATCH',
        severity: 'CRITICAL',
        expected: d2(amount),
        actual: d2(receiptCents),
        affectedAmount: d2(delta),
      });
    } else if (kind === 'ZERO_FEE' || kind === 'HIGH_FEE') {
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        feeStatus: kind,
        severity: 'MEDIUM',
        actual: d2(offset),
        affectedAmount: d2(offset),
      });
    } else if (kind === 'CHANNEL_FEE_MISMATCH') {
      channelFeeDelta = rng.chance(0.5) ? rng.int(2, 150) : -rng.int(2, 150);
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        severity: 'LOW',
        expected: d2(offset),
        actual: d2(offset + channelFeeDelta),
        affectedAmount: d2(offset),
        note: 'expected = receipt difference_amount, actual = t_channel_fee.fee_amount',
      });
    } else if (kind === 'MISSING_PAYMENT' || kind === 'MISSING_TRADE') {
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        ...(kind === 'MISSING_TRADE' ? { tradeNo: parts[0]!.tradeNo } : {}),
        matchStatus: kind,
        severity: 'HIGH',
        affectedAmount: d2(amount),
        detectableAt: detectable(createMs + 2 * HOUR),
        note: 'no receipt either (root cause first: no ANO-06); CRITICAL once 24 h old',
      });
    } else if (kind === 'MISSING_RECEIPT') {
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: 'MISSING_RECEIPT',
        severity: 'MEDIUM',
        affectedAmount: d2(amount),
        detectableAt: detectable(createMs + 6 * HOUR),
        note: 'HIGH once 24 h old',
      });
    } else if (kind === 'RECEIPT_BY_TRADE_NO') {
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        matchStatus: 'MATCHED',
      });
    }

    const successful = kind !== 'MISSING_PAYMENT';
    const hasTrade = kind !== 'MISSING_PAYMENT' && kind !== 'MISSING_TRADE';
    const latePay = kind === 'LATE_PAYMENT';
    const payArrival = latePay ? this.nextDayArrival() : 0;
    let lastTradeMs = payMs;
    const voucherMissingIdx = kind === 'MISSING_VOUCHER' ? rng.int(0, parts.length - 1) : -1;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const pc = payCreate + i * 5 * SECOND;
      const done = payMs + i * 5 * SECOND;
      lastTradeMs = done;
      if (successful) {
        const row = payRow(
          this.nextId('t_order_pay'),
          p.tradeNo,
          pays[i]!,
          1,
          pc,
          latePay ? payArrival : done,
        );
        if (latePay) this.deferInsert('t_order_pay', row);
        else this.emit('t_order_pay', row);
      }
      if (!hasTrade) continue;
      const trow = tradeRow(
        this.nextId('t_trade'),
        p.tradeNo,
        trades[i]!,
        1,
        pc + SECOND,
        latePay ? payArrival : done,
        done,
      );
      if (latePay) this.deferInsert('t_trade', trow);
      else this.emit('t_trade', trow);
      this.emit(
        't_channel_fee',
        feeRow(p.tradeNo, p.fee + (i === 0 ? channelFeeDelta : 0), done + rng.int(1, 10) * SECOND),
      );
      const vMs = done + rng.int(5, 90) * MINUTE;
      if (i === voucherMissingIdx) {
        const pending = rng.chance(0.5);
        if (pending) this.emit('t_reconcile_voucher', voucherRow(p.tradeNo, trades[i]!, vMs, 0));
        this.plant('MISSING_VOUCHER', p.tradeNo, {
          orderId,
          orderNo,
          shopId,
          tradeNo: p.tradeNo,
          severity: 'MEDIUM',
          affectedAmount: d2(trades[i]!),
          detectableAt: detectable(done + 6 * HOUR),
          note: pending ? 'voucher exists but is pending (status 0)' : 'no voucher row',
        });
      } else {
        this.emit('t_reconcile_voucher', voucherRow(p.tradeNo, trades[i]!, vMs));
      }
    }
    if (latePay) {
      this.plant('LATE_PAYMENT', orderId, {
        orderId,
        orderNo,
        shopId,
        tradeNo: parts[0]!.tradeNo,
        transientAnomalyTypes: ['ANO-01'],
        arrivesWith: this.nextDate,
        note: 't_order_pay and t_trade rows arrive with the next batch (update_time = arrival)',
      });
    }

    if (fate === 'refunded') {
      this.refunded(
        kind,
        orderId,
        orderNo,
        shopId,
        parts[0]!,
        amount,
        completeMs,
        orderRow,
        receiptRow,
        payMs,
        nzd,
      );
      return;
    }

    // ── completed ─────────────────────────────────────────────────────────────────────
    const status = rng.chance(0.82) ? 5 : rng.chance(0.6) ? 6 : 7;
    const finalStatus = kind === 'SETTLED_LATER' ? 5 : status;
    const row = orderRow(orderCents, finalStatus, 1, completeMs, payMs, completeMs);
    this.emit('t_order', row);
    if (kind === 'SETTLED_LATER') {
      const upd = row.slice();
      upd[6] = 6;
      const arrival = this.nextDayArrival();
      upd[12] = ts(arrival);
      this.deferUpdate('t_order', upd);
      this.plant(kind, orderId, {
        orderId,
        orderNo,
        shopId,
        arrivesWith: this.nextDate,
        note: 'order_status 5 → 6',
      });
    }

    // Receipts (none for NZD test orders, nor for ANO-01 / missing-receipt plants).
    const noReceipt =
      nzd || kind === 'MISSING_PAYMENT' || kind === 'MISSING_TRADE' || kind === 'MISSING_RECEIPT';
    if (!noReceipt) {
      const u = rng.next();
      const delay =
        u < 0.6 ? rng.int(2, 30) * MINUTE : u < 0.95 ? rng.int(30, 120) * MINUTE : rng.int(120, 180) * MINUTE;
      const rMs = Math.max(completeMs, lastTradeMs) + delay;
      const byTradeNo = kind === 'RECEIPT_BY_TRADE_NO';
      let specs: { amount: number; fee: number; tradeNo: string; at: number }[];
      if (parts.length > 1 && rng.chance(0.5)) {
        specs = parts.map((p, i) => ({
          amount: p.amount,
          fee: p.fee,
          tradeNo: p.tradeNo,
          at: rMs + i * rng.int(1, 20) * MINUTE,
        }));
      } else if (clean && parts.length === 1 && receiptCents >= 2 && rng.chance(0.02)) {
        const [a1, a2] = this.split(receiptCents, 2) as [number, number];
        const [f1, f2] = Run.prorate(offset, [a1, a2]) as [number, number];
        const t0 = parts[0]!.tradeNo;
        specs = [
          { amount: a1, fee: f1, tradeNo: t0, at: rMs },
          { amount: a2, fee: f2, tradeNo: t0, at: rMs + rng.int(1, 20) * MINUTE },
        ];
      } else {
        specs = [{ amount: receiptCents, fee: offset, tradeNo: parts[0]!.tradeNo, at: rMs }];
      }
      const late = kind === 'LATE_RECEIPT';
      const arrival = late ? this.nextDayArrival() : 0;
      for (const s of specs) {
        const r = receiptRow(s.amount, s.fee, s.tradeNo, s.at, late ? arrival : s.at, 1, byTradeNo);
        if (late) this.deferInsert('t_finance_receipt', r);
        else this.emit('t_finance_receipt', r);
        this.accumulate(shopId, s.at, s.amount, s.fee);
      }
      if (late) {
        this.plant(kind, orderId, {
          orderId,
          orderNo,
          shopId,
          tradeNo: parts[0]!.tradeNo,
          transientAnomalyTypes: ['ANO-06', 'ANO-07'],
          arrivesWith: this.nextDate,
          note: 'receipt arrives with the next batch; the income bill already counts it',
        });
      }
    }

    if (kind === 'ORPHAN_TRADE') {
      const tno = this.nextTradeNo();
      const oAmount = this.basketCents(false);
      const cents = oAmount.gross - oAmount.discount;
      const tMs = completeMs + rng.int(1, 30) * MINUTE;
      this.emit(
        't_trade',
        tradeRow(this.nextId('t_trade'), tno, cents, 1, tMs, tMs + 3 * SECOND, tMs + 3 * SECOND),
      );
      this.emit('t_channel_fee', feeRow(tno, stripeFeeCents(cents), tMs + 5 * SECOND));
      this.emit('t_reconcile_voucher', voucherRow(tno, cents, tMs + rng.int(5, 90) * MINUTE, 1, 0, null));
      this.plant(kind, tno, {
        tradeNo: tno,
        shopId,
        severity: 'HIGH',
        affectedAmount: dollars(cents),
        detectableAt: detectable(tMs + 4 * HOUR),
        note: `no t_order_pay references this trade (created beside order ${orderId})`,
      });
    }

    // Soft-deleted decoys beside clean orders.
    if (clean && !nzd && rng.chance(this.rates.softDelete)) {
      const table = rng.pick([
        't_order',
        't_order_pay',
        't_finance_receipt',
        't_trade',
        't_channel_fee',
        't_reconcile_voucher',
      ] as const);
      const p0 = parts[0]!;
      switch (table) {
        case 't_order': {
          this.orderSeq += 1n;
          const id = (ORDER_ID_BASE + this.orderSeq).toString();
          const no = `LK${this.dateCompact}${shopId}${String(this.orderSeq).padStart(9, '0')}`;
          this.emit('t_order', orderRow(orderCents, 5, 1, completeMs, payMs, completeMs, 1, id, no));
          break;
        }
        case 't_order_pay':
          this.emit(
            't_order_pay',
            payRow(this.nextId('t_order_pay'), p0.tradeNo, p0.amount, 1, payCreate, payMs, 1),
          );
          break;
        case 't_finance_receipt':
          if (noReceipt) return;
          this.emit(
            't_finance_receipt',
            receiptRow(
              receiptCents,
              offset,
              p0.tradeNo,
              completeMs + MINUTE,
              completeMs + MINUTE,
              1,
              false,
              1,
            ),
          );
          break;
        case 't_trade': {
          const tno = this.nextTradeNo();
          this.emit('t_trade', tradeRow(this.nextId('t_trade'), tno, p0.amount, 1, payMs, payMs, payMs, 1));
          break;
        }
        case 't_channel_fee':
          this.emit('t_channel_fee', feeRow(p0.tradeNo, p0.fee + 100, payMs + 20 * SECOND, 1));
          break;
        case 't_reconcile_voucher':
          this.emit('t_reconcile_voucher', voucherRow(p0.tradeNo, p0.amount, payMs + 30 * MINUTE, 1, 1));
          break;
      }
      this.countSoftDeleted(table);
    }
  }

  private refunded(
    kind: PlantedKind | undefined,
    orderId: string,
    orderNo: string,
    shopId: string,
    part: PaymentPart,
    amount: number,
    completeMs: number,
    orderRow: (
      orderCents: number,
      status: number,
      payStatus: number,
      updateMs: number,
      payMs: number | null,
      completeMs: number | null,
    ) => RawRow,
    receiptRow: (
      amountCents: number,
      feeCents: number,
      tradeNo: string,
      cMs: number,
      uMs: number,
      status?: number,
    ) => RawRow,
    payMs: number,
    nzd: boolean,
  ): void {
    const rng = this.rng;
    const refundCreate = completeMs + rng.int(10, 120) * MINUTE;
    const refundRow = (
      cents: number,
      status: number,
      cMs: number,
      uMs: number,
      doneMs: number | null,
      isDel = 0,
    ): RawRow => {
      const id = this.nextId('t_refund');
      return [
        id,
        part.tradeNo,
        String(cents),
        status,
        ts(cMs),
        ts(uMs),
        doneMs === null ? null : ts(doneMs),
        isDel,
      ];
    };
    let orderUpdate = refundCreate;
    let payStatus = 2;
    if (kind === 'REFUND_STUCK') {
      const r = refundRow(amount, 0, refundCreate, refundCreate, null);
      this.emit('t_refund', r);
      payStatus = 1;
      this.plant(kind, String(r[0]), {
        orderId,
        orderNo,
        shopId,
        tradeNo: part.tradeNo,
        refundId: String(r[0]),
        severity: 'CRITICAL',
        affectedAmount: dollars(amount),
        detectableAt: ts(refundCreate + 72 * HOUR),
        note: 'refund stays pending (refund_status 0) forever',
      });
    } else if (kind === 'REFUND_EXCESS') {
      const done1 = refundCreate + rng.int(1, 10) * MINUTE;
      this.emit('t_refund', refundRow(amount, 1, refundCreate, done1, done1));
      const extra = Math.max(1, Math.floor((amount * rng.int(30, 100)) / 100));
      const c2 = done1 + rng.int(5, 60) * MINUTE;
      const done2 = c2 + rng.int(1, 10) * MINUTE;
      this.emit('t_refund', refundRow(extra, 1, c2, done2, done2));
      orderUpdate = done2;
      this.plant(kind, part.tradeNo, {
        orderId,
        orderNo,
        shopId,
        tradeNo: part.tradeNo,
        severity: 'CRITICAL',
        expected: dollars(amount),
        actual: dollars(amount + extra),
        affectedAmount: dollars(extra),
        note: 'two successful refunds exceed the trade amount',
      });
    } else if (this.hasNext && rng.chance(0.3)) {
      // Pending today, completed with the next batch.
      const r = refundRow(amount, 0, refundCreate, refundCreate, null);
      this.emit('t_refund', r);
      payStatus = 1;
      const arrival = this.nextDayArrival();
      const done = r.slice();
      done[3] = 1;
      done[5] = ts(arrival);
      done[6] = ts(arrival);
      this.deferUpdate('t_refund', done);
      const o = orderRow(amount, 9, 2, arrival, payMs, completeMs);
      this.deferUpdate('t_order', o);
    } else {
      const done = refundCreate + rng.int(1, 10) * MINUTE;
      this.emit('t_refund', refundRow(amount, 1, refundCreate, done, done));
      orderUpdate = done;
      if (kind === undefined && rng.chance(this.rates.softDelete * 4)) {
        // Decoy: a soft-deleted duplicate refund (would exceed the trade if counted).
        this.emit('t_refund', refundRow(amount, 1, refundCreate, done, done, 1));
        this.countSoftDeleted('t_refund');
      }
    }
    this.emit('t_order', orderRow(amount, 9, payStatus, orderUpdate, payMs, completeMs));
    // The finance receipt was voided by the refund (never reconciled, never income).
    if (nzd) return;
    const rMs = completeMs + rng.int(2, 30) * MINUTE;
    this.emit(
      't_finance_receipt',
      receiptRow(amount, part.fee, part.tradeNo, rMs, Math.max(rMs, orderUpdate), 0),
    );
  }

  /** Income bills and pre-voucher entries of every shop for the current date (next morning). */
  private shopDays(dayIndex: number): void {
    const rng = this.rng;
    const date = this.date;
    const forced: PlantedKind[] =
      dayIndex === 0 && this.opts.ensureEachKind
        ? SHOP_KINDS.filter(([, r]) => this.rates[r] > 0).map(([k]) => k)
        : [];
    for (const shopId of this.shopIds) {
      const k = `${shopId}|${date}`;
      const a = this.acc.get(k);
      this.acc.delete(k);
      if (!a || a.receipts === 0) continue;
      let kind: PlantedKind | undefined = forced.shift();
      if (!kind && this.shopRateSum > 0) {
        const u = rng.next();
        if (u < this.shopRateSum) {
          let idx = 0;
          while (idx < this.shopKindCum.length - 1 && (this.shopKindCum[idx] ?? 0) <= u) idx++;
          kind = SHOP_KINDS[idx]![0];
        }
      }
      const billMs = this.clock.at(this.nextDate, rng.int(4 * 3600, 5 * 3600 + 1800));
      const gross = a.gross;
      let income: number | null = gross;
      if (kind === 'INCOME_MISMATCH_HIGH' || kind === 'INCOME_MISMATCH_MEDIUM') {
        const bp = kind === 'INCOME_MISMATCH_HIGH' ? rng.int(300, 800) : rng.int(60, 180);
        const diff = Math.max(101, Math.floor((gross * bp) / 10000));
        let sign = rng.chance(0.5) ? 1 : -1;
        // Below gross by about the fees would read as MATCHED_NET: stay clear of it.
        if (sign < 0 && (Math.abs(a.fees - diff) <= 150 || diff >= gross)) sign = 1;
        income = gross + sign * diff;
        const varBp = Math.round(((gross - income) * 10000) / gross);
        const high = Math.abs(varBp) > 200;
        kind = high ? 'INCOME_MISMATCH_HIGH' : 'INCOME_MISMATCH_MEDIUM';
        this.plant(kind, k, {
          shopId,
          matchStatus: 'AMOUNT_MISMATCH',
          severity: high ? 'HIGH' : 'MEDIUM',
          expected: dollars(gross),
          actual: dollars(income),
          affectedAmount: dollars(diff),
          variancePct: pctString(varBp),
        });
      } else if (kind === 'MISSING_INCOME_BILL') {
        income = null;
        const voidBill = rng.chance(0.5);
        if (voidBill) {
          this.emit('t_acc_income_bill', this.billRow(shopId, gross, 0, billMs));
        }
        this.plant(kind, k, {
          shopId,
          matchStatus: 'MISSING_INCOME_BILL',
          severity: 'HIGH',
          expected: dollars(gross),
          affectedAmount: dollars(gross),
          ...(voidBill ? { note: 'only a void bill (bill_status 0) exists' } : {}),
        });
      }
      if (income !== null) this.emit('t_acc_income_bill', this.billRow(shopId, income, 1, billMs));

      // Pre-voucher: debit receivable (net) + fee expense, credit revenue (1–2 lines).
      const voucherId = this.nextId('voucher_id');
      const vMs = billMs + rng.int(1, 20) * MINUTE;
      const net = gross - a.fees;
      let imbalance = 0;
      if (kind === 'UNBALANCED_VOUCHER') {
        imbalance = rng.int(1, 500);
        this.plant(kind, voucherId, {
          shopId,
          voucherId,
          expected: dollars(gross),
          actual: dollars(gross + imbalance),
          affectedAmount: dollars(imbalance),
          note: `pre-voucher of ${k}: debits exceed credits`,
        });
      }
      const lines: [string, number, number][] = [['1122', net + imbalance, 0]];
      if (a.fees > 0) lines.push(['6603', a.fees, 0]);
      if (gross >= 100 && rng.chance(0.5)) {
        const food = Math.floor((gross * rng.int(10, 25)) / 100);
        lines.push(['6001.01', 0, gross - food], ['6001.02', 0, food]);
      } else lines.push(['6001', 0, gross]);
      for (const [code, debit, credit] of lines) {
        this.emit('t_pre_voucher_entry', this.entryRow(voucherId, code, debit, credit, vMs, 0));
      }
      if (kind === undefined && rng.chance(this.rates.softDeleteShopDay)) {
        if (rng.chance(0.5)) {
          this.emit('t_pre_voucher_entry', this.entryRow(voucherId, '1122', rng.int(1, 5000), 0, vMs, 1));
          this.countSoftDeleted('t_pre_voucher_entry');
        } else {
          this.emit('t_acc_income_bill', this.billRow(shopId, gross + rng.int(100, 5000), 1, billMs, 1));
          this.countSoftDeleted('t_acc_income_bill');
        }
      }
    }
    // Receipt accumulators of this date that no shop consumed cannot exist (all shops listed).

    // MISSING_RECEIPTS: a closed shop still gets an income bill.
    if (
      rng.chance(this.rates.incomeWithoutReceipts) ||
      (dayIndex === 0 && this.opts.ensureEachKind && this.rates.incomeWithoutReceipts > 0)
    ) {
      const shopId = String(49001 + rng.int(0, 8));
      const amt = rng.int(5000, 40000);
      const billMs = this.clock.at(this.nextDate, rng.int(4 * 3600, 5 * 3600 + 1800));
      this.emit('t_acc_income_bill', this.billRow(shopId, amt, 1, billMs));
      this.plant('INCOME_WITHOUT_RECEIPTS', `${shopId}|${date}`, {
        shopId,
        matchStatus: 'MISSING_RECEIPTS',
        severity: 'HIGH',
        actual: dollars(amt),
        affectedAmount: dollars(amt),
        note: 'income bill of a closed shop with no receipts',
      });
    }
  }

  private billRow(shopId: string, cents: number, status: number, ms: number, isDel = 0): RawRow {
    const id = this.nextId('t_acc_income_bill');
    return [
      id,
      `IB${this.dateCompact}${shopId}${id.slice(-4)}`,
      1,
      1,
      dollars(cents),
      shopId,
      status,
      this.date,
      ts(ms),
      ts(ms),
      isDel,
    ];
  }

  private entryRow(
    voucherId: string,
    code: string,
    debit: number,
    credit: number,
    ms: number,
    isDel: number,
  ): RawRow {
    return [
      this.nextId('t_pre_voucher_entry'),
      voucherId,
      code,
      dollars(debit),
      dollars(credit),
      this.date,
      ts(ms),
      isDel,
    ];
  }
}
