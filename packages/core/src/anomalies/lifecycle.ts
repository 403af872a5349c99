/**
 * The anomaly lifecycle (SPEC §7): merging a scan's candidates into `recon.dwd_recon_anomalies`
 * (identity, escalation, auto-resolution, re-opening) with every change appended to
 * `recon.dwd_recon_anomaly_events`, then refreshing `recon.dwd_recon_anomaly_summary`. The SQL is
 * `packages/sql/anomalies/lifecycle_apply.sql` and `lifecycle_summary.sql`; everything runs in
 * the caller's transaction.
 */
import { ReconError } from '../errors.ts';
import { isValidDate } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import type { ApplyResult, ScanParams } from './types.ts';

const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** The auto-resolution note naming the run (also used for CONDITION_CLEARED events). */
export function conditionGoneNote(runId: string, asOf: string): string {
  return `Condition no longer holds as of run ${runId} (${asOf})`;
}

/** The note of a REOPENED event written by a run. */
export function conditionBackNote(runId: string, asOf: string): string {
  return `Condition holds again as of run ${runId} (${asOf})`;
}

function checkParams(params: ScanParams): void {
  const problems: string[] = [];
  if (!params.runId || params.runId.length > 64) problems.push(`run id "${params.runId}"`);
  for (const [name, value] of [
    ['reconDate', params.reconDate],
    ['fromDate', params.fromDate],
    ['toDate', params.toDate],
  ] as const) {
    if (!isValidDate(value)) problems.push(`${name} "${value}"`);
  }
  if (params.fromDate > params.toDate) problems.push(`window ${params.fromDate} … ${params.toDate}`);
  if (!TIMESTAMP_TEXT.test(params.asOf)) problems.push(`asOf "${params.asOf}"`);
  if (problems.length) throw new ReconError(`invalid anomaly scan parameters: ${problems.join(', ')}`);
}

/**
 * Refresh `recon.dwd_recon_anomaly_summary` for the business dates [fromDate, toDate] (delete,
 * then one row per date × type × severity). Runs in the caller's transaction.
 */
export async function refreshAnomalySummary(
  db: SqlExecutor,
  fromDate: string,
  toDate: string,
): Promise<void> {
  const sql = modelSteps('anomalies/lifecycle_summary.sql');
  await db.execute(sql('lock_summary'));
  await db.execute(sql('delete_summary'), { fromDate, toDate });
  await db.execute(sql('insert_summary'), { fromDate, toDate });
}

/**
 * Merge the candidates table (`tmp_recon_anomaly_candidates`, filled by detection) into
 * `recon.dwd_recon_anomalies` and `recon.dwd_recon_anomaly_events`, refresh the summary of the
 * window's dates and drop the candidates table — in the caller's transaction.
 *
 * - a new identity is inserted OPEN (status set by SYSTEM), with a DETECTED event;
 * - a known identity follows the candidate's amounts and evidence; its severity only rises
 *   (ESCALATED), changed amounts are recorded (AMOUNTS_CHANGED), an AUTO_RESOLVED anomaly
 *   re-opens (REOPENED); a status, assignee or note set by a person is never written;
 * - an anomaly of the window that is OPEN (SYSTEM) and not seen any more becomes AUTO_RESOLVED
 *   with a note naming the run; one whose status a person set gets a CONDITION_CLEARED event once;
 * - re-applying the same candidates changes nothing but last_seen_at / last_run_id.
 * @throws ReconError for malformed parameters; warehouse errors as raised by the executor.
 */
export async function applyCandidates(db: SqlExecutor, params: ScanParams): Promise<ApplyResult> {
  checkParams(params);
  const sql = modelSteps('anomalies/lifecycle_apply.sql');
  const values = {
    runId: params.runId,
    reconDate: params.reconDate,
    fromDate: params.fromDate,
    toDate: params.toDate,
    asOf: params.asOf,
    autoNote: conditionGoneNote(params.runId, params.asOf),
    reopenNote: conditionBackNote(params.runId, params.asOf),
  };
  await db.execute(sql('drop_plan'));
  await db.execute(sql('create_plan'));
  const [counts] = await db.query<{
    seen: string | number;
    detected: string | number;
    escalated: string | number;
    reopened: string | number;
  }>(sql('count_plan'));
  for (const step of [
    'event_detected',
    'event_escalated',
    'event_amounts_changed',
    'insert_new',
    'update_seen',
    'event_reopened',
  ]) {
    await db.execute(sql(step), values);
  }
  const autoResolved = await db.execute(sql('auto_resolve'), values);
  await db.execute(sql('event_auto_resolved'), values);
  await db.execute(sql('event_condition_cleared'), values);
  await refreshAnomalySummary(db, params.fromDate, params.toDate);
  await db.execute(sql('drop_plan_end'));
  await db.execute(sql('drop_candidates'));
  return {
    detected: Number(counts?.detected ?? 0),
    escalated: Number(counts?.escalated ?? 0),
    reopened: Number(counts?.reopened ?? 0),
    autoResolved,
    seen: Number(counts?.seen ?? 0),
  };
}
