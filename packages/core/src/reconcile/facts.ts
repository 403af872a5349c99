/**
 * Reconciliation facts (SPEC §4 step 6): `recon.dwd_two_way_reconciliation` (date × level) and
 * `recon.dwd_two_way_reconciliation_detail` (date × level × entity), built from the Level 1–3
 * result tables. Runs in the caller's transaction.
 */
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';

/** The fact-table models (paths under packages/sql). */
export const FACTS_MODEL = 'marts/dwd_two_way_reconciliation.sql';
/** The detail-fact model. */
export const FACT_DETAILS_MODEL = 'marts/dwd_two_way_reconciliation_detail.sql';

/**
 * Replace both fact tables' rows of every business date in [`window.fromDate`, `window.toDate`]
 * from the result tables (run {@link runMatching} first). Opens no transaction.
 * @returns rows written to `dwd_two_way_reconciliation` (`facts`) and to
 * `dwd_two_way_reconciliation_detail` (`details`).
 */
export async function loadFacts(
  db: SqlExecutor,
  window: { fromDate: string; toDate: string },
): Promise<{ facts: number; details: number }> {
  const bound = { fromDate: window.fromDate, toDate: window.toDate };
  const f = modelSteps(FACTS_MODEL);
  await db.execute(f('delete_window'), bound);
  const facts = await db.execute(f('insert_facts'), bound);
  const d = modelSteps(FACT_DETAILS_MODEL);
  await db.execute(d('delete_window'), bound);
  const details = await db.execute(d('insert_details'), bound);
  return { facts, details };
}
