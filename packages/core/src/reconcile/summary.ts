/**
 * Per-level summaries of one business date (SPEC §5), read from the Level 1–3 result tables:
 * totals, matched, exact match rate and counts per status.
 */
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor } from '../warehouse/types.ts';
import { L1_STATUSES, L2_STATUSES, L3_STATUSES, type Level, type LevelSummary } from './types.ts';

/** The summary model (path under packages/sql). */
export const LEVEL_SUMMARIES_MODEL = 'marts/level_summaries.sql';

const STATUSES: Readonly<Record<Level, readonly string[]>> = {
  L1: L1_STATUSES,
  L2: L2_STATUSES,
  L3: L3_STATUSES,
};

const LEVELS: readonly Level[] = ['L1', 'L2', 'L3'];

/** A count as a number (INTEGER comes back as a number; tolerate exact text too). */
function count(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number.parseInt(value, 10);
  throw new TypeError(`expected a row count, got ${String(value)}`);
}

/**
 * The summaries of business date `reconDate` ('YYYY-MM-DD'), one per level in the order
 * [L1, L2, L3]. `matchRate` is computed in SQL as DECIMAL(5,2) and returned as its exact text
 * ('97.25', '100.00'), null for a level with no rows; `byStatus` lists every status of the level,
 * zeros included (a status the level does not define, should one appear, is listed too).
 */
export async function levelSummaries(db: SqlExecutor, reconDate: string): Promise<LevelSummary[]> {
  const s = modelSteps(LEVEL_SUMMARIES_MODEL);
  const params = { reconDate };
  const counts = await db.query<{ recon_level: string; match_status: string; n: unknown }>(
    s('status_counts'),
    params,
  );
  const rates = await db.query<{
    recon_level: string;
    total: unknown;
    matched: unknown;
    match_rate: unknown;
  }>(s('level_rates'), params);
  return LEVELS.map((level) => {
    const byStatus: Record<string, number> = {};
    for (const status of STATUSES[level]) byStatus[status] = 0;
    for (const row of counts) if (row.recon_level === level) byStatus[row.match_status] = count(row.n);
    const rate = rates.find((r) => r.recon_level === level);
    const matchRate = rate?.match_rate;
    return {
      level,
      total: rate ? count(rate.total) : 0,
      matched: rate ? count(rate.matched) : 0,
      matchRate: typeof matchRate === 'string' ? matchRate : null,
      byStatus,
    };
  });
}
