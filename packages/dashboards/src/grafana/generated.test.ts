/**
 * The checked-in files under packages/dashboards/grafana/ are exactly what the generator writes:
 * a change to the TypeScript without regenerating (or a hand edit of the JSON/YAML) fails here.
 */
import { describe, expect, it } from 'vitest';
import { drift, existingFiles } from './build.ts';
import { allDashboards } from './dashboards.ts';
import { DASHBOARD_PROVIDER_PATH, DATASOURCE_PATH, dashboardPath, generatedFiles } from './render.ts';

describe('generated Grafana files', () => {
  it('are checked in exactly as generated, with no stale file beside them', async () => {
    const files = await generatedFiles();
    expect(files.map((f) => f.path)).toEqual([
      'grafana/dashboards/recon-exec/recon-exec-overview.json',
      'grafana/dashboards/recon-ops/recon-ops-monitor.json',
      'grafana/dashboards/recon-anomaly/recon-anomaly-workbench.json',
      DASHBOARD_PROVIDER_PATH,
      DATASOURCE_PATH,
    ]);
    expect(await drift(files), 'run `npx tsx packages/dashboards/src/grafana/build.ts`').toEqual([]);
    expect(await existingFiles()).toEqual(files.map((f) => f.path).sort());
  });

  it('reports a changed, a missing and a stale file (the drift check itself works)', async () => {
    const files = await generatedFiles();
    const [first, second, ...rest] = files;
    const problems = await drift([
      { ...first!, content: `${first!.content} ` },
      { path: 'grafana/dashboards/recon-exec/not-there.json', content: '{}' },
      ...rest,
    ]);
    expect(problems).toEqual([
      `differs: ${first!.path}`,
      'missing: grafana/dashboards/recon-exec/not-there.json',
      `stale: ${second!.path}`,
    ]);
  });

  it('writes each dashboard as its own JSON, parsing back to the definition', async () => {
    const files = new Map((await generatedFiles()).map((f) => [f.path, f.content]));
    for (const d of allDashboards()) {
      expect(JSON.parse(files.get(dashboardPath(d))!)).toEqual(JSON.parse(JSON.stringify(d.dashboard)));
    }
  });

  it('names no AWS account, ARN or secret in any file', async () => {
    for (const f of await generatedFiles()) {
      expect(f.content, f.path).not.toMatch(/\b\d{12}\b|arn:aws|secretKey|accessKey|password/i);
    }
  });
});
