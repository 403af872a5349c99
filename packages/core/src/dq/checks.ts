/**
 * The data-quality checks (SPEC §6): DQ-01…DQ-06 and DQ-08 on the staging tables before matching,
 * DQ-07 on the match results after it, and their storage in `recon.dwd_recon_dq_results`.
 *
 * Each check is one SQL model under `packages/sql/dq/` that measures (counts, sums, extremes,
 * seconds) for the run's business date D, with every value bound; this module applies the
 * thresholds exactly — integer arithmetic on counts and decimal.js on decimals, never a float
 * comparison — and writes one sentence per result that a finance person can read.
 */
import { Decimal } from 'decimal.js';
import { ReconError } from '../errors.ts';
import { SOURCE_TABLES } from '../sources/spec.ts';
import { addDays, weekdayOf } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { Row, SqlExecutor } from '../warehouse/types.ts';
import type { DataQuality, DqCheckId, DqContext, DqResult, DqStatus } from './types.ts';

/** The checks {@link runPreChecks} evaluates, in order (any FAIL halts the run before matching). */
export const PRE_CHECK_IDS: readonly DqCheckId[] = [
  'DQ-01',
  'DQ-02',
  'DQ-03',
  'DQ-04',
  'DQ-05',
  'DQ-06',
  'DQ-08',
];

/** The checks {@link runPostChecks} evaluates (alert only, never halts). */
export const POST_CHECK_IDS: readonly DqCheckId[] = ['DQ-07'];

/** The SQL model of each check, and of the result store (paths under packages/sql). */
export const DQ_MODELS = {
  recordCount: 'dq/dq_01_record_count.sql',
  nullKeys: 'dq/dq_02_null_keys.sql',
  amountRange: 'dq/dq_03_amount_range.sql',
  currency: 'dq/dq_04_currency.sql',
  duplicates: 'dq/dq_05_duplicates.sql',
  freshness: 'dq/dq_06_freshness.sql',
  matchRate: 'dq/dq_07_match_rate.sql',
  voucherBalance: 'dq/dq_08_voucher_balance.sql',
  save: 'dq/save_dq_results.sql',
} as const;

/** Decimal arithmetic for this module: wide enough that percents of any count are exact to display. */
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Stored detail is VARCHAR(1024). */
const DETAIL_MAX = 1024;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** A COUNT/SUM/BIGINT column (exact text from the warehouse) as an integer count. */
function count(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '0'));
  if (!Number.isSafeInteger(n))
    throw new ReconError(`data-quality count is not an integer: ${String(value)}`);
  return n;
}

/** A DECIMAL column as exact text, or null. */
function decimalText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Group the integer part of a decimal text with commas: '12345.6' → '12,345.6'. */
function grouped(value: string | number | Dec): string {
  const text = typeof value === 'string' ? value : value.toString();
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** A decimal shown to at most 2 decimals, trailing zeros dropped: 25.10 → '25.1', 5 → '5'. */
function short(value: Dec): string {
  return grouped(value.toDecimalPlaces(2).toString());
}

/** `part / whole × 100` as exact-enough decimal (whole > 0). */
function percentOf(part: Dec | number, whole: Dec | number): Dec {
  return new D(part).times(100).dividedBy(whole);
}

/** Percent text with exactly 2 decimals (the stored measured value of rates). */
function pct2(value: Dec): string {
  return value.toFixed(2);
}

/** 'n row(s)'. */
function rows(n: number, noun = 'row'): string {
  return `${grouped(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function result(
  checkId: DqCheckId,
  checkName: string,
  tableName: string,
  measuredValue: string | null,
  threshold: string | null,
  status: DqStatus,
  detail: string,
): DqResult {
  const text = detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 3)}...` : detail;
  return { checkId, checkName, tableName, measuredValue, threshold, status, detail: text };
}

async function query<T extends Row>(db: SqlExecutor, model: string, step: string, params: Row): Promise<T[]> {
  return db.query<T>(modelSteps(model)(step), params);
}

/** UTC timestamp text of an epoch-ms instant, millisecond precision ('YYYY-MM-DD HH:MM:SS.mmm'). */
function utcText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** '2026-11-21 05:00:00.000' → '2026-11-21 05:00:00' (display). */
function displayTs(text: string): string {
  return text.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

function parseAsOf(asOf: string): number {
  const ms = Date.parse(asOf);
  if (Number.isNaN(ms)) throw new ReconError(`data-quality as-of is not an ISO-8601 instant: ${asOf}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// DQ-01 RECORD_COUNT
// ---------------------------------------------------------------------------------------------

const RECORD_COUNT_TABLES = [
  'stg_recon_orders',
  'stg_recon_payments',
  'stg_recon_trades',
  'stg_recon_receipts',
];

interface DailyCountRow extends Row {
  table_name: string;
  biz_date: string;
  row_count: string | number;
}

/** The median of counts (average of the middle two for an even number), exact. */
function median(values: readonly number[]): Dec {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? new D(sorted[mid]!)
    : new D(sorted[mid - 1]!).plus(sorted[mid]!).dividedBy(2);
}

async function checkRecordCount(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const d = ctx.reconDate;
  const prevDay = addDays(d, -1);
  const weeks = [7, 14, 21, 28].map((n) => addDays(d, -n));
  const found = await query<DailyCountRow>(db, DQ_MODELS.recordCount, 'daily_counts', {
    reconDate: d,
    prevDay,
    week1: weeks[0],
    week2: weeks[1],
    week3: weeks[2],
    week4: weeks[3],
  });
  const warn = new D(ctx.settings.dqRowCountWarnPct);
  const fail = new D(ctx.settings.dqRowCountFailPct);
  const threshold = `warn > ${ctx.settings.dqRowCountWarnPct} %, fail > ${ctx.settings.dqRowCountFailPct} %`;
  const weekday = WEEKDAYS[weekdayOf(d)]!;

  return RECORD_COUNT_TABLES.map((table) => {
    const byDate = new Map<string, number>();
    for (const r of found) if (r.table_name === table) byDate.set(r.biz_date, count(r.row_count));
    const today = byDate.get(d) ?? 0;
    const sameWeekday = weeks.map((w) => byDate.get(w)).filter((n): n is number => n !== undefined && n > 0);
    const yesterday = byDate.get(prevDay) ?? 0;

    let baseline: Dec;
    let basis: string;
    if (sameWeekday.length >= 2) {
      baseline = median(sameWeekday);
      basis = `median of ${sameWeekday.length} previous ${weekday}s`;
    } else if (yesterday > 0) {
      baseline = new D(yesterday);
      basis = `the previous day, ${prevDay}`;
    } else {
      return result(
        'DQ-01',
        'RECORD_COUNT',
        table,
        null,
        threshold,
        'PASS',
        `${table} has ${rows(today)} for ${d}; there is no baseline yet (no rows on ${prevDay} nor on at ` +
          `least 2 of the previous 4 ${weekday}s), so the count is not compared.`,
      );
    }

    // |today − baseline| × 100 compared with threshold × baseline: exact, no division.
    const diff = new D(today).minus(baseline);
    const scaled = diff.abs().times(100);
    const status: DqStatus = scaled.greaterThan(fail.times(baseline))
      ? 'FAIL'
      : scaled.greaterThan(warn.times(baseline))
        ? 'WARN'
        : 'PASS';
    const change = percentOf(diff, baseline);
    const direction = diff.isZero()
      ? 'equal to'
      : `${short(change.abs())} % ${diff.isNegative() ? 'below' : 'above'}`;
    return result(
      'DQ-01',
      'RECORD_COUNT',
      table,
      pct2(change),
      threshold,
      status,
      `${table} has ${rows(today)} for ${d}, ${direction} the baseline ${short(baseline)} (${basis}).`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// DQ-02 NULL_KEY
// ---------------------------------------------------------------------------------------------

interface NullKeyRow extends Row {
  table_name: string;
  key_column: string;
  total_rows: string | number;
  null_rows: string | number;
}

async function checkNullKeys(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const found = await query<NullKeyRow>(db, DQ_MODELS.nullKeys, 'null_keys', { reconDate: ctx.reconDate });
  const max = new D(ctx.settings.dqNullRateMaxPct);
  const threshold = `fail > ${ctx.settings.dqNullRateMaxPct} %, warn > 0 %`;
  return found.map((r) => {
    const total = count(r.total_rows);
    const nulls = count(r.null_rows);
    const what =
      r.table_name === 'stg_recon_receipts'
        ? 'have neither an order id nor a trade number (order_id_str and tp_serial_no empty)'
        : `have an empty ${r.key_column}`;
    if (total === 0) {
      return result(
        'DQ-02',
        'NULL_KEY',
        r.table_name,
        null,
        threshold,
        'PASS',
        `${r.table_name} has no rows for ${ctx.reconDate}, so no join keys are missing.`,
      );
    }
    const status: DqStatus = new D(nulls).times(100).greaterThan(max.times(total))
      ? 'FAIL'
      : nulls > 0
        ? 'WARN'
        : 'PASS';
    const rate = percentOf(nulls, total);
    return result(
      'DQ-02',
      'NULL_KEY',
      r.table_name,
      pct2(rate),
      threshold,
      status,
      `${grouped(nulls)} of ${rows(total)} of ${r.table_name} for ${ctx.reconDate} ${what} ` +
        `(${short(rate)} %, limit ${ctx.settings.dqNullRateMaxPct} %).`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// DQ-03 AMOUNT_RANGE
// ---------------------------------------------------------------------------------------------

interface AmountRangeRow extends Row {
  table_name: string;
  amount_column: string;
  total_rows: string | number;
  min_amount: string | null;
  max_amount: string | null;
}

async function checkAmountRange(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const found = await query<AmountRangeRow>(db, DQ_MODELS.amountRange, 'amount_range', {
    reconDate: ctx.reconDate,
  });
  const maxAllowed = new D(ctx.settings.dqAmountMax);
  const threshold = `fail < 0, warn > ${ctx.settings.dqAmountMax}`;
  return found.map((r) => {
    const total = count(r.total_rows);
    const min = decimalText(r.min_amount);
    const max = decimalText(r.max_amount);
    const column = `${r.table_name}.${r.amount_column}`;
    if (total === 0 || min === null || max === null) {
      return result(
        'DQ-03',
        'AMOUNT_RANGE',
        r.table_name,
        null,
        threshold,
        'PASS',
        `${r.table_name} has no rows for ${ctx.reconDate}, so there are no amounts to check.`,
      );
    }
    const negative = new D(min).isNegative();
    const high = new D(max).greaterThan(maxAllowed);
    const status: DqStatus = negative ? 'FAIL' : high ? 'WARN' : 'PASS';
    const verdict = negative
      ? 'a negative amount is impossible here'
      : high
        ? `the largest is above the ${grouped(ctx.settings.dqAmountMax)} limit`
        : `within 0 to ${grouped(ctx.settings.dqAmountMax)}`;
    return result(
      'DQ-03',
      'AMOUNT_RANGE',
      r.table_name,
      max,
      threshold,
      status,
      `${column} for ${ctx.reconDate} ranges from ${grouped(min)} to ${grouped(max)} over ${rows(total)}: ${verdict}.`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// DQ-04 CURRENCY_FILTER
// ---------------------------------------------------------------------------------------------

interface CurrencyRow extends Row {
  currency_code: string;
  row_count: string | number;
}

async function checkCurrency(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const found = await query<CurrencyRow>(db, DQ_MODELS.currency, 'non_usd_orders', {
    reconDate: ctx.reconDate,
  });
  const total = found.reduce((sum, r) => sum + count(r.row_count), 0);
  const byCode = found.map((r) => `${r.currency_code} ${grouped(count(r.row_count))}`).join(', ');
  return [
    result(
      'DQ-04',
      'CURRENCY_FILTER',
      'stg_recon_orders',
      String(total),
      'fail > 0',
      total > 0 ? 'FAIL' : 'PASS',
      total > 0
        ? `${rows(total)} of stg_recon_orders for ${ctx.reconDate} are not in USD (${byCode}); ` +
            'non-USD test orders must be excluded before reconciliation.'
        : `Every stg_recon_orders row for ${ctx.reconDate} is in USD.`,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// DQ-05 DUPLICATE
// ---------------------------------------------------------------------------------------------

interface BusinessKeyRow extends Row {
  table_name: string;
  key_column: string;
  total_rows: string | number;
  duplicate_keys: string | number;
  duplicate_rows: string | number;
}

const STATUS_RANK: Record<DqStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

/** A duplicate rate's status: above the limit FAIL, any duplicate WARN (exact: dup × 100 vs limit × total). */
function duplicateStatus(duplicates: number, total: number, maxPct: Dec): DqStatus {
  if (duplicates === 0) return 'PASS';
  return new D(duplicates).times(100).greaterThan(maxPct.times(total)) ? 'FAIL' : 'WARN';
}

/** One part of DQ-05 for one table: its status, rate (percent) when measured, and a clause. */
interface DuplicatePart {
  status: DqStatus;
  rate: Dec | null;
  clause: string;
}

async function checkDuplicates(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const found = await query<BusinessKeyRow>(db, DQ_MODELS.duplicates, 'business_keys', {
    reconDate: ctx.reconDate,
  });
  const maxPct = new D(ctx.settings.dqDuplicateRateMaxPct);
  const limit = `limit ${ctx.settings.dqDuplicateRateMaxPct} %`;
  const threshold = `fail > ${ctx.settings.dqDuplicateRateMaxPct} %, warn > 0 %`;

  // (a) business keys that must be unique, among the staged rows of D.
  const businessKeyPart = (r: BusinessKeyRow): DuplicatePart => {
    const total = count(r.total_rows);
    const keys = count(r.duplicate_keys);
    const dupRows = count(r.duplicate_rows);
    if (total === 0) {
      return {
        status: 'PASS',
        rate: null,
        clause: `no rows for ${ctx.reconDate}, so no ${r.key_column} can repeat`,
      };
    }
    const rate = percentOf(dupRows, total);
    return {
      status: duplicateStatus(dupRows, total, maxPct),
      rate,
      clause:
        keys === 0
          ? `every ${r.key_column} of the ${rows(total)} for ${ctx.reconDate} is unique`
          : `${grouped(keys)} ${r.key_column} value${keys === 1 ? ' is' : 's are'} shared by more than one ` +
            `record, ${grouped(dupRows)} of ${rows(total)} for ${ctx.reconDate} (${short(rate)} %, ${limit})`,
    };
  };

  // (b) primary keys extracted twice with different content at the same version (from the load).
  // Worded without the run's volume when there is none, so re-running a clean date stores the same.
  const primaryKeyPart = (table: string, versionColumn: string): DuplicatePart => {
    if (ctx.loadStats === undefined) {
      return {
        status: 'PASS',
        rate: null,
        clause:
          'records extracted twice with different content are counted by a pipeline run only, not evaluated here',
      };
    }
    const stats = ctx.loadStats.filter((st) => st.stagingTable === table);
    const incoming = stats.reduce((sum, st) => sum + st.incoming, 0);
    const conflicts = stats.reduce((sum, st) => sum + st.pkConflicts, 0);
    if (conflicts === 0) {
      return {
        status: 'PASS',
        rate: new D(0),
        clause: 'no record was extracted twice with different content',
      };
    }
    const extracted = Math.max(incoming, conflicts);
    const rate = percentOf(conflicts, extracted);
    return {
      status: duplicateStatus(conflicts, extracted, maxPct),
      rate,
      clause:
        `${grouped(conflicts)} of the ${rows(extracted, 'record')} this run extracted came twice with different ` +
        `content at the same ${versionColumn} (${short(rate)} %, ${limit})`,
    };
  };

  return SOURCE_TABLES.map((spec) => {
    const table = spec.staging.name;
    const parts = [
      ...found.filter((r) => r.table_name === table).map(businessKeyPart),
      primaryKeyPart(table, spec.staging.versionColumn),
    ];
    const status = parts.reduce<DqStatus>(
      (worst, p) => (STATUS_RANK[p.status] > STATUS_RANK[worst] ? p.status : worst),
      'PASS',
    );
    const rates = parts.map((p) => p.rate).filter((r): r is Dec => r !== null);
    const measured = rates.length ? pct2(D.max(...rates)) : null;
    return result(
      'DQ-05',
      'DUPLICATE',
      table,
      measured,
      threshold,
      status,
      `${table}: ${parts.map((p) => p.clause).join('; ')}.`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// DQ-06 FRESHNESS
// ---------------------------------------------------------------------------------------------

interface FreshnessRow extends Row {
  table_name: string;
  total_rows: string | number;
  latest_create_time: string | null;
  seconds_stale: string | number | null;
}

async function checkFreshness(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const asOfMs = parseAsOf(ctx.asOf);
  const endMs = ctx.calendar.endOf(ctx.reconDate);
  const useAsOf = asOfMs < endMs;
  const referenceAt = utcText(useAsOf ? asOfMs : endMs);
  const referenceLabel = useAsOf ? "the run's as-of" : `the end of business day ${ctx.reconDate}`;
  const found = await query<FreshnessRow>(db, DQ_MODELS.freshness, 'freshness', {
    reconDate: ctx.reconDate,
    referenceAt,
  });
  const { dqFreshnessWarnHours: warnH, dqFreshnessFailHours: failH } = ctx.settings;
  const threshold = `warn > ${warnH} h, fail > ${failH} h`;
  return found.map((r) => {
    if (count(r.total_rows) === 0 || r.latest_create_time === null || r.seconds_stale === null) {
      return result(
        'DQ-06',
        'FRESHNESS',
        r.table_name,
        null,
        threshold,
        'FAIL',
        `${r.table_name} has no rows for ${ctx.reconDate}: no data has arrived for that business day.`,
      );
    }
    const seconds = Math.max(0, count(r.seconds_stale));
    const status: DqStatus = seconds > failH * 3600 ? 'FAIL' : seconds > warnH * 3600 ? 'WARN' : 'PASS';
    const hours = new D(seconds).dividedBy(3600);
    return result(
      'DQ-06',
      'FRESHNESS',
      r.table_name,
      hours.toFixed(2),
      threshold,
      status,
      `The latest ${r.table_name} row for ${ctx.reconDate} was created at ${displayTs(r.latest_create_time)} UTC, ` +
        `${short(hours)} h before ${referenceLabel} (${displayTs(referenceAt)} UTC).`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// DQ-08 VOUCHER_BALANCE
// ---------------------------------------------------------------------------------------------

interface VoucherSummaryRow extends Row {
  vouchers: string | number;
  unbalanced_vouchers: string | number;
  largest_gap: string | null;
}

interface WorstVoucherRow extends Row {
  voucher_id: string;
  total_debit: string;
  total_credit: string;
  gap: string;
}

async function checkVoucherBalance(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const params = { reconDate: ctx.reconDate };
  const [summary] = await query<VoucherSummaryRow>(db, DQ_MODELS.voucherBalance, 'voucher_summary', params);
  const vouchers = count(summary?.vouchers);
  const unbalanced = count(summary?.unbalanced_vouchers);
  const threshold = 'warn if debits <> credits';
  const table = 'stg_recon_voucher_entries';
  if (vouchers === 0) {
    return [
      result(
        'DQ-08',
        'VOUCHER_BALANCE',
        table,
        '0',
        threshold,
        'PASS',
        `There are no voucher entries for ${ctx.reconDate}, so nothing is unbalanced.`,
      ),
    ];
  }
  if (unbalanced === 0) {
    return [
      result(
        'DQ-08',
        'VOUCHER_BALANCE',
        table,
        '0',
        threshold,
        'PASS',
        `All ${rows(vouchers, 'voucher')} for ${ctx.reconDate} balance: debits equal credits.`,
      ),
    ];
  }
  const [worst] = await query<WorstVoucherRow>(db, DQ_MODELS.voucherBalance, 'worst_voucher', params);
  const largest = decimalText(summary?.largest_gap) ?? '0';
  const example = worst
    ? `voucher ${worst.voucher_id} has debits ${grouped(worst.total_debit)} and credits ${grouped(worst.total_credit)}`
    : '';
  return [
    result(
      'DQ-08',
      'VOUCHER_BALANCE',
      table,
      String(unbalanced),
      threshold,
      'WARN',
      `${grouped(unbalanced)} of ${rows(vouchers, 'voucher')} for ${ctx.reconDate} ` +
        `${unbalanced === 1 ? 'does' : 'do'} not balance; the largest ` +
        `gap is ${grouped(largest)}${example ? ` (${example})` : ''}.`,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// DQ-07 MATCH_RATE
// ---------------------------------------------------------------------------------------------

interface MatchCountRow extends Row {
  recon_level: string;
  total_rows: string | number;
  matched_rows: string | number;
}

const LEVEL_NAMES: Record<string, string> = {
  L1: 'Level 1 (order to payment to trade)',
  L2: 'Level 2 (order to finance receipt)',
  L3: 'Level 3 (receipts to income bills, per shop)',
};

async function checkMatchRate(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  const found = await query<MatchCountRow>(db, DQ_MODELS.matchRate, 'match_counts', {
    reconDate: ctx.reconDate,
  });
  const s = ctx.settings;
  const limits: Record<string, { fail?: string; warn?: string }> = {
    L1: { fail: s.l1MatchRateCritical, warn: s.l1MatchRateWarning },
    L2: { fail: s.l2MatchRateCritical },
    L3: { warn: s.l3MatchRateWarning },
  };
  return found.map((r) => {
    const level = r.recon_level;
    const { fail, warn } = limits[level] ?? {};
    const threshold = [
      fail === undefined ? '' : `fail < ${fail} %`,
      warn === undefined ? '' : `warn < ${warn} %`,
    ]
      .filter(Boolean)
      .join(', ');
    const total = count(r.total_rows);
    const matched = count(r.matched_rows);
    const label = LEVEL_NAMES[level] ?? level;
    if (total === 0) {
      return result(
        'DQ-07',
        'MATCH_RATE',
        level,
        null,
        threshold,
        'PASS',
        `${label} has no rows for ${ctx.reconDate}, so there is no match rate to check.`,
      );
    }
    // matched × 100 < limit × total: exact.
    const below = (limit: string | undefined): boolean =>
      limit !== undefined && new D(matched).times(100).lessThan(new D(limit).times(total));
    const status: DqStatus = below(fail) ? 'FAIL' : below(warn) ? 'WARN' : 'PASS';
    const rate = percentOf(matched, total);
    const unit = level === 'L3' ? 'shop' : 'order';
    return result(
      'DQ-07',
      'MATCH_RATE',
      level,
      pct2(rate),
      threshold,
      status,
      `${label} matched ${grouped(matched)} of ${rows(total, unit)} for ${ctx.reconDate}: ` +
        `${pct2(rate)} % (${threshold}).`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

/**
 * Run the pre-match checks DQ-01…DQ-06 and DQ-08 on the staging rows of business date
 * `ctx.reconDate`, in check order. DQ-05's primary-key part uses `ctx.loadStats` (reported as not
 * evaluated when absent); DQ-06 measures staleness to min(as-of, end of business day D).
 * Reads only; the caller decides to halt on a FAIL and stores the results with {@link saveResults}.
 */
export async function runPreChecks(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  return [
    ...(await checkRecordCount(db, ctx)),
    ...(await checkNullKeys(db, ctx)),
    ...(await checkAmountRange(db, ctx)),
    ...(await checkCurrency(db, ctx)),
    ...(await checkDuplicates(db, ctx)),
    ...(await checkFreshness(db, ctx)),
    ...(await checkVoucherBalance(db, ctx)),
  ];
}

/**
 * Run the post-match check DQ-07 on the level result tables for `ctx.reconDate`: one result per
 * level (L1, L2, L3), rates computed exactly. Alert only — a FAIL does not halt the run.
 */
export async function runPostChecks(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]> {
  return checkMatchRate(db, ctx);
}

/**
 * Replace the stored results of `reconDate` for `checkIds` with `results` in
 * `recon.dwd_recon_dq_results`: the date's rows of those checks are deleted, then `results`
 * inserted (bound parameters). Rows of other checks stay. Runs on `db` — pass the run's
 * transaction to make it atomic; calling it again with the same arguments leaves the same rows.
 * @throws ReconError when a result's check id is not in `checkIds`, or two results share a
 *   check id and table (the table's primary key), before anything is written.
 */
export async function saveResults(
  db: SqlExecutor,
  runId: string,
  reconDate: string,
  checkIds: readonly DqCheckId[],
  results: readonly DqResult[],
): Promise<void> {
  const ids = new Set(checkIds);
  const seen = new Set<string>();
  for (const r of results) {
    if (!ids.has(r.checkId)) {
      throw new ReconError(
        `data-quality result ${r.checkId} ${r.tableName} is not one of the checks being saved`,
        {
          context: { checkIds: [...ids] },
        },
      );
    }
    const key = `${r.checkId}\u0000${r.tableName}`;
    if (seen.has(key)) {
      throw new ReconError(`data-quality result ${r.checkId} ${r.tableName} appears twice`);
    }
    seen.add(key);
  }
  const sql = modelSteps(DQ_MODELS.save);
  for (const checkId of ids) await db.execute(sql('delete_check'), { reconDate, checkId });
  for (const r of results) {
    await db.execute(sql('insert_result'), {
      runId,
      reconDate,
      checkId: r.checkId,
      checkName: r.checkName,
      tableName: r.tableName,
      measuredValue: r.measuredValue,
      threshold: r.threshold,
      status: r.status,
      detail: r.detail,
    });
  }
}

/** The three functions as the {@link DataQuality} contract (types checked against types.ts). */
export const dataQuality: DataQuality = { runPreChecks, runPostChecks, saveResults };
