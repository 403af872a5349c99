/**
 * SQL injection through the command line (issue: reliability and security): hostile strings —
 * quotes, semicolons, comments, SQL keywords, placeholders of every kind the product or its
 * drivers know (`$1`, `:name`, `?`, `{{template}}`) — fed to every option and id of the `recon`
 * commands that reach the warehouse. Each is either refused as a usage error naming the option,
 * or looked up and not found, or (free text: who, to whom, notes) stored verbatim; the warehouse
 * is otherwise unchanged and still works.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import { io } from './support/cli-io.ts';
import { reconSnapshot } from './support/recon-snapshot.ts';

const HOSTILE = [
  "'; DROP TABLE recon.dwd_recon_anomalies; --",
  "2026-09-07' OR '1'='1",
  '1 OR 1=1',
  '1; DELETE FROM recon.stg_recon_orders',
  '") ; DROP SCHEMA recon CASCADE; --',
  '$1',
  ':fromDate',
  '?',
  '{{target}}',
  "ANO-01:1' UNION SELECT * FROM recon.schema_migrations --",
  '/* comment */ 1',
  'Ωmega ☕ \u0000 nul',
];

const home = mkdtempSync(join(tmpdir(), 'recon-injection-'));
const gen = generate({ startDate: '2026-09-07', days: 1, ordersPerDay: 80, seed: 4 });
const date = gen.dates[0]!;
let before: Record<string, unknown[]>;
let anomalyId: string;

async function run(argv: string[]) {
  const x = io({ RECON_HOME: home });
  const code = await main(argv, x);
  return { code, out: x.stdout(), err: x.stderr() };
}

async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp({ env: { RECON_HOME: home } });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  await withApp(async (app) => {
    await writeToSinks(gen, app.sinks());
    const outcome = await runPipeline(app.runtime, { reconDate: date, asOf: toIso(gen.batchEndOf(date)) });
    expect(outcome.status).not.toBe('FAILED');
    const rows = await app.warehouse.query<{ anomaly_id: string }>(
      "SELECT anomaly_id FROM recon.dwd_recon_anomalies WHERE status = 'OPEN' ORDER BY anomaly_id LIMIT 1",
    );
    anomalyId = rows[0]!.anomaly_id;
    before = await reconSnapshot(app.warehouse);
  });
}, 120_000);

/** Commands taking a hostile value, each with what must be true of the outcome. */
const COMMANDS: [string, (v: string) => string[]][] = [
  ['run --date', (v) => ['run', '--date', v]],
  ['run --as-of', (v) => ['run', '--date', date, '--as-of', v]],
  ['backfill --from', (v) => ['backfill', '--from', v, '--to', date]],
  ['dq --date', (v) => ['dq', '--date', v]],
  ['report daily --date', (v) => ['report', 'daily', '--date', v]],
  ['report monthly --month', (v) => ['report', 'monthly', '--month', v]],
  ['alerts --run', (v) => ['alerts', '--run', v]],
  ['alerts --date', (v) => ['alerts', '--date', v]],
  ['anomalies list --severity', (v) => ['anomalies', 'list', '--severity', v]],
  ['anomalies list --type', (v) => ['anomalies', 'list', '--type', v]],
  ['anomalies list --shop', (v) => ['anomalies', 'list', '--shop', v]],
  ['anomalies list --status', (v) => ['anomalies', 'list', '--status', v]],
  ['anomalies list --sla', (v) => ['anomalies', 'list', '--sla', v]],
  ['anomalies show <id>', (v) => ['anomalies', 'show', v]],
  ['anomalies investigate <id>', (v) => ['anomalies', 'investigate', v, '--by', 'tester']],
  ['anomalies resolve <id>', (v) => ['anomalies', 'resolve', v, '--note', 'n', '--by', 'tester']],
  ['dashboard --date', (v) => ['dashboard', '--date', v, '--out', join(home, 'd.html')]],
  ['runs --date', (v) => ['runs', '--date', v]],
  ['runs --status', (v) => ['runs', '--status', v]],
  ['runs --limit', (v) => ['runs', '--limit', v]],
  ['dead-letters --date', (v) => ['dead-letters', '--date', v]],
  ['dead-letters --table', (v) => ['dead-letters', '--date', date, '--table', v]],
  ['lease release --date', (v) => ['lease', 'release', '--date', v, '--run', 'r1']],
  ['lease release --run', (v) => ['lease', 'release', '--date', date, '--run', v]],
];

describe('hostile strings on the command line', () => {
  it.each(COMMANDS)(
    '%s: refused or not found, and the warehouse is unchanged',
    async (_name, argv) => {
      for (const value of HOSTILE) {
        const r = await run(argv(value));
        // Usage error (exit 2) naming what is wrong, or a lookup that finds nothing (exit 1).
        expect([EXIT.USAGE, EXIT.FAILURE], `${argv(value).join(' ')}\n${r.err}`).toContain(r.code);
        expect(r.err).toMatch(
          /invalid|must be|expected|not found|no anomaly|unknown|not recorded|one of|is not/i,
        );
        expect(r.err).not.toMatch(/syntax error|SQLSTATE 42/i);
      }
      await withApp(async (app) => expect(await reconSnapshot(app.warehouse)).toEqual(before));
    },
    120_000,
  );

  it('free text (who, to whom, notes) is stored verbatim and the rest is unchanged', async () => {
    // Within the 128 characters a person's name may have; the note gets every hostile string.
    const text = `O'Brien"; DROP TABLE recon.dwd_recon_anomalies; -- $1 :fromDate ? {{target}} /* ☕ */`;
    const note = HOSTILE.filter((h) => !h.includes('\u0000')).join(' | ');
    const assign = await run(['anomalies', 'assign', anomalyId, '--to', text, '--by', text, '--note', note]);
    expect(assign.err).toBe('');
    expect(assign.code).toBe(EXIT.OK);
    const show = await run(['anomalies', 'show', anomalyId, '--json']);
    expect(show.code).toBe(EXIT.OK);
    const detail = JSON.parse(show.out) as {
      anomaly: { assigned_to: string };
      events: { actor: string; note: string | null }[];
    };
    expect(detail.anomaly.assigned_to).toBe(text);
    expect(detail.events.map((e) => [e.actor, e.note])).toContainEqual([
      text,
      `assigned to ${text}: ${note}`,
    ]);
    await withApp(async (app) => {
      const after = await reconSnapshot(app.warehouse);
      for (const table of Object.keys(before)) {
        if (
          table === 'dwd_recon_anomalies' ||
          table === 'dwd_recon_anomaly_events' ||
          table === 'dwd_recon_anomaly_summary'
        )
          continue;
        expect(after[table], table).toEqual(before[table]);
      }
      // The warehouse still answers: every table the hostile strings named is there.
      const tables = await app.warehouse.query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'recon'",
      );
      expect(Number(tables[0]!.n)).toBeGreaterThan(15);
    });
  }, 60_000);
});
