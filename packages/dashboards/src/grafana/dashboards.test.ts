/**
 * The dashboards' shape, without a database: seed uids, folders and titles; every panel bound to
 * the provisioned datasource, uniquely numbered, placed inside the 24-column grid without
 * overlapping another, with SQL in the Redshift/PostgreSQL common subset; variables declared and
 * used; field overrides naming columns the query returns; provisioning files consistent with all
 * of it.
 */
import type { GridPos, Panel, VariableModel } from '@grafana/schema';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RECON_DATASOURCE_UID, REDSHIFT_PLUGIN_ID, type RedshiftQuery } from './datasource.ts';
import { allDashboards, usedFolders } from './dashboards.ts';
import { dialectViolations } from './dialect.ts';
import { expandMacros, type VariableSelection } from './macros.ts';
import { dashboardProvisioning, datasourceProvisioning, PROVISIONING_ENV, toYaml } from './provisioning.ts';
import { variableSql } from './variables.ts';

const definitions = allDashboards();

/** Seed Phase 4 §2.3 folders, §4–6 titles, §8.2 executive uid. */
const EXPECTED = [
  { uid: 'recon-exec-overview', folder: 'recon-exec', title: 'Revenue Reconciliation — Executive Overview' },
  { uid: 'recon-ops-monitor', folder: 'recon-ops', title: 'Reconciliation Pipeline — Operational Monitor' },
  { uid: 'recon-anomaly-workbench', folder: 'recon-anomaly', title: 'Anomaly Investigation Workbench' },
];

/** The panels each seed layout (§4.1, §5.1, §6.1) asks for, by title. */
const SEED_PANELS: Record<string, string[]> = {
  'recon-exec-overview': [
    'L1 Match Rate',
    'L2 Match Rate',
    'L3 Match Rate',
    'Open Anomalies',
    'Revenue at Risk',
    'Match Rate Trend (30d)',
    'Anomaly Count Trend (30d)',
    'Revenue by Match Status',
    'Shop Health Heatmap',
  ],
  'recon-ops-monitor': [
    'Pipeline Status',
    'Duration',
    'Records Processed',
    'DQ Checks Pass Rate',
    'Dead Letters',
    'Pipeline Duration Trend (30d)',
    'DQ Check Results (7d)',
    'Pipeline Phase Breakdown',
    'Source Extraction Row Counts',
    'Pipeline Run History',
  ],
  'recon-anomaly-workbench': [
    'Total Open',
    'SLA Breached',
    'Avg Age (d)',
    'False Positive Rate',
    'Anomalies by Type',
    'Resolution Time Distribution',
    'Anomaly Detail',
    'Selected Anomaly',
    'Event History',
  ],
};

const targetsOf = (p: Panel) => (p.targets ?? []) as unknown as RedshiftQuery[];

/** Problems of a panel layout: outside the 24 columns, non-integer, or overlapping. */
function gridProblems(panels: readonly Panel[]): string[] {
  const problems: string[] = [];
  const boxes: { id: number; g: GridPos }[] = [];
  for (const p of panels) {
    const g = p.gridPos;
    if (!g) {
      problems.push(`panel ${p.id}: no gridPos`);
      continue;
    }
    const values = [g.x, g.y, g.w, g.h];
    if (!values.every((v) => Number.isInteger(v) && v >= 0)) problems.push(`panel ${p.id}: bad gridPos`);
    if (g.w < 1 || g.h < 1 || g.x + g.w > 24) problems.push(`panel ${p.id}: outside the 24 columns`);
    for (const other of boxes) {
      const o = other.g;
      if (g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h) {
        problems.push(`panels ${other.id} and ${p.id} overlap`);
      }
    }
    boxes.push({ id: p.id ?? -1, g });
  }
  return problems;
}

/** Every variable set to "All" (a text box to an anomaly id): how the dashboards mostly run. */
function allSelections(variables: readonly VariableModel[]): Record<string, VariableSelection> {
  return Object.fromEntries(
    variables.map((v) => [v.name, v.type === 'textbox' ? ['ANO-01:1'] : ('all' as const)]),
  );
}

describe('dashboard definitions', () => {
  it('are the three seed dashboards, with their uids, folders and titles', () => {
    expect(
      definitions.map((d) => ({ uid: d.dashboard.uid, folder: d.folder.uid, title: d.dashboard.title })),
    ).toEqual(EXPECTED);
    expect(new Set(definitions.map((d) => d.dashboard.uid)).size).toBe(definitions.length);
    for (const d of definitions) {
      expect(d.dashboard.uid.length).toBeLessThanOrEqual(40);
      expect(d.dashboard.tags).toEqual(
        expect.arrayContaining(['revenue', 'reconciliation', 'finance', 'UC-FN-02']),
      );
      expect(d.dashboard.timezone).toBe('America/New_York');
      expect(d.dashboard.refresh).toBe('5m');
    }
  });

  it.each(definitions.map((d) => [d.dashboard.uid, d] as const))(
    '%s has the panels of its seed layout',
    (uid, d) => {
      expect(d.dashboard.panels.map((p) => p.title)).toEqual(expect.arrayContaining(SEED_PANELS[uid]!));
    },
  );

  describe.each(definitions.map((d) => [d.dashboard.uid, d] as const))('%s', (_, d) => {
    const panels = d.dashboard.panels;
    const variables = d.dashboard.templating?.list ?? [];

    it('binds every panel and query to the provisioned Redshift datasource', () => {
      for (const p of panels) {
        expect(p.datasource, p.title).toEqual({ type: REDSHIFT_PLUGIN_ID, uid: RECON_DATASOURCE_UID });
        expect(targetsOf(p).length, p.title).toBeGreaterThan(0);
        for (const t of targetsOf(p)) {
          expect(t.datasource, p.title).toEqual(p.datasource);
          expect(t.rawSQL.trim(), p.title).toMatch(/^(SELECT|WITH)\b/);
          expect([0, 1], p.title).toContain(t.format);
        }
      }
    });

    it('numbers panels uniquely and lays them out inside 24 columns without overlaps', () => {
      const ids = panels.map((p) => p.id);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(gridProblems(panels)).toEqual([]);
    });

    it('writes every query in the Redshift/PostgreSQL common subset', () => {
      const ctx = { from: new Date('2026-10-05T04:00:00Z'), to: new Date('2026-10-09T04:00:00Z'), variables };
      for (const p of panels) {
        for (const t of targetsOf(p)) {
          const expanded = expandMacros(t.rawSQL, { ...ctx, selections: allSelections(variables) });
          expect(dialectViolations(expanded), `${p.title}:\n${expanded}`).toEqual([]);
        }
      }
      for (const v of variables) {
        const sql = variableSql(v);
        if (sql) expect(dialectViolations(sql), v.name).toEqual([]);
      }
    });

    it('declares every variable a query uses, and uses every variable it declares', () => {
      const used = new Set<string>();
      for (const p of panels) {
        for (const t of targetsOf(p))
          for (const m of t.rawSQL.matchAll(/\$\{(\w+)(?::\w+)?\}/g)) used.add(m[1]!);
      }
      expect([...used].sort()).toEqual(variables.map((v) => v.name).sort());
      for (const v of variables) {
        if (v.type === 'textbox') continue;
        expect(v.multi && v.includeAll, v.name).toBe(true);
        expect(v.allValue, v.name).toBe("'__all'");
      }
    });

    it('overrides only fields its query returns', () => {
      for (const p of panels) {
        const sql = targetsOf(p)
          .map((t) => t.rawSQL)
          .join('\n');
        for (const o of p.fieldConfig?.overrides ?? []) {
          expect(o.matcher.id, p.title).toBe('byName');
          expect(sql, `${p.title}: override of ${String(o.matcher.options)}`).toMatch(
            new RegExp(`\\b${String(o.matcher.options)}\\b`),
          );
        }
      }
    });
  });

  it('detects overlapping and out-of-grid panels (the layout check itself works)', () => {
    const panel = (id: number, gridPos: GridPos): Panel => ({ id, type: 'stat', gridPos });
    expect(
      gridProblems([panel(1, { x: 0, y: 0, w: 12, h: 4 }), panel(2, { x: 11, y: 3, w: 4, h: 4 })]),
    ).toEqual(['panels 1 and 2 overlap']);
    expect(gridProblems([panel(1, { x: 20, y: 0, w: 5, h: 4 })])).toEqual([
      'panel 1: outside the 24 columns',
    ]);
    expect(
      gridProblems([panel(1, { x: 0, y: 0, w: 12, h: 4 }), panel(2, { x: 12, y: 0, w: 12, h: 4 })]),
    ).toEqual([]);
  });
});

describe('dialect rules', () => {
  it('reject what one engine lacks and names Redshift would mangle', () => {
    const bad = [
      'SELECT DISTINCT ON (a) a FROM t',
      'SELECT COUNT(*) FILTER (WHERE a) FROM t',
      'SELECT recon_date::DATE FROM t',
      "SELECT DATEDIFF('day', a, b) FROM t",
      'SELECT * FROM t WHERE d = CURRENT_DATE - 1',
      'SELECT a AS "L1 Match Rate" FROM t',
      'SELECT a AS open FROM t',
      'DELETE FROM t',
    ];
    for (const sql of bad) expect(dialectViolations(sql), sql).not.toEqual([]);
    expect(
      dialectViolations(
        `SELECT recon_date AS "time", CAST(x AS TIMESTAMP) AS ts, 'CURRENT_DATE' AS label FROM t`,
      ),
    ).toEqual([]);
  });
});

describe('provisioning', () => {
  const datasource = parse(toYaml(datasourceProvisioning())) as {
    datasources: { uid: string; type: string; jsonData: Record<string, unknown>; secureJsonData?: unknown }[];
  };
  const providers = (
    parse(toYaml(dashboardProvisioning(usedFolders(definitions)))) as {
      providers: { folderUid: string; folder: string; type: string; options: { path: string } }[];
    }
  ).providers;

  it('provisions the Redshift Serverless datasource the panels name, from environment placeholders', () => {
    expect(datasource.datasources).toHaveLength(1);
    const [ds] = datasource.datasources;
    expect(ds!.uid).toBe(RECON_DATASOURCE_UID);
    expect(ds!.type).toBe(REDSHIFT_PLUGIN_ID);
    expect(ds!.jsonData).toMatchObject({
      authType: 'default',
      useServerless: true,
      workgroupName: '$RECON_REDSHIFT_WORKGROUP',
      database: '$RECON_REDSHIFT_DATABASE',
      defaultRegion: '$RECON_REDSHIFT_REGION',
    });
    // Credentials come from the AWS SDK chain, never from the file.
    expect(ds!.secureJsonData).toBeUndefined();
  });

  it('has one file provider per dashboard folder, reading that folder’s directory', () => {
    expect(providers.map((p) => p.folderUid)).toEqual(EXPECTED.map((e) => e.folder));
    for (const p of providers) {
      expect(p.type).toBe('file');
      expect(p.options.path).toBe(`${PROVISIONING_ENV.dashboardsDir}/${p.folderUid}`);
      expect(p.folder).toBe(definitions.find((d) => d.folder.uid === p.folderUid)!.folder.title);
    }
  });

  it('serializes YAML that parses back to the same values', () => {
    const value = {
      plain: 'Executive Overview',
      placeholder: '$RECON_REDSHIFT_WORKGROUP/x',
      keyword: 'yes',
      number: '42',
      colon: 'a: b',
      hash: '#x',
      list: [{ a: 1, b: { c: [true, null, 'z'] } }, 'q'],
      empty: [],
      none: {},
    };
    expect(parse(toYaml(value, ['comment']))).toEqual(value);
  });
});
