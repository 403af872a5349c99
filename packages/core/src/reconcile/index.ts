/**
 * The reconciliation engine (SPEC §5, §4 step 6): Level 1–3 matching over a window of business
 * dates, the reconciliation facts, and per-level summaries. See types.ts for the contract.
 */
export { FACT_DETAILS_MODEL, FACTS_MODEL, loadFacts } from './facts.ts';
export { MATCH_MODELS, runMatching } from './match.ts';
export { LEVEL_SUMMARIES_MODEL, levelSummaries } from './summary.ts';
export {
  L1_STATUSES,
  L2_FEE_STATUSES,
  L2_STATUSES,
  L3_STATUSES,
  type Level,
  type LevelSummary,
  MATCHED_STATUSES,
  type MatchParams,
  type ReconcileEngine,
} from './types.ts';
