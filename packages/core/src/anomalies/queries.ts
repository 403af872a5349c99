/**
 * Reading anomalies for people (seed phase 4 §3.4, §6): the filtered, sorted list of
 * `recon anomalies list`, and one anomaly with its source rows side by side and its audit trail
 * for `recon anomalies show`. SQL: `packages/sql/anomalies/queries_list.sql` and
 * `queries_sources.sql`. Read-only.
 */
import { UsageError } from '../errors.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { Row, SqlExecutor } from '../warehouse/types.ts';
import type { AnomalyStatus, AnomalyType, Severity } from './types.ts';

/** Every status, in lifecycle order. */
export const ANOMALY_STATUSES: readonly AnomalyStatus[] = [
  'OPEN',
  'INVESTIGATING',
  'RESOLVED',
  'FALSE_POSITIVE',
  'AUTO_RESOLVED',
];

/** The statuses `list` shows by default (the view's: still to be dealt with). */
export const OPEN_STATUSES: readonly AnomalyStatus[] = ['OPEN', 'INVESTIGATING'];

/** SLA status of an open anomaly (recon.v_recon_open_anomalies). */
export type SlaStatus = 'WITHIN_SLA' | 'SLA_BREACHED';
export const SLA_STATUSES: readonly SlaStatus[] = ['WITHIN_SLA', 'SLA_BREACHED'];

/** Filters of {@link listAnomalies}; absent = no filter. */
export interface ListFilters {
  severity?: Severity;
  type?: AnomalyType;
  /** Shop id (digits). */
  shopId?: string;
  /** Statuses to include (default OPEN and INVESTIGATING). */
  statuses?: readonly AnomalyStatus[];
  /** Only open anomalies with this SLA status. */
  sla?: SlaStatus;
}

/** One anomaly as listed: the stored row plus its age and (when open) SLA status. */
export interface AnomalyListItem {
  anomaly_id: string;
  anomaly_type: AnomalyType;
  anomaly_name: string;
  severity: Severity;
  status: AnomalyStatus;
  status_set_by: 'SYSTEM' | 'PERSON';
  detected_date: string;
  recon_date: string;
  entity_key: string;
  order_id: string | null;
  shop_id: string | null;
  affected_amount: string;
  expected_value: string | null;
  actual_value: string | null;
  confidence_score: string;
  description: string;
  recommendation: string;
  assigned_to: string | null;
  resolution_notes: string | null;
  created_at: string;
  updated_at: string;
  last_seen_at: string;
  last_run_id: string | null;
  /** Whole days (date boundaries) from created_at to now. */
  age_days: string;
  /** Null for anomalies no longer open. */
  sla_status: SlaStatus | null;
}

/** One entry of an anomaly's audit trail. */
export interface AnomalyEvent {
  event_id: string;
  anomaly_id: string;
  event_time: string;
  actor: string;
  event_type: string;
  from_status: string | null;
  to_status: string | null;
  from_severity: string | null;
  to_severity: string | null;
  note: string | null;
  run_id: string | null;
}

/** What an anomaly is about, which decides the source rows shown. */
export type SourceEntity = 'ORDER' | 'TRADE' | 'REFUND' | 'SHOP_DAY' | 'VOUCHER';

/** One anomaly with its evidence and history. */
export interface AnomalyDetail {
  anomaly: AnomalyListItem;
  entity: SourceEntity;
  /** Source rows by name (e.g. order, payments, trades, receipts), each in key order. */
  sources: Record<string, Row[]>;
  /** The audit trail, oldest first. */
  events: AnomalyEvent[];
}

const listSql = () => modelSteps('anomalies/queries_list.sql');
const sourceSql = () => modelSteps('anomalies/queries_sources.sql');

function listParams(filters: ListFilters, anomalyId: string | null): Record<string, unknown> {
  const statuses = filters.statuses?.length ? filters.statuses : OPEN_STATUSES;
  return {
    statuses: `,${statuses.join(',')},`,
    severity: filters.severity ?? null,
    anomalyType: filters.type ?? null,
    shopId: filters.shopId ?? null,
    sla: filters.sla ?? null,
    anomalyId,
  };
}

/**
 * The anomalies matching `filters` (default: OPEN and INVESTIGATING), most severe first, then
 * oldest first (seed phase 4 §3.4).
 * @throws UsageError for a shop id that is not a whole number.
 */
export async function listAnomalies(db: SqlExecutor, filters: ListFilters = {}): Promise<AnomalyListItem[]> {
  if (filters.shopId !== undefined && !/^\d{1,18}$/.test(filters.shopId)) {
    throw new UsageError(`shop must be a whole number, got "${filters.shopId}"`);
  }
  return db.query<AnomalyListItem & Row>(listSql()('list'), listParams(filters, null));
}

async function rows(db: SqlExecutor, step: string, params: Record<string, unknown>): Promise<Row[]> {
  return db.query(sourceSql()(step), params);
}

async function orderSources(db: SqlExecutor, orderId: string): Promise<Record<string, Row[]>> {
  const p = { orderId };
  return {
    order: await rows(db, 'order', p),
    payments: await rows(db, 'order_payments', p),
    trades: await rows(db, 'order_trades', p),
    receipts: await rows(db, 'order_receipts', p),
    fees: await rows(db, 'order_fees', p),
    refunds: await rows(db, 'order_refunds', p),
    level1: await rows(db, 'order_level1', p),
    level2: await rows(db, 'order_level2', p),
  };
}

async function tradeSources(db: SqlExecutor, tradeNo: string): Promise<Record<string, Row[]>> {
  // A blank trade number identifies nothing (as at Level 1): it has no source rows to show.
  const blank = tradeNo.trim() === '';
  const get = async (step: string) => (blank ? [] : rows(db, step, { tradeNo }));
  return {
    trades: await get('trade_trades'),
    payments: await get('trade_payments'),
    orders: await get('trade_orders'),
    refunds: await get('trade_refunds'),
    vouchers: await get('trade_vouchers'),
    fees: await get('trade_fees'),
    receipts: await get('trade_receipts'),
  };
}

const SHOP_DAY_KEY = /^(\d{1,18})\|(\d{4}-\d{2}-\d{2})$/;

async function sourcesOf(
  db: SqlExecutor,
  a: AnomalyListItem,
): Promise<{ entity: SourceEntity; sources: Record<string, Row[]> }> {
  if (a.order_id !== null) return { entity: 'ORDER', sources: await orderSources(db, a.order_id) };
  const shopDay = SHOP_DAY_KEY.exec(a.entity_key);
  if (shopDay) {
    const p = { shopId: shopDay[1], reconDate: shopDay[2] };
    return {
      entity: 'SHOP_DAY',
      sources: {
        level3: await rows(db, 'shop_day_level3', p),
        income_bills: await rows(db, 'shop_day_income_bills', p),
      },
    };
  }
  const refundId = /^refund:(\d{1,19})$/.exec(a.entity_key)?.[1];
  const voucherId = /^voucher:(\d{1,19})$/.exec(a.entity_key)?.[1];
  if (a.anomaly_type === 'ANO-04' && refundId) {
    const refund = await rows(db, 'refund', { refundId });
    const tradeNo = refund[0]?.['trade_no'];
    if (typeof tradeNo === 'string') {
      return { entity: 'REFUND', sources: { refund, ...(await tradeSources(db, tradeNo)) } };
    }
  }
  if (a.anomaly_type === 'ANO-07' && voucherId) {
    return {
      entity: 'VOUCHER',
      sources: { voucher_entries: await rows(db, 'voucher_entries', { voucherId }) },
    };
  }
  return { entity: 'TRADE', sources: await tradeSources(db, a.entity_key.replace(/^trade:/, '')) };
}

/**
 * Anomaly `id` (any status) with the source rows it rests on — for an order the order, its
 * payments, trades, receipts (and fees, refunds, L1/L2 results); for a trade the trade, its
 * payments, refunds, vouchers; for a shop-day the L3 row and the income bills — and its events
 * in time order.
 * @throws UsageError naming the id when there is no such anomaly.
 */
export async function showAnomaly(db: SqlExecutor, id: string): Promise<AnomalyDetail> {
  const [anomaly] = await db.query<AnomalyListItem & Row>(
    listSql()('list'),
    listParams({ statuses: ANOMALY_STATUSES }, id),
  );
  if (!anomaly) {
    throw new UsageError(`no anomaly ${id}; \`recon anomalies list\` shows the open ones`);
  }
  const { entity, sources } = await sourcesOf(db, anomaly);
  const events = await db.query<AnomalyEvent & Row>(listSql()('events'), { anomalyId: id });
  return { anomaly, entity, sources, events };
}
