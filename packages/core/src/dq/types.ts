/**
 * The data-quality contract (SPEC §6): checks DQ-01…DQ-06 and DQ-08 before matching, DQ-07 after.
 * Results are stored in `recon.dwd_recon_dq_results`, one row per date × check × table, replaced
 * by each run that evaluates them.
 */
import type { Settings } from '../settings.ts';
import type { BusinessCalendar } from '../time.ts';
import type { SqlExecutor } from '../warehouse/types.ts';

export type DqStatus = 'PASS' | 'WARN' | 'FAIL';

export type DqCheckId = 'DQ-01' | 'DQ-02' | 'DQ-03' | 'DQ-04' | 'DQ-05' | 'DQ-06' | 'DQ-07' | 'DQ-08';

export interface DqResult {
  checkId: DqCheckId;
  /** e.g. 'RECORD_COUNT', 'NULL_KEY', 'AMOUNT_RANGE', 'CURRENCY_FILTER', 'DUPLICATE', 'FRESHNESS', 'MATCH_RATE', 'VOUCHER_BALANCE'. */
  checkName: string;
  /** The staging/result table (or level) the row is about, e.g. 'stg_recon_orders' or 'L1'. */
  tableName: string;
  /** What was measured, exact decimal text (a count, a percent, hours); null when nothing to measure. */
  measuredValue: string | null;
  /** The threshold(s) applied, as text (e.g. 'warn > 5 %, fail > 20 %'). */
  threshold: string | null;
  status: DqStatus;
  /** One sentence a person understands: what was found, compared with what. */
  detail: string;
}

/** Duplicates seen by the staging load for one table, before it de-duplicated (DQ-05 input). */
export interface LoadDuplicateStats {
  stagingTable: string;
  /** Rows the run extracted for the table (all versions, tombstones excluded). */
  incoming: number;
  /** Primary keys extracted more than once with different content at the same version. */
  pkConflicts: number;
}

export interface DqContext {
  reconDate: string;
  /** ISO-8601 instant of the run. */
  asOf: string;
  settings: Settings;
  calendar: BusinessCalendar;
  /** From the run's load step; absent when checks run on their own (`recon dq`). */
  loadStats?: readonly LoadDuplicateStats[];
}

/** Signatures implemented in checks.ts. */
export interface DataQuality {
  /** DQ-01…DQ-06 and DQ-08 on the staging tables for `reconDate`. */
  runPreChecks(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]>;
  /** DQ-07 on the result tables for `reconDate`. */
  runPostChecks(db: SqlExecutor, ctx: DqContext): Promise<DqResult[]>;
  /** Replace the stored results of `reconDate` for the given check ids with `results`. */
  saveResults(
    db: SqlExecutor,
    runId: string,
    reconDate: string,
    checkIds: readonly DqCheckId[],
    results: readonly DqResult[],
  ): Promise<void>;
}
