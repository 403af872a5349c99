/**
 * The anomaly engine's contract (SPEC §7). Detection fills a temporary candidates table with what
 * the current data shows for a window of business dates; the lifecycle merges the candidates into
 * `recon.dwd_recon_anomalies` (identity, escalation, auto-resolution, re-opening) and appends
 * every change to `recon.dwd_recon_anomaly_events`. Both run in the caller's transaction.
 */
import type { Settings } from '../settings.ts';

export type AnomalyType = 'ANO-01' | 'ANO-02' | 'ANO-03' | 'ANO-04' | 'ANO-05' | 'ANO-06' | 'ANO-07';
export const ANOMALY_TYPES: readonly AnomalyType[] = [
  'ANO-01',
  'ANO-02',
  'ANO-03',
  'ANO-04',
  'ANO-05',
  'ANO-06',
  'ANO-07',
];
export const ANOMALY_NAMES: Record<AnomalyType, string> = {
  'ANO-01': 'MISSING_PAYMENT',
  'ANO-02': 'AMOUNT_MISMATCH',
  'ANO-03': 'FEE_ANOMALY',
  'ANO-04': 'REFUND_STUCK',
  'ANO-05': 'ORPHAN_TRADE',
  'ANO-06': 'SYNC_DELAY',
  'ANO-07': 'ACCOUNTING_GAP',
};

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
/** Lowest first: a severity never moves left on re-detection. */
export const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export type AnomalyStatus = 'OPEN' | 'INVESTIGATING' | 'RESOLVED' | 'FALSE_POSITIVE' | 'AUTO_RESOLVED';

/** The temporary table detection fills (one row per anomaly identity seen now). */
export const CANDIDATES_TABLE = 'tmp_recon_anomaly_candidates';

/**
 * Columns of the candidates table, in order, with their SQL types. `anomaly_id` =
 * anomaly_type || ':' || entity_key. Amounts exact DECIMAL; confidence 0–1 (1.000 for exact-key
 * evidence, lower for fallback-key evidence).
 */
export const CANDIDATE_COLUMNS = [
  ['anomaly_id', 'VARCHAR(160)'],
  ['anomaly_type', 'VARCHAR(8)'],
  ['anomaly_name', 'VARCHAR(32)'],
  ['severity', 'VARCHAR(8)'],
  ['recon_date', 'DATE'],
  ['entity_key', 'VARCHAR(128)'],
  ['order_id', 'BIGINT'],
  ['shop_id', 'BIGINT'],
  ['affected_amount', 'DECIMAL(14,2)'],
  ['expected_value', 'DECIMAL(14,2)'],
  ['actual_value', 'DECIMAL(14,2)'],
  ['confidence_score', 'DECIMAL(4,3)'],
  ['description', 'VARCHAR(1024)'],
  ['recommendation', 'VARCHAR(1024)'],
] as const;

/** What a scan covers and measures against. */
export interface ScanParams {
  runId: string;
  /** The run's business date D. */
  reconDate: string;
  /** The window re-evaluated (D − extractionLookbackDays … D): only anomalies of these dates can auto-resolve. */
  fromDate: string;
  toDate: string;
  /** The run's as-of as warehouse TIMESTAMP text 'YYYY-MM-DD HH:MM:SS' (UTC): ages are measured to it. */
  asOf: string;
  settings: Settings;
}

/** What applying the candidates changed. */
export interface ApplyResult {
  /** New anomalies. */
  detected: number;
  /** Severity raised. */
  escalated: number;
  /** AUTO_RESOLVED anomalies whose condition returned. */
  reopened: number;
  /** Anomalies whose condition no longer holds, now AUTO_RESOLVED. */
  autoResolved: number;
  /** Candidates seen this run (all identities, new or not). */
  seen: number;
}

/**
 * Implemented in detect.ts (detection) and lifecycle.ts (merge):
 * - `createCandidatesTable(db)`: CREATE TEMP TABLE of CANDIDATE_COLUMNS (drops a leftover first).
 * - `detectAnomalies(db, params)`: create the table and fill it with every ANO-01…ANO-07 candidate
 *   of the window's dates (rules of SPEC §7, ladders measured to `asOf`); returns the row count.
 * - `applyCandidates(db, params)`: merge the table into recon.dwd_recon_anomalies and the events;
 *   refresh recon.dwd_recon_anomaly_summary for the window; drop the table.
 */
export type { Settings };
