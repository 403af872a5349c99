/**
 * The reconciliation engine's contract (SPEC §5): Level 1–3 result tables for a window of
 * business dates, the facts built from them, and per-level summaries.
 */
import type { SqlExecutor } from '../warehouse/types.ts';

/** Tolerances and fee band used by the match models (exact decimal text from settings). */
export interface MatchParams {
  /** First business date of the window (D − extractionLookbackDays), 'YYYY-MM-DD'. */
  fromDate: string;
  /** Last business date of the window (D), 'YYYY-MM-DD'. */
  toDate: string;
  l1AmountTolerance: string;
  l2AmountTolerance: string;
  l3AmountTolerance: string;
  stripeFeeMin: string;
  stripeFeeMax: string;
}

export type Level = 'L1' | 'L2' | 'L3';

export const L1_STATUSES = [
  'MISSING_PAYMENT',
  'MISSING_TRADE',
  'AMOUNT_MISMATCH_ORDER_PAY',
  'AMOUNT_MISMATCH_ORDER_TRADE',
  'AMOUNT_MISMATCH_PAY_TRADE',
  'MATCHED',
] as const;
export const L2_STATUSES = ['MISSING_RECEIPT', 'AMOUNT_MISMATCH', 'MATCHED'] as const;
export const L2_FEE_STATUSES = ['NO_RECEIPT', 'ZERO_FEE', 'LOW_FEE', 'HIGH_FEE', 'NORMAL_FEE'] as const;
export const L3_STATUSES = [
  'MISSING_INCOME_BILL',
  'MISSING_RECEIPTS',
  'MATCHED',
  'MATCHED_NET',
  'AMOUNT_MISMATCH',
] as const;

/** Statuses that count as matched per level (L3: MATCHED and MATCHED_NET). */
export const MATCHED_STATUSES: Record<Level, readonly string[]> = {
  L1: ['MATCHED'],
  L2: ['MATCHED'],
  L3: ['MATCHED', 'MATCHED_NET'],
};

/** One level's figures for one business date. */
export interface LevelSummary {
  level: Level;
  total: number;
  matched: number;
  /** Percent matched, exact decimal text with 2 decimals ('97.25'); null when total is 0. */
  matchRate: string | null;
  /** Count per match_status (every status of the level present, zeros included). */
  byStatus: Record<string, number>;
}

/** Signatures implemented in match.ts, facts.ts, summary.ts. */
export interface ReconcileEngine {
  /** Replace the L1, L2, L3 result rows of every date in [fromDate, toDate]; returns rows written per level. */
  runMatching(db: SqlExecutor, params: MatchParams): Promise<Record<Level, number>>;
  /** Replace both fact tables' rows of every date in [fromDate, toDate]; returns rows written per table. */
  loadFacts(
    db: SqlExecutor,
    window: { fromDate: string; toDate: string },
  ): Promise<{ facts: number; details: number }>;
  /** Per-level summary of one business date from the result tables. */
  levelSummaries(db: SqlExecutor, reconDate: string): Promise<LevelSummary[]>;
}
