/**
 * What the three dashboards share: the Grafana folders they are provisioned into (seed Phase 4
 * §2.3) and the dashboard settings of seed §8.2 (tags, business time zone, 5-minute refresh).
 */
import {
  DashboardCursorSync,
  type Dashboard,
  defaultDashboard,
  type Panel,
  type VariableModel,
} from '@grafana/schema';
import { valueText } from './panels.ts';

/** A Grafana folder the dashboards are provisioned into. */
export interface GrafanaFolder {
  /** Folder uid (seed §2.3), also the directory name of its dashboard files. */
  uid: string;
  title: string;
}

/** The folders of seed §2.3 that hold the dashboards of seed §4–6. */
export const FOLDERS = {
  executive: { uid: 'recon-exec', title: 'Executive Overview' },
  anomaly: { uid: 'recon-anomaly', title: 'Anomaly Investigation' },
  operations: { uid: 'recon-ops', title: 'Operational Monitoring' },
} as const satisfies Record<string, GrafanaFolder>;

/** A dashboard together with the folder it belongs in. */
export interface DashboardDefinition {
  folder: GrafanaFolder;
  dashboard: Dashboard & { uid: string; title: string; panels: Panel[] };
}

/** The tags every reconciliation dashboard carries (seed §8.2); the link menu lists them by tag. */
export const RECON_TAGS = ['revenue', 'reconciliation', 'finance', 'UC-FN-02'] as const;

/**
 * The dashboard JSON schema version: the one of the `@grafana/schema` the panels are typed
 * against, so Grafana runs no migration on load.
 */
export const SCHEMA_VERSION: number = defaultDashboard.schemaVersion;

/** A reconciliation dashboard with the settings of seed §8.2. */
export function reconDashboard(spec: {
  uid: string;
  title: string;
  description: string;
  /** The audience tag added to {@link RECON_TAGS}. */
  tag: string;
  /** Default time range, relative ('now-7d'). */
  from: string;
  panels: Panel[];
  variables?: VariableModel[];
}): DashboardDefinition['dashboard'] {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...RECON_TAGS, spec.tag],
    // Business dates are America/New_York dates (the chain's businessTimeZone).
    timezone: 'America/New_York',
    weekStart: 'monday',
    refresh: '5m',
    time: { from: spec.from, to: 'now' },
    timepicker: { refresh_intervals: ['5m', '15m', '1h'] },
    editable: false,
    graphTooltip: DashboardCursorSync.Crosshair,
    links: [
      {
        title: 'Reconciliation dashboards',
        type: 'dashboards',
        tags: ['reconciliation'],
        asDropdown: true,
        icon: 'external link',
        includeVars: false,
        keepTime: true,
        targetBlank: false,
        tooltip: '',
      },
    ],
    templating: { list: spec.variables ?? [] },
    annotations: { list: [] },
    panels: spec.panels,
    schemaVersion: SCHEMA_VERSION,
  };
}

/** Severity colors shared by the dashboards (CRITICAL → LOW). */
export const SEVERITY_COLORS = {
  CRITICAL: 'dark-red',
  HIGH: 'orange',
  MEDIUM: 'yellow',
  LOW: 'blue',
} as const;

/** Value mapping coloring a severity column. */
export const SEVERITY_MAPPING = valueText(
  Object.fromEntries(Object.entries(SEVERITY_COLORS).map(([s, color]) => [s, { color }])),
);

/** Value mapping of `sla_status` (seed §4.1: "⚠ WARN" / "✓ OK"). */
export const SLA_MAPPING = valueText({
  SLA_BREACHED: { text: '⚠ BREACHED', color: 'red' },
  WITHIN_SLA: { text: '✓ OK', color: 'green' },
});
