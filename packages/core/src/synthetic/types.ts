/**
 * Public types of the synthetic source-data generator: options, plant rates, generated chunks and
 * the answer key that lists every planted condition.
 */
import type { RawRow } from '../sources/types.ts';

/** Options of {@link generate}. */
export interface GeneratorOptions {
  /** First business date, 'YYYY-MM-DD'. */
  startDate: string;
  /** Number of business dates to generate (≥ 1). */
  days: number;
  /** Average orders per business date (the weekday multipliers average to 1). */
  ordersPerDay: number;
  /** Number of shops (default 12). */
  shops?: number;
  /** PRNG seed: equal options give identical data. */
  seed: number;
  /** Business time zone (default America/New_York). */
  timeZone?: string;
  /** Overrides of the plant rates ({@link DEFAULT_PLANT_RATES}). */
  rates?: Partial<PlantRates>;
  /** Maximum orders whose rows go into one chunk (default 50,000). */
  chunkOrders?: number;
  /**
   * Plant every per-order and per-shop-day kind at least once on the first day (on the first
   * eligible orders/shops), so small runs still exercise every anomaly. Default true.
   */
  ensureEachKind?: boolean;
}

/**
 * Probabilities of each planted condition. Unless noted: per order, drawn once per eligible USD
 * order created before 21:30 local time (at most one planted kind per order).
 */
export interface PlantRates {
  /** NZD test orders (per order, any time). */
  nzd: number;
  /** ANO-01: completed, paid order with no payment (and no trade, no receipt). */
  missingPayment: number;
  /** ANO-01 (L1 MISSING_TRADE): successful payment whose trade does not exist. */
  missingTrade: number;
  /** ANO-02 (L1 AMOUNT_MISMATCH_ORDER_PAY): order amount ≠ payments (payments = trade). */
  orderPayMismatch: number;
  /** ANO-02 (L1 AMOUNT_MISMATCH_ORDER_TRADE): order = payment, trade differs. */
  orderTradeMismatch: number;
  /** ANO-02 (L1 AMOUNT_MISMATCH_PAY_TRADE): payment −1¢, trade +1¢ around the order amount. */
  payTradeMismatch: number;
  /** ANO-02 (L2 AMOUNT_MISMATCH): receipt amount differs from the order by 0.06–5.00. */
  receiptMismatch: number;
  /** ANO-03 (ZERO_FEE): receipt difference_amount 0.00 (channel fee 0 too). */
  zeroFee: number;
  /** ANO-03 (HIGH_FEE): receipt difference_amount 8.01–15.00 (channel fee equal). */
  highFee: number;
  /** ANO-03 (LOW): channel fee differs from the receipt fee by 0.02–1.50. */
  channelFeeMismatch: number;
  /** ANO-06: paid, completed order (L1 matched) with no receipt at all. */
  missingReceipt: number;
  /** ANO-06: successful trade without a confirmed reconcile voucher (none, or pending). */
  missingVoucher: number;
  /** ANO-05: an extra successful trade that no payment references. */
  orphanTrade: number;
  /** ANO-04: refund pending forever (detectable once 72 h old). */
  refundStuck: number;
  /** ANO-04: successful refunds of a trade exceeding its amount. */
  refundExcess: number;
  /** Late arrival (no final anomaly): the order's receipt arrives with the next day's batch. */
  lateReceipt: number;
  /** Late arrival (no final anomaly): payment + trade arrive with the next day's batch. */
  latePayment: number;
  /** Receipt with order_id/order_no NULL, found only through tp_serial_no = trade_no. */
  receiptByTradeNo: number;
  /** Completed order (status 5) updated to settled (6) in the next day's batch. */
  settledLater: number;
  /** A soft-deleted (is_del = 1) decoy row beside a clean order (table chosen at random). */
  softDelete: number;
  /** Share of cancelled orders soft-deleted later (order + failed attempt, next day's updates). */
  lateSoftDelete: number;
  /** ANO-07 HIGH (per shop-day): income bill off the receipts' gross by 3–8 %. */
  incomeMismatchHigh: number;
  /** ANO-07 MEDIUM (per shop-day): income bill off by 0.6–1.8 % (and by more than 1.00). */
  incomeMismatchMedium: number;
  /** ANO-07 HIGH (per shop-day): no valid income bill (sometimes only a void one). */
  missingIncomeBill: number;
  /** ANO-07 (per shop-day): pre-voucher whose debits ≠ credits. */
  unbalancedVoucher: number;
  /** Per shop-day: soft-deleted decoy income bill or pre-voucher line. */
  softDeleteShopDay: number;
  /** ANO-07 (L3 MISSING_RECEIPTS, per business date): income bill of a closed shop. */
  incomeWithoutReceipts: number;
}

/** Default plant rates: a 2,000-orders/day, 7-day demo shows a handful of every kind. */
export const DEFAULT_PLANT_RATES: Readonly<PlantRates> = Object.freeze({
  nzd: 0.057,
  missingPayment: 0.003,
  missingTrade: 0.002,
  orderPayMismatch: 0.002,
  orderTradeMismatch: 0.002,
  payTradeMismatch: 0.001,
  receiptMismatch: 0.002,
  zeroFee: 0.002,
  highFee: 0.002,
  channelFeeMismatch: 0.002,
  missingReceipt: 0.003,
  missingVoucher: 0.002,
  orphanTrade: 0.002,
  refundStuck: 0.001,
  refundExcess: 0.001,
  lateReceipt: 0.0015,
  latePayment: 0.0015,
  receiptByTradeNo: 0.01,
  settledLater: 0.02,
  softDelete: 0.005,
  lateSoftDelete: 0.2,
  incomeMismatchHigh: 0.03,
  incomeMismatchMedium: 0.03,
  missingIncomeBill: 0.02,
  unbalancedVoucher: 0.02,
  softDeleteShopDay: 0.03,
  incomeWithoutReceipts: 0.15,
});

/** Anomaly types of SPEC §7. */
export type AnomalyType = 'ANO-01' | 'ANO-02' | 'ANO-03' | 'ANO-04' | 'ANO-05' | 'ANO-06' | 'ANO-07';

/** Kinds of planted conditions. */
export type PlantedKind =
  | 'MISSING_PAYMENT'
  | 'MISSING_TRADE'
  | 'AMOUNT_MISMATCH_ORDER_PAY'
  | 'AMOUNT_MISMATCH_ORDER_TRADE'
  | 'AMOUNT_MISMATCH_PAY_TRADE'
  | 'RECEIPT_AMOUNT_MISMATCH'
  | 'ZERO_FEE'
  | 'HIGH_FEE'
  | 'CHANNEL_FEE_MISMATCH'
  | 'MISSING_RECEIPT'
  | 'MISSING_VOUCHER'
  | 'ORPHAN_TRADE'
  | 'REFUND_STUCK'
  | 'REFUND_EXCESS'
  | 'INCOME_MISMATCH_HIGH'
  | 'INCOME_MISMATCH_MEDIUM'
  | 'MISSING_INCOME_BILL'
  | 'INCOME_WITHOUT_RECEIPTS'
  | 'UNBALANCED_VOUCHER'
  | 'LATE_RECEIPT'
  | 'LATE_PAYMENT'
  | 'RECEIPT_BY_TRADE_NO'
  | 'SETTLED_LATER';

/** Expected anomaly type of each planted kind (undefined: no anomaly in the final state). */
export const EXPECTED_ANOMALY: Readonly<Record<PlantedKind, AnomalyType | undefined>> = Object.freeze({
  MISSING_PAYMENT: 'ANO-01',
  MISSING_TRADE: 'ANO-01',
  AMOUNT_MISMATCH_ORDER_PAY: 'ANO-02',
  AMOUNT_MISMATCH_ORDER_TRADE: 'ANO-02',
  AMOUNT_MISMATCH_PAY_TRADE: 'ANO-02',
  RECEIPT_AMOUNT_MISMATCH: 'ANO-02',
  ZERO_FEE: 'ANO-03',
  HIGH_FEE: 'ANO-03',
  CHANNEL_FEE_MISMATCH: 'ANO-03',
  MISSING_RECEIPT: 'ANO-06',
  MISSING_VOUCHER: 'ANO-06',
  ORPHAN_TRADE: 'ANO-05',
  REFUND_STUCK: 'ANO-04',
  REFUND_EXCESS: 'ANO-04',
  INCOME_MISMATCH_HIGH: 'ANO-07',
  INCOME_MISMATCH_MEDIUM: 'ANO-07',
  MISSING_INCOME_BILL: 'ANO-07',
  INCOME_WITHOUT_RECEIPTS: 'ANO-07',
  UNBALANCED_VOUCHER: 'ANO-07',
  LATE_RECEIPT: undefined,
  LATE_PAYMENT: undefined,
  RECEIPT_BY_TRADE_NO: undefined,
  SETTLED_LATER: undefined,
});

/** Facts about one planted condition (all ids as strings, money as exact 'D.CC'). */
export interface PlantedDetails {
  orderId?: string;
  orderNo?: string;
  tradeNo?: string;
  refundId?: string;
  voucherId?: string;
  shopId?: string;
  /** L1/L2/L3 match status the condition produces ('MISSING_PAYMENT', 'AMOUNT_MISMATCH', …). */
  matchStatus?: string;
  /** L2 fee status it produces ('ZERO_FEE', 'HIGH_FEE'). */
  feeStatus?: string;
  /** Expected severity per SPEC §7 once detectable. */
  severity?: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** Expected (clean) value and the planted actual value. */
  expected?: string;
  actual?: string;
  /** affected_amount per SPEC §7. */
  affectedAmount?: string;
  /** L3 variance percentage (gross − income) / gross × 100, two decimals. */
  variancePct?: string;
  /**
   * Earliest as-of instant ('YYYY-MM-DD HH:MM:SS' UTC) at which the condition passes its age
   * threshold (SPEC §7 defaults); absent when there is no age rule.
   */
  detectableAt?: string;
  /** Anomalies a run at the day's cutoff sees before late data arrives (then auto-resolved). */
  transientAnomalyTypes?: AnomalyType[];
  /** Business date of the batch the late rows arrive with. */
  arrivesWith?: string;
  note?: string;
}

/** One planted condition. */
export interface PlantedCondition {
  kind: PlantedKind;
  /** order id, trade_no, refund id, 'shop_id|YYYY-MM-DD' or voucher_id (see kind). */
  entityKey: string;
  /** Business date of the entity. */
  date: string;
  expectedAnomalyType?: AnomalyType;
  details: PlantedDetails;
}

/** Everything planted by a generator run. */
export interface AnswerKey {
  conditions: PlantedCondition[];
  /** Planted conditions per kind. */
  counts: Record<PlantedKind, number>;
  /** Orders generated (all currencies, excluding soft-deleted decoy orders). */
  orders: number;
  ordersByDate: Record<string, number>;
  /** NZD test orders planted. */
  nzdOrders: number;
  nzdOrdersByDate: Record<string, number>;
  /** Rows inserted already soft-deleted (is_del = 1), per table. */
  softDeleted: Record<string, number>;
  /** Rows soft-deleted later through an update, per table. */
  lateSoftDeleted: Record<string, number>;
  /** Rows inserted with a later day's batch than their create_time's business date, per table. */
  lateArrivals: Record<string, number>;
}

/** Rows of one table keyed by table name ('t_order', …), values in `SourceTableSpec.columns` order. */
export type TableRows = Map<string, RawRow[]>;

/**
 * One piece of a business date's batch: at most `chunkOrders` orders' worth of rows. The first
 * chunk of a date also carries rows arriving late from earlier dates and the updates of the day;
 * the last one carries the shop-day rows (income bills, pre-voucher entries).
 */
export interface GeneratedChunk {
  /** Business date of the batch. */
  date: string;
  /** 0-based index within the date. */
  chunkIndex: number;
  /** Chunks of this date. */
  chunkCount: number;
  /** True on the last chunk of the date. */
  lastOfDay: boolean;
  /**
   * Arrival window of the batch, UTC 'YYYY-MM-DD HH:MM:SS': every row's watermark value
   * (update_time; create_time for append-only tables) is in [batchStart, batchEnd). batchEnd is
   * 06:00 local on the next day: a pipeline run for `date` with as-of = batchEnd sees exactly
   * the batches written so far.
   */
  batchStart: string;
  batchEnd: string;
  /** Orders created in this chunk. */
  orders: number;
  /** New rows per table. */
  inserts: TableRows;
  /** Full replacement rows (same primary key, later update_time) for rows of earlier batches. */
  updates: TableRows;
}

/** A whole business date's batch (chunks merged); convenient for small runs and tests. */
export interface GeneratedDay {
  date: string;
  batchStart: string;
  batchEnd: string;
  inserts: TableRows;
  updates: TableRows;
}

/** A seeded generator: every call of `days()` replays the same data. */
export interface Generator {
  /** The options with defaults applied. */
  readonly options: Readonly<Required<Omit<GeneratorOptions, 'rates'>>> & {
    readonly rates: Readonly<PlantRates>;
  };
  /** The business dates, in order. */
  readonly dates: readonly string[];
  /** Batches of every business date, in order, in chunks of at most `chunkOrders` orders. */
  days(): Iterable<GeneratedChunk>;
  /** Answer key (runs the generation once if it has not completed yet; cached). */
  answerKey(): AnswerKey;
  /** Exclusive end of a date's arrival window (epoch ms): 06:00 local on the next day. */
  batchEndOf(date: string): number;
}
