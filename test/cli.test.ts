/**
 * The `recon` command line: exit codes, one-line errors, JSON documents, and the installed bin.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { io } from './support/cli-io.ts';

const exec = promisify(execFile);

const home = () => mkdtempSync(join(tmpdir(), 'recon-cli-'));

describe('recon CLI usage errors (exit code 2, one line naming the problem)', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing --date', ['run'], /required option '--date <date>' not specified/],
    ['an impossible date', ['run', '--date', '2026-02-30'], /invalid --date "2026-02-30"/],
    ['a date with SQL in it', ['run', '--date', "2026-01-01' OR 1=1 --"], /invalid --date/],
    ['an unknown option', ['run', '--date', '2026-11-20', '--bogus'], /unknown option '--bogus'/],
    [
      'an as-of without a zone',
      ['run', '--date', '2026-11-20', '--as-of', '2026-11-21 06:00'],
      /invalid --as-of/,
    ],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a non-numeric --days', ['demo', '--days', 'many'], /--days must be a whole number/],
    [
      'a demo ending in the future',
      ['demo', '--start', '2099-01-01'],
      /last day 2099-01-07 is not complete yet/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(`refuses ${what}`, async () => {
      const x = io({ RECON_HOME: home() });
      expect(await main(argv, x)).toBe(EXIT.USAGE);
      expect(x.stderr()).toMatch(message);
      expect(x.stderr().trim().split('\n')).toHaveLength(1);
      expect(x.stdout()).toBe('');
    });
  }

  it('refuses an as-of in the future and a business date after the as-of', async () => {
    const x = io({ RECON_HOME: home() });
    expect(await main(['run', '--date', '2026-11-20', '--as-of', '2099-01-01T00:00:00Z'], x)).toBe(
      EXIT.USAGE,
    );
    expect(x.stderr()).toMatch(/as-of 2099-01-01T00:00:00.000Z is in the future/);
    const y = io({ RECON_HOME: home() });
    expect(await main(['run', '--date', '2026-11-21', '--as-of', '2026-11-21T03:00:00Z'], y)).toBe(
      EXIT.USAGE,
    );
    expect(y.stderr()).toMatch(
      /business date 2026-11-21 has not started by the as-of instant \(its business date is 2026-11-20\)/,
    );
  });

  it('explains what to do when no source is configured and the embedded sources are empty', async () => {
    const x = io({ RECON_HOME: home() });
    expect(await main(['run', '--date', '2026-11-20', '--as-of', '2026-11-21T11:00:00Z'], x)).toBe(
      EXIT.USAGE,
    );
    expect(x.stderr()).toMatch(/no source connection is set for RECON_SALESORDER_URL, .* run `recon demo`/);
  });

  it('refuses a backfill longer than backfillMaxDays', async () => {
    const x = io({ RECON_HOME: home(), RECON_BACKFILL_MAX_DAYS: '5' });
    expect(
      await main(
        ['backfill', '--from', '2026-11-01', '--to', '2026-11-10', '--as-of', '2026-11-12T00:00:00Z'],
        x,
      ),
    ).toBe(EXIT.USAGE);
    expect(x.stderr()).toMatch(/the range has 10 days; a backfill covers at most backfillMaxDays = 5/);
  });

  it('names a bad setting and where it came from', async () => {
    const x = io({ RECON_HOME: home(), RECON_L1_AMOUNT_TOLERANCE: 'abc' });
    expect(await main(['run', '--date', '2026-11-20'], x)).toBe(EXIT.USAGE);
    expect(x.stderr()).toMatch(
      /invalid setting l1AmountTolerance \(from environment variable RECON_L1_AMOUNT_TOLERANCE\)/,
    );
  });

  it('names a malformed connection URL without echoing its password', async () => {
    const x = io({ RECON_HOME: home(), RECON_SALESORDER_URL: 'mysql://u:hunter2@' });
    expect(await main(['run', '--date', '2026-11-20'], x)).toBe(EXIT.USAGE);
    expect(x.stderr()).toMatch(/RECON_SALESORDER_URL/);
    expect(x.stderr()).not.toMatch(/hunter2/);
  });
});

describe('recon commands', () => {
  it('migrate is idempotent and says what it applied', async () => {
    const env = { RECON_HOME: home() };
    const a = io(env);
    expect(await main(['migrate', '--json'], a)).toBe(EXIT.OK);
    const first = JSON.parse(a.stdout()) as { applied: string[]; skipped: string[] };
    expect(first.applied.length).toBeGreaterThanOrEqual(6);
    const b = io(env);
    expect(await main(['migrate', '--json'], b)).toBe(EXIT.OK);
    expect(JSON.parse(b.stdout())).toEqual({ applied: [], skipped: first.applied });
  });

  it('demo then run --json: per-phase progress, per-table summary and a stable JSON document', async () => {
    const env = { RECON_HOME: home() };
    const d = io(env);
    expect(
      await main(
        ['demo', '--days', '2', '--orders-per-day', '60', '--start', '2026-11-09', '--seed', '3'],
        d,
      ),
    ).toBe(EXIT.OK);
    expect(d.stderr()).toMatch(/▸ extract \+ standardize/);
    expect(d.stderr()).toMatch(/✓ load staging/);
    expect(d.stdout()).toMatch(/salesorder\.t_order\s+│ stg_recon_orders/);
    expect(d.stdout()).toMatch(/Demo complete: 2 run\(s\)/);
    expect(d.stdout()).toMatch(/2026-11-10: L1 \d+\.\d\d % · L2 \d+\.\d\d % · L3 \d+\.\d\d %/);
    expect(d.stdout()).toMatch(/│ L1\s+│/);
    // The last day's daily report, as WeCom would show it, between the summary and the dashboard.
    const out = d.stdout();
    const report = out.indexOf('Daily Revenue Reconciliation Report — 2026-11-10');
    expect(report).toBeGreaterThan(out.indexOf('Demo complete'));
    expect(out.indexOf('Dashboard: ')).toBeGreaterThan(report);
    expect(out.slice(report)).toMatch(/Pipeline Status.*SUCCEEDED/);
    // Continue on the demo's embedded state with a plain run.
    const r = io({ RECON_HOME: join(env.RECON_HOME, 'demo') });
    expect(await main(['run', '--date', '2026-11-10', '--as-of', '2026-11-12T00:00:00Z', '--json'], r)).toBe(
      EXIT.OK,
    );
    const doc = JSON.parse(r.stdout()) as Record<string, unknown> & { tables: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual([
      'runId',
      'reconDate',
      'asOf',
      'status',
      'startedAt',
      'finishedAt',
      'durationSeconds',
      'phases',
      'window',
      'levels',
      'dq',
      'anomalies',
      'tables',
      'totals',
    ]);
    expect((doc.levels as { level: string }[]).map((l) => l.level)).toEqual(['L1', 'L2', 'L3']);
    expect(doc.window).toEqual({ fromDate: '2026-11-07', toDate: '2026-11-10', skipped: [] });
    expect(doc.status).toBe('SUCCEEDED');
    expect(doc.reconDate).toBe('2026-11-10');
    expect(doc.tables).toHaveLength(9);
    expect(Object.keys(doc.tables[0]!)).toEqual([
      'source',
      'table',
      'stagingTable',
      'partitions',
      'extracted',
      'standardized',
      'softDeleted',
      'nonUsd',
      'deadLettered',
      'loaded',
      'deleted',
      'staleSkipped',
    ]);
  });

  it('is installed as a bin that works from the repository root', async () => {
    const bin = join(process.cwd(), 'packages/core/bin/recon.mjs');
    const help = await exec(process.execPath, [bin, '--help']);
    expect(help.stdout).toMatch(/Usage: recon/);
    expect(help.stdout).toMatch(/demo/);
    const bad = await exec(process.execPath, [bin, 'run', '--date', 'yesterday']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/invalid --date "yesterday"/);
  });
});
