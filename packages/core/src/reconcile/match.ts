/**
 * Level 1–3 matching (SPEC §5): runs the three match models for a window of business dates,
 * replacing their result rows. Runs in the caller's transaction.
 */
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import type { Level, MatchParams } from './types.ts';

/** The match model of each level (paths under packages/sql), in the order they run. */
export const MATCH_MODELS: Readonly<Record<Level, string>> = {
  L1: 'match/match_level1.sql',
  L2: 'match/match_level2.sql',
  L3: 'match/match_level3.sql',
};

const LEVELS: readonly Level[] = ['L1', 'L2', 'L3'];

/**
 * Replace the Level 1, 2 and 3 result rows of every business date in
 * [`params.fromDate`, `params.toDate`]: for each level in order, delete the window's rows and
 * insert them afresh from the staging tables. Opens no transaction — pass one (a `WarehouseTx`)
 * so the window is never seen half-replaced. The rows are a pure function of
 * the staging tables and `params`, so running it twice leaves the tables identical.
 * @param seconds when given, each level's time (seconds) is added to it.
 * @returns rows inserted per level.
 */
export async function runMatching(
  db: SqlExecutor,
  params: MatchParams,
  seconds?: Record<Level, number>,
): Promise<Record<Level, number>> {
  const bound = {
    fromDate: params.fromDate,
    toDate: params.toDate,
    l1AmountTolerance: params.l1AmountTolerance,
    l2AmountTolerance: params.l2AmountTolerance,
    l3AmountTolerance: params.l3AmountTolerance,
    stripeFeeMin: params.stripeFeeMin,
    stripeFeeMax: params.stripeFeeMax,
  };
  const written: Record<Level, number> = { L1: 0, L2: 0, L3: 0 };
  for (const level of LEVELS) {
    const step = modelSteps(MATCH_MODELS[level]);
    const started = performance.now();
    await db.execute(step('delete_window'), bound);
    written[level] = await db.execute(step('insert_results'), bound);
    if (seconds) seconds[level] += (performance.now() - started) / 1000;
  }
  return written;
}
