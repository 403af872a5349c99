/**
 * Everything the dashboard shows (seed phase 4 §4–6), read from the warehouse in one pass:
 * the executive overview (daily match rates and revenue from recon.mv_recon_daily_summary,
 * anomalies by severity from recon.mv_recon_anomaly_by_type, the shop × day health from
 * recon.mv_recon_shop_health), the operational monitor (runs from recon.v_recon_pipeline_runs and
 * the run records, data-quality results, staging rows per table) and the investigation workbench
 * (the open anomalies exactly as `recon anomalies list` sorts them, each with the source rows
 * `recon anomalies show` puts side by side).
 *
 * The materialized views are refreshed first, so the figures are those of the warehouse as it is.
 * Money stays exact: amounts are the warehouse's decimal strings and deltas are computed with
 * decimal.js; only counts and durations become numbers. Every statement binds its values; the
 * only identifiers written into SQL are the staging table names of the source spec.
 */
import { Decimal } from 'decimal.js';
import {
  type AnomalyEvent,
  type AnomalyListItem,
  listAnomalies,
  showAnomaly,
  type SourceEntity,
} from '../anomalies/queries.ts';
import type { Severity } from '../anomalies/types.ts';
import { UsageError } from '../errors.ts';
import { refreshReportingViewsIfPermitted } from '../reporting/refresh.ts';
import { SOURCE_TABLES } from '../sources/spec.ts';
import { addDays, isValidDate } from '../time.ts';
import type { Row, SqlExecutor } from '../warehouse/types.ts';

/** Business dates shown when nothing else is asked for (the seed's 30-day trends). */
export const DEFAULT_DASHBOARD_DAYS = 30;
/** Longest window a dashboard may cover. */
export const MAX_DASHBOARD_DAYS = 366;
/**
 * Open anomalies embedded with their source rows. Each one costs a handful of queries and its
 * rows travel inside the HTML file, so the workbench is bounded; the rest are counted.
 */
export const DEFAULT_MAX_ANOMALIES = 500;
/** Most recent runs listed (a backfill can record many runs per business date). */
export const MAX_RUNS = 500;
/**
 * Run-duration SLA lines in minutes, as recon.v_recon_pipeline_runs classifies runs
 * (ddl/006: > 4200 s SLA_WARNING, > 5400 s SLA_BREACHED).
 */
export const SLA_MINUTES = { warning: 70, breach: 90 } as const;
/** Resolution-time buckets of the investigation histogram (seed §6.2), upper bounds in hours. */
export const RESOLUTION_BUCKETS = ['< 1 h', '1–4 h', '4–24 h', '1–3 d', '> 3 d'] as const;
/** How many showAnomaly reads run at once: PGlite serializes them, pooled engines overlap them. */
const DETAIL_CONCURRENCY = 4;

/** Options of {@link gatherDashboardData}. */
export interface DashboardOptions {
  /** Business dates covered, ending at `endDate` (default 30, at most 366). */
  days?: number;
  /** Last business date shown (default: the latest date with results or a recorded run). */
  endDate?: string;
  /** Open anomalies embedded with their sources (default 500). */
  maxAnomalies?: number;
  /** Refresh the materialized views before reading (default true). */
  refresh?: boolean;
  /** The generation instant stamped on the dashboard (default now). */
  now?: Date;
}

/** One business date of recon.mv_recon_daily_summary. */
export interface DailySummary {
  date: string;
  l1Total: number;
  l1Matched: number;
  /** Percent, two decimals; null when the level has no rows that day. */
  l1Rate: string | null;
  l2Total: number;
  l2Matched: number;
  l2Rate: string | null;
  l3Shops: number;
  l3MatchedShops: number;
  l3Rate: string | null;
  orderRevenue: string;
  matchedRevenue: string;
  unmatchedRevenue: string;
  l3Variance: string;
  /** Open (OPEN or INVESTIGATING) anomalies' affected amounts of the date. */
  atRiskRevenue: string;
  anomalies: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  openAnomalies: number;
  falsePositives: number;
}

/** Which figure a stat panel shows. */
export type StatKey =
  'l1Rate' | 'l2Rate' | 'l3Rate' | 'matchedRevenue' | 'unmatchedRevenue' | 'atRiskRevenue' | 'openAnomalies';

/** One stat panel: a figure of a business date and its change since the previous one. */
export interface StatPanel {
  key: StatKey;
  label: string;
  unit: 'pct' | 'usd' | 'count';
  /** Whether a rise is good news (decides the delta's colour). */
  higherIsBetter: boolean;
  value: string | null;
  previous: string | null;
  /** value − previous, exact (percentage points, dollars or a count); null without both. */
  delta: string | null;
}

/** The stat panels of one business date. */
export interface DayStats {
  date: string;
  /** The previous business date with results (the delta's base), or null. */
  previousDate: string | null;
  panels: StatPanel[];
}

/** Anomalies of one business date by severity (recon.mv_recon_anomaly_by_type). */
export interface SeverityCounts {
  date: string;
  counts: Record<Severity, number>;
}

/** Level 1 order revenue of one business date by match status. */
export interface RevenueByStatus {
  date: string;
  /** Status → exact amount; statuses absent that day are absent. */
  amounts: Record<string, string>;
  orders: Record<string, number>;
}

/** One shop × business date of recon.mv_recon_shop_health. */
export interface ShopDayHealth {
  shopId: string;
  date: string;
  orders: number;
  orderRevenue: string;
  l1Matched: number;
  l1Rate: string | null;
  l3Status: string | null;
  l3Variance: string | null;
  anomalies: number;
  openAnomalies: number;
}

/** The executive overview. */
export interface ExecutiveData {
  daily: DailySummary[];
  stats: DayStats[];
  /** Open anomalies of every date, and their affected amounts (all, CRITICAL + HIGH). */
  openInAll: number;
  openAmountInAll: string;
  atRiskCriticalHigh: string;
  anomalyTrend: SeverityCounts[];
  revenueStatuses: string[];
  revenueByStatus: RevenueByStatus[];
  shops: string[];
  shopHealth: ShopDayHealth[];
}

/** One recorded pipeline run (recon.v_recon_pipeline_runs with its run record). */
export interface RunRow {
  runId: string;
  reconDate: string;
  status: string;
  startTime: string;
  endTime: string | null;
  asOf: string;
  durationSeconds: number | null;
  slaStatus: string;
  l1Rate: string | null;
  l2Rate: string | null;
  l3Rate: string | null;
  ordersProcessed: number | null;
  anomaliesDetected: number | null;
  rowsExtracted: number | null;
  rowsLoaded: number | null;
  rowsDeadLettered: number | null;
  dqPassed: number | null;
  dqFailed: number | null;
  failedStep: string | null;
  errorMessage: string | null;
  /** Seconds per phase, as the run recorded them. */
  phases: Record<string, number>;
}

/** One data-quality result (recon.dwd_recon_dq_results). */
export interface DqRow {
  runId: string;
  date: string;
  checkId: string;
  checkName: string;
  table: string;
  measured: string | null;
  threshold: string | null;
  status: string;
  detail: string;
}

/** The operational monitor. */
export interface OperationalData {
  /** Newest first, at most {@link MAX_RUNS}. */
  runs: RunRow[];
  runsTotal: number;
  slaMinutes: typeof SLA_MINUTES;
  dq: DqRow[];
  dqByDate: { date: string; PASS: number; WARN: number; FAIL: number }[];
  stagingTables: string[];
  /** Staging rows per table and business date (dates without rows are absent). */
  stagingRows: { table: string; date: string; rows: number }[];
}

/** What the workbench shows beside one anomaly. */
export interface AnomalyEvidence {
  entity: SourceEntity;
  sources: Record<string, Row[]>;
  events: AnomalyEvent[];
}

/** The investigation workbench. */
export interface InvestigationData {
  /** Every open anomaly (OPEN or INVESTIGATING), of any date. */
  openTotal: number;
  /** The bound on embedded anomalies. */
  limit: number;
  slaBreached: number;
  /** Mean age of the open anomalies in days, one decimal; null when none is open. */
  avgAgeDays: string | null;
  /** False positives × 100 / anomalies of the window's dates, one decimal; null without anomalies. */
  falsePositiveRatePct: string | null;
  byType: { type: string; name: string; count: number }[];
  resolutionBuckets: string[];
  /** Closed anomalies of the window per bucket: resolved by a person, false positive, auto-resolved. */
  resolution: { RESOLVED: number[]; FALSE_POSITIVE: number[]; AUTO_RESOLVED: number[] };
  /** The most severe, oldest open anomalies, at most `limit`, in `recon anomalies list` order. */
  anomalies: AnomalyListItem[];
  /** Source rows and history per embedded anomaly id. */
  evidence: Record<string, AnomalyEvidence>;
}

/** Everything one dashboard shows. */
export interface DashboardData {
  generatedAt: string;
  /** The business dates covered; null when the warehouse has no results and no runs yet. */
  window: { from: string; to: string; days: number } | null;
  executive: ExecutiveData;
  operational: OperationalData;
  investigation: InvestigationData;
}

const DAILY_COLUMNS = `recon_date, l1_total, l1_matched, l1_match_rate_pct, l1_order_amount, l1_matched_amount,
    l1_unmatched_amount, l2_total, l2_matched, l2_match_rate_pct, l3_total_shops, l3_matched_shops,
    l3_match_rate_pct, l3_total_variance, anomaly_count, critical_count, high_count, medium_count, low_count,
    open_count, false_positive_count, at_risk_amount`;

const SQL = {
  latestDate: `
SELECT MAX(recon_date) AS latest
FROM (
    SELECT recon_date FROM recon.mv_recon_daily_summary
    UNION ALL
    SELECT recon_date FROM recon.dwd_recon_anomaly_metrics
) d`,
  daily: `
SELECT ${DAILY_COLUMNS}
FROM recon.mv_recon_daily_summary
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
ORDER BY recon_date`,
  // The base of the first date's deltas lies before the window.
  dailyBefore: `
SELECT ${DAILY_COLUMNS}
FROM recon.mv_recon_daily_summary
WHERE recon_date < CAST(:fromDate AS DATE)
ORDER BY recon_date DESC
LIMIT 1`,
  anomalyTrend: `
SELECT recon_date, severity, CAST(SUM(anomaly_count) AS BIGINT) AS anomaly_count
FROM recon.mv_recon_anomaly_by_type
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
GROUP BY recon_date, severity
ORDER BY recon_date, severity`,
  revenueByStatus: `
SELECT recon_date, match_status, CAST(COUNT(*) AS BIGINT) AS orders,
       CAST(SUM(order_amount) AS DECIMAL(18,2)) AS amount
FROM recon.stg_recon_level1_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
GROUP BY recon_date, match_status
ORDER BY recon_date, match_status`,
  shopHealth: `
SELECT shop_id, recon_date, total_orders, total_order_amount, l1_matched, l1_match_rate_pct, l3_status,
       l3_variance, anomaly_count, open_anomaly_count
FROM recon.mv_recon_shop_health
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
ORDER BY shop_id, recon_date`,
  openTotals: `
SELECT CAST(COUNT(*) AS BIGINT) AS open_count,
       CAST(COALESCE(SUM(affected_amount), 0) AS DECIMAL(18,2)) AS open_amount,
       CAST(COALESCE(SUM(CASE WHEN severity IN ('CRITICAL', 'HIGH') THEN affected_amount ELSE 0 END), 0)
            AS DECIMAL(18,2)) AS critical_high_amount,
       CAST(COALESCE(SUM(CASE WHEN sla_status = 'SLA_BREACHED' THEN 1 ELSE 0 END), 0) AS BIGINT) AS sla_breached,
       CAST(AVG(CAST(age_days AS DECIMAL(18,4))) AS DECIMAL(12,1)) AS avg_age_days
FROM recon.v_recon_open_anomalies`,
  openByType: `
SELECT anomaly_type, anomaly_name, CAST(COUNT(*) AS BIGINT) AS anomaly_count
FROM recon.v_recon_open_anomalies
GROUP BY anomaly_type, anomaly_name
ORDER BY anomaly_type`,
  falsePositives: `
SELECT CAST(COALESCE(SUM(anomaly_count), 0) AS BIGINT) AS anomalies,
       CAST(COALESCE(SUM(false_positive_count), 0) AS BIGINT) AS false_positives
FROM recon.mv_recon_daily_summary
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)`,
  // Hours from detection to the last change, counted as Redshift's DATEDIFF counts boundaries.
  resolution: `
SELECT bucket, status, CAST(COUNT(*) AS BIGINT) AS anomaly_count
FROM (
    SELECT status,
           CASE
               WHEN DATEDIFF('hour', created_at, updated_at) < 1 THEN 0
               WHEN DATEDIFF('hour', created_at, updated_at) < 4 THEN 1
               WHEN DATEDIFF('hour', created_at, updated_at) < 24 THEN 2
               WHEN DATEDIFF('hour', created_at, updated_at) < 72 THEN 3
               ELSE 4
           END AS bucket
    FROM recon.dwd_recon_anomalies
    WHERE status IN ('RESOLVED', 'FALSE_POSITIVE', 'AUTO_RESOLVED')
      AND recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
) r
GROUP BY bucket, status
ORDER BY bucket, status`,
  runsTotal: `
SELECT CAST(COUNT(*) AS BIGINT) AS runs
FROM recon.dwd_recon_anomaly_metrics
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)`,
  runs: `
SELECT v.pipeline_run_id, v.recon_date, v.pipeline_status, v.pipeline_start_time, v.pipeline_end_time,
       v.duration_seconds, v.pipeline_sla_status, v.l1_match_rate, v.l2_match_rate, v.l3_match_rate,
       v.total_orders_processed, v.total_anomalies_detected, v.dq_checks_passed, v.dq_checks_failed,
       m.as_of, m.rows_extracted, m.rows_loaded, m.rows_dead_lettered, m.failed_step, m.error_message,
       m.phase_durations
FROM recon.v_recon_pipeline_runs v
JOIN recon.dwd_recon_anomaly_metrics m ON m.pipeline_run_id = v.pipeline_run_id
WHERE v.recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
ORDER BY v.pipeline_start_time DESC, v.pipeline_run_id DESC
LIMIT ${MAX_RUNS}`,
  dq: `
SELECT run_id, recon_date, check_id, check_name, table_name, measured_value, threshold, status, detail
FROM recon.dwd_recon_dq_results
WHERE recon_date BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
ORDER BY recon_date DESC, check_id, table_name`,
};

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Rows per business date of every staging table, one UNION ALL branch per table of the spec. */
function stagingRowsSql(): string {
  const branches = SOURCE_TABLES.map(({ staging }) => {
    // The names come from the source spec, never from input; checked all the same since they are
    // written into the statement.
    if (!IDENTIFIER.test(staging.name) || !IDENTIFIER.test(staging.businessDateColumn)) {
      throw new Error(`unexpected staging identifier ${staging.name}.${staging.businessDateColumn}`);
    }
    return `SELECT CAST('${staging.name}' AS VARCHAR(64)) AS table_name, ${staging.businessDateColumn} AS biz_date,
       CAST(COUNT(*) AS BIGINT) AS row_count
FROM recon.${staging.name}
WHERE ${staging.businessDateColumn} BETWEEN CAST(:fromDate AS DATE) AND CAST(:toDate AS DATE)
GROUP BY ${staging.businessDateColumn}`;
  });
  return `${branches.join('\nUNION ALL\n')}\nORDER BY table_name, biz_date`;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const count = (v: unknown): number => Number(v ?? 0);
const money = (v: unknown): string => new Decimal(String(v ?? '0')).toFixed(2);

function dailyOf(r: Row): DailySummary {
  return {
    date: String(r['recon_date']),
    l1Total: count(r['l1_total']),
    l1Matched: count(r['l1_matched']),
    l1Rate: str(r['l1_match_rate_pct']),
    l2Total: count(r['l2_total']),
    l2Matched: count(r['l2_matched']),
    l2Rate: str(r['l2_match_rate_pct']),
    l3Shops: count(r['l3_total_shops']),
    l3MatchedShops: count(r['l3_matched_shops']),
    l3Rate: str(r['l3_match_rate_pct']),
    orderRevenue: money(r['l1_order_amount']),
    matchedRevenue: money(r['l1_matched_amount']),
    unmatchedRevenue: money(r['l1_unmatched_amount']),
    l3Variance: money(r['l3_total_variance']),
    atRiskRevenue: money(r['at_risk_amount']),
    anomalies: count(r['anomaly_count']),
    critical: count(r['critical_count']),
    high: count(r['high_count']),
    medium: count(r['medium_count']),
    low: count(r['low_count']),
    openAnomalies: count(r['open_count']),
    falsePositives: count(r['false_positive_count']),
  };
}

const PANELS: readonly {
  key: StatKey;
  label: string;
  unit: StatPanel['unit'];
  higherIsBetter: boolean;
  value: (d: DailySummary) => string | null;
}[] = [
  { key: 'l1Rate', label: 'L1 match rate', unit: 'pct', higherIsBetter: true, value: (d) => d.l1Rate },
  { key: 'l2Rate', label: 'L2 match rate', unit: 'pct', higherIsBetter: true, value: (d) => d.l2Rate },
  { key: 'l3Rate', label: 'L3 match rate', unit: 'pct', higherIsBetter: true, value: (d) => d.l3Rate },
  {
    key: 'matchedRevenue',
    label: 'Matched revenue',
    unit: 'usd',
    higherIsBetter: true,
    value: (d) => d.matchedRevenue,
  },
  {
    key: 'unmatchedRevenue',
    label: 'Unmatched revenue',
    unit: 'usd',
    higherIsBetter: false,
    value: (d) => d.unmatchedRevenue,
  },
  {
    key: 'atRiskRevenue',
    label: 'At-risk revenue',
    unit: 'usd',
    higherIsBetter: false,
    value: (d) => d.atRiskRevenue,
  },
  {
    key: 'openAnomalies',
    label: 'Open anomalies',
    unit: 'count',
    higherIsBetter: false,
    value: (d) => String(d.openAnomalies),
  },
];

/** The stat panels of `day` with their exact change since `previous` (the date before it). */
export function statPanels(day: DailySummary, previous: DailySummary | undefined): StatPanel[] {
  return PANELS.map((p) => {
    const value = p.value(day);
    const prev = previous ? p.value(previous) : null;
    const delta =
      value === null || prev === null
        ? null
        : new Decimal(value).minus(new Decimal(prev)).toFixed(p.unit === 'count' ? 0 : 2);
    return {
      key: p.key,
      label: p.label,
      unit: p.unit,
      higherIsBetter: p.higherIsBetter,
      value,
      previous: prev,
      delta,
    };
  });
}

function runOf(r: Row): RunRow {
  let phases: Record<string, number> = {};
  const raw = r['phase_durations'];
  if (typeof raw === 'string' && raw !== '') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        phases = Object.fromEntries(
          Object.entries(parsed as Record<string, unknown>).filter(
            (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
          ),
        );
      }
    } catch {
      // A run record written by an older version may hold no JSON here: show no phases.
      phases = {};
    }
  }
  return {
    runId: String(r['pipeline_run_id']),
    reconDate: String(r['recon_date']),
    status: String(r['pipeline_status']),
    startTime: String(r['pipeline_start_time']),
    endTime: str(r['pipeline_end_time']),
    asOf: String(r['as_of']),
    durationSeconds: num(r['duration_seconds']),
    slaStatus: String(r['pipeline_sla_status']),
    l1Rate: str(r['l1_match_rate']),
    l2Rate: str(r['l2_match_rate']),
    l3Rate: str(r['l3_match_rate']),
    ordersProcessed: num(r['total_orders_processed']),
    anomaliesDetected: num(r['total_anomalies_detected']),
    rowsExtracted: num(r['rows_extracted']),
    rowsLoaded: num(r['rows_loaded']),
    rowsDeadLettered: num(r['rows_dead_lettered']),
    dqPassed: num(r['dq_checks_passed']),
    dqFailed: num(r['dq_checks_failed']),
    failedStep: str(r['failed_step']),
    errorMessage: str(r['error_message']),
    phases,
  };
}

/** Map `items` through `fn` with at most `limit` calls in flight, keeping the order. */
async function mapPooled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function checkOptions(options: DashboardOptions): { days: number; maxAnomalies: number } {
  const days = options.days ?? DEFAULT_DASHBOARD_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DASHBOARD_DAYS) {
    throw new UsageError(`days must be a whole number from 1 to ${MAX_DASHBOARD_DAYS}, got ${days}`);
  }
  const maxAnomalies = options.maxAnomalies ?? DEFAULT_MAX_ANOMALIES;
  if (!Number.isInteger(maxAnomalies) || maxAnomalies < 0) {
    throw new UsageError(`the anomaly bound must be a whole number, got ${maxAnomalies}`);
  }
  if (options.endDate !== undefined && !isValidDate(options.endDate)) {
    throw new UsageError(`invalid end date "${options.endDate}" (expected YYYY-MM-DD)`);
  }
  return { days, maxAnomalies };
}

/**
 * Read everything the dashboard shows from the warehouse (refreshing the reporting materialized
 * views first unless told not to).
 * @throws UsageError for an out-of-range `days`, a negative anomaly bound or an invalid end date.
 */
export async function gatherDashboardData(
  db: SqlExecutor,
  options: DashboardOptions = {},
): Promise<DashboardData> {
  const { days, maxAnomalies } = checkOptions(options);
  if (options.refresh !== false) await refreshReportingViewsIfPermitted(db);
  const generatedAt = (options.now ?? new Date()).toISOString();

  let to = options.endDate ?? null;
  if (to === null) {
    const [latest] = await db.query<{ latest: string | null }>(SQL.latestDate);
    to = latest?.latest ?? null;
  }
  const window = to === null ? null : { from: addDays(to, -(days - 1)), to, days };
  const range = window ? { fromDate: window.from, toDate: window.to } : null;
  const inWindow = async (sql: string): Promise<Row[]> => (range ? db.query(sql, range) : []);

  // Executive.
  const daily = (await inWindow(SQL.daily)).map(dailyOf);
  const before = range ? (await db.query(SQL.dailyBefore, range)).map(dailyOf)[0] : undefined;
  const stats: DayStats[] = daily.map((day, i) => {
    const previous = i > 0 ? daily[i - 1] : before;
    return { date: day.date, previousDate: previous?.date ?? null, panels: statPanels(day, previous) };
  });

  const trendByDate = new Map<string, Record<Severity, number>>();
  for (const r of await inWindow(SQL.anomalyTrend)) {
    const date = String(r['recon_date']);
    let counts = trendByDate.get(date);
    if (!counts) {
      counts = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
      trendByDate.set(date, counts);
    }
    counts[String(r['severity']) as Severity] += count(r['anomaly_count']);
  }
  const anomalyTrend = [...trendByDate.entries()].map(([date, counts]) => ({ date, counts }));

  const revenueRows = await inWindow(SQL.revenueByStatus);
  // MATCHED first, then the exceptions alphabetically, so the stack reads the same every day.
  const revenueStatuses = [...new Set(revenueRows.map((r) => String(r['match_status'])))].sort((a, b) =>
    a === 'MATCHED' ? -1 : b === 'MATCHED' ? 1 : a.localeCompare(b),
  );
  const revenueMap = new Map<string, RevenueByStatus>();
  for (const r of revenueRows) {
    const date = String(r['recon_date']);
    let entry = revenueMap.get(date);
    if (!entry) {
      entry = { date, amounts: {}, orders: {} };
      revenueMap.set(date, entry);
    }
    entry.amounts[String(r['match_status'])] = money(r['amount']);
    entry.orders[String(r['match_status'])] = count(r['orders']);
  }

  const shopHealth: ShopDayHealth[] = (await inWindow(SQL.shopHealth)).map((r) => ({
    shopId: String(r['shop_id']),
    date: String(r['recon_date']),
    orders: count(r['total_orders']),
    orderRevenue: money(r['total_order_amount']),
    l1Matched: count(r['l1_matched']),
    l1Rate: str(r['l1_match_rate_pct']),
    l3Status: str(r['l3_status']),
    l3Variance: str(r['l3_variance']),
    anomalies: count(r['anomaly_count']),
    openAnomalies: count(r['open_anomaly_count']),
  }));
  const shops = [...new Set(shopHealth.map((s) => s.shopId))].sort((a, b) =>
    a.length === b.length ? a.localeCompare(b) : a.length - b.length,
  );

  const [totals] = await db.query(SQL.openTotals);

  // Operational.
  const runs = (await inWindow(SQL.runs)).map(runOf);
  const runsTotal = count((await inWindow(SQL.runsTotal))[0]?.['runs']);
  const dq: DqRow[] = (await inWindow(SQL.dq)).map((r) => ({
    runId: String(r['run_id']),
    date: String(r['recon_date']),
    checkId: String(r['check_id']),
    checkName: String(r['check_name']),
    table: String(r['table_name']),
    measured: str(r['measured_value']),
    threshold: str(r['threshold']),
    status: String(r['status']),
    detail: String(r['detail']),
  }));
  const dqCounts = new Map<string, { date: string; PASS: number; WARN: number; FAIL: number }>();
  for (const d of [...dq].reverse()) {
    let c = dqCounts.get(d.date);
    if (!c) {
      c = { date: d.date, PASS: 0, WARN: 0, FAIL: 0 };
      dqCounts.set(d.date, c);
    }
    if (d.status === 'PASS' || d.status === 'WARN' || d.status === 'FAIL') c[d.status]++;
  }
  const stagingRows = (await inWindow(stagingRowsSql())).map((r) => ({
    table: String(r['table_name']),
    date: String(r['biz_date']),
    rows: count(r['row_count']),
  }));

  // Investigation.
  const open = await listAnomalies(db);
  const shown = open.slice(0, maxAnomalies);
  const details = await mapPooled(shown, DETAIL_CONCURRENCY, (a) => showAnomaly(db, a.anomaly_id));
  const evidence: Record<string, AnomalyEvidence> = {};
  for (const d of details) {
    evidence[d.anomaly.anomaly_id] = { entity: d.entity, sources: d.sources, events: d.events };
  }
  const byType = (await db.query(SQL.openByType)).map((r) => ({
    type: String(r['anomaly_type']),
    name: String(r['anomaly_name']),
    count: count(r['anomaly_count']),
  }));
  const fp = (await inWindow(SQL.falsePositives))[0];
  const fpTotal = count(fp?.['anomalies']);
  const resolution = {
    RESOLVED: RESOLUTION_BUCKETS.map(() => 0),
    FALSE_POSITIVE: RESOLUTION_BUCKETS.map(() => 0),
    AUTO_RESOLVED: RESOLUTION_BUCKETS.map(() => 0),
  };
  for (const r of await inWindow(SQL.resolution)) {
    const status = String(r['status']) as keyof typeof resolution;
    const bucket = Number(r['bucket']);
    const counts = resolution[status];
    if (counts && bucket >= 0 && bucket < counts.length) {
      counts[bucket] = (counts[bucket] ?? 0) + count(r['anomaly_count']);
    }
  }

  return {
    generatedAt,
    window,
    executive: {
      daily,
      stats,
      openInAll: count(totals?.['open_count']),
      openAmountInAll: money(totals?.['open_amount']),
      atRiskCriticalHigh: money(totals?.['critical_high_amount']),
      anomalyTrend,
      revenueStatuses,
      revenueByStatus: [...revenueMap.values()],
      shops,
      shopHealth,
    },
    operational: {
      runs,
      runsTotal,
      slaMinutes: SLA_MINUTES,
      dq,
      dqByDate: [...dqCounts.values()],
      stagingTables: SOURCE_TABLES.map((t) => t.staging.name),
      stagingRows,
    },
    investigation: {
      openTotal: open.length,
      limit: maxAnomalies,
      slaBreached: count(totals?.['sla_breached']),
      avgAgeDays: str(totals?.['avg_age_days']),
      falsePositiveRatePct:
        fpTotal === 0 ? null : new Decimal(count(fp?.['false_positives'])).times(100).div(fpTotal).toFixed(1),
      byType,
      resolutionBuckets: [...RESOLUTION_BUCKETS],
      resolution,
      anomalies: shown,
      evidence,
    },
  };
}
