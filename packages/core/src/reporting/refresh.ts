/**
 * Refreshing the reporting materialized views (seed Phase 4 §3.7), in dependency order: the daily
 * summary first (the weekly and monthly views read it), then the anomaly breakdown and the shop
 * health. Each REFRESH runs on its own, outside any transaction: Redshift runs REFRESH
 * MATERIALIZED VIEW as a transaction of its own.
 */
import { WarehouseError } from '../errors.ts';
import type { SqlExecutor } from '../warehouse/types.ts';

/** The materialized views, in refresh order. */
export const MATERIALIZED_VIEWS = [
  'recon.mv_recon_daily_summary',
  'recon.mv_recon_anomaly_by_type',
  'recon.mv_recon_shop_health',
] as const;

/** What a refresh did: each view and how long it took. */
export interface RefreshOutcome {
  refreshed: { view: string; seconds: number }[];
  startedAt: string;
  finishedAt: string;
}

/** Refresh every reporting materialized view, in order. */
export async function refreshReportingViews(db: SqlExecutor): Promise<RefreshOutcome> {
  const startedAt = new Date().toISOString();
  const refreshed: RefreshOutcome['refreshed'] = [];
  for (const view of MATERIALIZED_VIEWS) {
    const t0 = performance.now();
    // The names are the constants above, never input.
    await db.execute(`REFRESH MATERIALIZED VIEW ${view}`);
    refreshed.push({ view, seconds: Number(((performance.now() - t0) / 1000).toFixed(3)) });
  }
  return { refreshed, startedAt, finishedAt: new Date().toISOString() };
}

/**
 * {@link refreshReportingViews} before reading them (reports, the dashboard); a reader who may
 * not refresh (the read-only group: only the views' owner may, SQLSTATE 42501) reads them as the
 * last pipeline run left them, and gets null.
 */
export async function refreshReportingViewsIfPermitted(db: SqlExecutor): Promise<RefreshOutcome | null> {
  try {
    return await refreshReportingViews(db);
  } catch (error) {
    if (error instanceof WarehouseError && error.context['sqlstate'] === '42501') return null;
    throw error;
  }
}
