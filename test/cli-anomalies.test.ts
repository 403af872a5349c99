/**
 * `recon anomalies …` end to end through main() on the embedded warehouse of a fresh RECON_HOME:
 * anomalies are put there through applyCandidates (candidates table filled by hand), then listed,
 * shown and triaged through the command line; usage errors are one line with exit code 2.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyCandidates } from '../packages/core/src/anomalies/lifecycle.ts';
import {
  ANOMALY_NAMES,
  type AnomalyType,
  CANDIDATE_COLUMNS,
  CANDIDATES_TABLE,
  type Severity,
} from '../packages/core/src/anomalies/types.ts';
import { openApp } from '../packages/core/src/app.ts';
import { ageText } from '../packages/core/src/cli/anomalies.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import type { SqlExecutor } from '../packages/core/src/warehouse/types.ts';
import { io } from './support/cli-io.ts';

interface Candidate {
  type: AnomalyType;
  key: string;
  severity: Severity;
  amount: string;
  shopId: string;
}

/** Create and fill the candidates table from CANDIDATE_COLUMNS (test helper). */
async function fillCandidates(db: SqlExecutor, rows: readonly Candidate[]): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await db.execute(
    `CREATE TEMP TABLE ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  );
  for (const c of rows) {
    await db.execute(
      `INSERT INTO ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n]) => n).join(', ')}) VALUES (${CANDIDATE_COLUMNS.map(([n, t]) => `CAST(:${n} AS ${t})`).join(', ')})`,
      {
        anomaly_id: `${c.type}:${c.key}`,
        anomaly_type: c.type,
        anomaly_name: ANOMALY_NAMES[c.type],
        severity: c.severity,
        recon_date: '2024-03-10',
        entity_key: c.key,
        order_id: c.key,
        shop_id: c.shopId,
        affected_amount: c.amount,
        expected_value: c.amount,
        actual_value: null,
        confidence_score: '1.000',
        description: `${ANOMALY_NAMES[c.type]} on order ${c.key}`,
        recommendation: 'Check the payment channel',
      },
    );
  }
}

describe('recon anomalies', () => {
  const env: NodeJS.ProcessEnv = { RECON_HOME: mkdtempSync(join(tmpdir(), 'recon-anomalies-')) };
  const run = async (argv: string[]) => {
    const x = io(env);
    const code = await main(['anomalies', ...argv], x);
    return { code, out: x.stdout(), err: x.stderr() };
  };

  beforeAll(async () => {
    const app = await openApp({ env });
    try {
      await app.warehouse.transaction(async (tx) => {
        await fillCandidates(tx, [
          { type: 'ANO-01', key: '11', severity: 'HIGH', amount: '12.50', shopId: '3' },
          { type: 'ANO-02', key: '12', severity: 'CRITICAL', amount: '0.40', shopId: '4' },
          { type: 'ANO-03', key: '13', severity: 'MEDIUM', amount: '0.00', shopId: '3' },
        ]);
        await applyCandidates(tx, {
          runId: 'cli-run',
          reconDate: '2024-03-10',
          fromDate: '2024-03-10',
          toDate: '2024-03-10',
          asOf: '2024-03-11 06:00:00',
          settings: app.settings,
        });
      });
    } finally {
      await app.close();
    }
  });

  it('lists open anomalies as a table, most severe first, and filters them', async () => {
    const all = await run(['list']);
    expect(all.code).toBe(EXIT.OK);
    const order = ['ANO-02:12', 'ANO-01:11', 'ANO-03:13'].map((id) => all.out.indexOf(id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const head of [
      'id',
      'type',
      'severity',
      'status',
      'age',
      'SLA',
      'amount',
      'shop',
      'assignee',
      'description',
    ])
      expect(all.out).toContain(head);
    expect(all.out).toContain('SLA_BREACHED');
    expect(all.out).toMatch(/3 anomalies, 3 past SLA/);

    const json = await run(['list', '--shop', '3', '--severity', 'high', '--json']);
    expect(json.code).toBe(EXIT.OK);
    const rows = JSON.parse(json.out) as { anomaly_id: string; sla_status: string }[];
    expect(rows.map((r) => r.anomaly_id)).toEqual(['ANO-01:11']);
    expect(rows[0]?.sla_status).toBe('SLA_BREACHED');

    const byName = await run(['list', '--type', 'fee_anomaly', '--sla', 'SLA_BREACHED', '--json']);
    expect((JSON.parse(byName.out) as { anomaly_id: string }[]).map((r) => r.anomaly_id)).toEqual([
      'ANO-03:13',
    ]);
  });

  it('triages: investigate, assign, resolve (note required), reopen; refusals list what is allowed', async () => {
    const inv = await run(['investigate', 'ANO-01:11', '--by', 'ana', '--note', 'asked Stripe']);
    expect(inv).toMatchObject({ code: EXIT.OK, err: '' });
    expect(inv.out).toBe('ANO-01:11: OPEN → INVESTIGATING by ana\n');

    const asg = await run(['assign', 'ANO-01:11', '--to', 'bo', '--by', 'ana']);
    expect(asg.out).toBe('ANO-01:11: assigned to bo by ana (INVESTIGATING)\n');

    const noNote = await run(['resolve', 'ANO-01:11', '--by', 'bo']);
    expect(noNote.code).toBe(EXIT.USAGE);
    expect(noNote.err).toMatch(/required option '--note <text>' not specified/);
    const blank = await run(['resolve', 'ANO-01:11', '--by', 'bo', '--note', '  ']);
    expect(blank.code).toBe(EXIT.USAGE);
    expect(blank.err).toBe('error: a note (--note) saying why for resolve is required and cannot be blank\n');

    const res = await run(['resolve', 'ANO-01:11', '--by', 'bo', '--note', 'paid late', '--json']);
    expect(res.code).toBe(EXIT.OK);
    expect(JSON.parse(res.out)).toMatchObject({
      anomalyId: 'ANO-01:11',
      fromStatus: 'INVESTIGATING',
      toStatus: 'RESOLVED',
    });

    const again = await run(['investigate', 'ANO-01:11', '--by', 'bo']);
    expect(again.code).toBe(EXIT.USAGE);
    expect(again.err).toBe('error: ANO-01:11 is RESOLVED; allowed: reopen\n');

    const fp = await run(['false-positive', 'ANO-02:12', '--note', 'test order']);
    expect(fp.code).toBe(EXIT.OK);
    expect(fp.out).toMatch(/^ANO-02:12: OPEN → FALSE_POSITIVE by \S+/);

    const back = await run(['reopen', 'ANO-02:12', '--by', 'cy', '--note', 'it was real']);
    expect(back.out).toBe('ANO-02:12: FALSE_POSITIVE → OPEN by cy\n');

    const closed = await run(['list', '--status', 'resolved,false_positive', '--json']);
    expect((JSON.parse(closed.out) as { anomaly_id: string }[]).map((r) => r.anomaly_id)).toEqual([
      'ANO-01:11',
    ]);

    const show = await run(['show', 'ANO-01:11']);
    expect(show.code).toBe(EXIT.OK);
    expect(show.out).toMatch(/RESOLVED \(set by person\)/);
    expect(show.out).toMatch(/Source rows \(ORDER\):/);
    expect(show.out).toMatch(/order: none/);
    for (const e of ['DETECTED', 'INVESTIGATING', 'ASSIGNED', 'RESOLVED']) expect(show.out).toContain(e);
    const shown = JSON.parse((await run(['show', 'ANO-01:11', '--json'])).out) as {
      anomaly: { resolution_notes: string; assigned_to: string };
      events: { event_type: string; actor: string }[];
    };
    expect(shown.anomaly).toMatchObject({ resolution_notes: 'paid late', assigned_to: 'bo' });
    expect(shown.events.map((e) => `${e.event_type}/${e.actor}`)).toEqual([
      'DETECTED/system',
      'INVESTIGATING/ana',
      'ASSIGNED/ana',
      'RESOLVED/bo',
    ]);
  });

  const usage: [string, string[], RegExp][] = [
    [
      'an unknown severity',
      ['list', '--severity', 'urgent'],
      /severity must be one of CRITICAL, HIGH, MEDIUM, LOW/,
    ],
    ['an unknown type', ['list', '--type', 'ANO-99'], /type must be one of ANO-01/],
    ['an unknown status', ['list', '--status', 'OPEN,DONE'], /status must be one or more of OPEN/],
    ['an unknown SLA status', ['list', '--sla', 'late'], /sla must be one of WITHIN_SLA, SLA_BREACHED/],
    ['a non-numeric shop', ['list', '--shop', 'S003'], /shop must be a whole number/],
    ['an unknown id', ['show', 'ANO-01:999'], /no anomaly ANO-01:999; `recon anomalies list`/],
    ['an assignment without --to', ['assign', 'ANO-03:13'], /required option '--to <name>' not specified/],
    ['an unknown subcommand', ['close', 'ANO-03:13'], /unknown command 'close'/],
  ];
  for (const [what, argv, message] of usage) {
    it(`refuses ${what} with one line and exit code 2`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    });
  }

  it('formats ages', () => {
    const now = Date.parse('2024-03-13T06:00:00Z');
    expect(ageText('2024-03-13 05:15:00', now)).toBe('45m');
    expect(ageText('2024-03-12 06:00:00', now)).toBe('24h');
    expect(ageText('2024-03-10 06:00:00.5', now)).toBe('2d');
  });
});
