/**
 * The dashboards this package provisions: the executive, operational and investigation
 * dashboards of seed Phase 4 §4–6, each in its seed §2.3 folder.
 */
import type { DashboardDefinition, GrafanaFolder } from './dashboard.ts';
import { executiveDashboard } from './executive.ts';
import { investigationDashboard } from './investigation.ts';
import { operationalDashboard } from './operational.ts';

/** Every provisioned dashboard, in seed order (§4 executive, §5 operational, §6 investigation). */
export function allDashboards(): DashboardDefinition[] {
  return [executiveDashboard(), operationalDashboard(), investigationDashboard()];
}

/** The folders holding at least one dashboard, each once, in dashboard order. */
export function usedFolders(definitions: readonly DashboardDefinition[]): GrafanaFolder[] {
  const byUid = new Map<string, GrafanaFolder>();
  for (const d of definitions) if (!byUid.has(d.folder.uid)) byUid.set(d.folder.uid, d.folder);
  return [...byUid.values()];
}
