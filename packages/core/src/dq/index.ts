/**
 * Data quality (SPEC §6): the contract (`types.ts`) and the checks that implement it (`checks.ts`).
 */
export * from './types.ts';
export {
  DQ_MODELS,
  dataQuality,
  POST_CHECK_IDS,
  PRE_CHECK_IDS,
  runPostChecks,
  runPreChecks,
  saveResults,
} from './checks.ts';
