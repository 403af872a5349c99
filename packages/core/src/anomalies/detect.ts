/**
 * Anomaly detection (SPEC §7): fills the temporary candidates table with every ANO-01…ANO-07
 * condition the warehouse shows now for a window of business dates, one SQL model per type
 * (`packages/sql/anomalies/ano_0*.sql`), ages measured to the scan's as-of. The lifecycle
 * (`lifecycle.ts`) then merges the candidates into `recon.dwd_recon_anomalies`. Runs in the
 * caller's transaction.
 */
import { WarehouseError } from '../errors.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import { type AnomalyType, CANDIDATE_COLUMNS, CANDIDATES_TABLE, type ScanParams } from './types.ts';

/**
 * The detection model of each anomaly type (paths under packages/sql), in the order they run.
 * ANO-01 runs before ANO-06, which skips orders with an ANO-01 candidate (root cause first).
 */
export const DETECTION_MODELS: Readonly<Record<AnomalyType, string>> = {
  'ANO-01': 'anomalies/ano_01_missing_payment.sql',
  'ANO-02': 'anomalies/ano_02_amount_mismatch.sql',
  'ANO-03': 'anomalies/ano_03_fee_anomaly.sql',
  'ANO-04': 'anomalies/ano_04_refund_stuck.sql',
  'ANO-05': 'anomalies/ano_05_orphan_trade.sql',
  'ANO-06': 'anomalies/ano_06_sync_delay.sql',
  'ANO-07': 'anomalies/ano_07_accounting_gap.sql',
};

const ORDER: readonly AnomalyType[] = ['ANO-01', 'ANO-02', 'ANO-03', 'ANO-04', 'ANO-05', 'ANO-06', 'ANO-07'];

/**
 * Create the (session-)temporary candidates table of {@link CANDIDATE_COLUMNS}, dropping a
 * leftover of an earlier scan in the same session first.
 */
export async function createCandidatesTable(db: SqlExecutor): Promise<void> {
  const columns = CANDIDATE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
  await db.execute(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await db.execute(`CREATE TEMP TABLE ${CANDIDATES_TABLE} (${columns})`);
}

/** The named parameters every detection model may reference (each model binds what it uses). */
export function detectionParams(params: ScanParams): Record<string, string | number> {
  const s = params.settings;
  return {
    fromDate: params.fromDate,
    toDate: params.toDate,
    asOf: params.asOf,
    paymentDelayWarningHours: s.paymentDelayWarningHours,
    paymentDelayCriticalHours: s.paymentDelayCriticalHours,
    refundStuckThresholdHours: s.refundStuckThresholdHours,
    orphanTradeAgeHours: s.orphanTradeAgeHours,
    syncDelayWarningHours: s.syncDelayWarningHours,
    syncDelayCriticalHours: s.syncDelayCriticalHours,
    accountingGapTolerance: s.accountingGapTolerance,
    l3VarianceTolerancePct: s.l3VarianceTolerancePct,
    stripeFeeMax: s.stripeFeeMax,
  };
}

/**
 * Create the candidates table and fill it with every ANO-01…ANO-07 candidate whose recon_date is
 * in [`params.fromDate`, `params.toDate`] (rules of SPEC §7 with `params.settings`, ages measured
 * to `params.asOf`). Opens no transaction. The table holds at most one row per anomaly_id.
 * @returns the number of candidates.
 * @throws WarehouseError when a model produced two candidates with the same anomaly_id.
 */
export async function detectAnomalies(db: SqlExecutor, params: ScanParams): Promise<number> {
  await createCandidatesTable(db);
  const bound = detectionParams(params);
  let total = 0;
  for (const type of ORDER) {
    const model = DETECTION_MODELS[type];
    total += await db.execute(modelSteps(model)('insert_candidates'), bound);
  }
  const duplicates = await db.query<{ anomaly_id: string }>(
    `SELECT anomaly_id FROM ${CANDIDATES_TABLE} GROUP BY anomaly_id HAVING COUNT(*) > 1 ORDER BY anomaly_id LIMIT 5`,
  );
  if (duplicates.length > 0) {
    throw new WarehouseError(
      `anomaly detection produced duplicate candidates: ${duplicates.map((d) => d.anomaly_id).join(', ')}`,
      { context: { table: CANDIDATES_TABLE } },
    );
  }
  return total;
}
