/**
 * The anomaly lifecycle on real PostgreSQL and PGlite: candidates written by hand into the temp
 * table of CANDIDATE_COLUMNS (no detection involved), merged by applyCandidates.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settingsSchema } from '../settings.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Row, SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { applyCandidates } from './lifecycle.ts';
import {
  ANOMALY_NAMES,
  type AnomalyType,
  CANDIDATE_COLUMNS,
  CANDIDATES_TABLE,
  type Severity,
} from './types.ts';
import type { ApplyResult } from './types.ts';

const D = '2024-03-10';
const T1 = '2024-03-11 06:00:00';
const T2 = '2024-03-12 06:00:00';
const T3 = '2024-03-13 06:00:00';
const T4 = '2024-03-14 06:00:00';

interface Candidate {
  type: AnomalyType;
  key: string;
  severity: Severity;
  amount: string;
  date?: string;
  orderId?: string | null;
  shopId?: string | null;
  expected?: string | null;
  actual?: string | null;
}

/** Create the candidates table from CANDIDATE_COLUMNS and fill it (test helper). */
async function fillCandidates(db: SqlExecutor, rows: readonly Candidate[]): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await db.execute(
    `CREATE TEMP TABLE ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  );
  const insert = `INSERT INTO ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n]) => n).join(', ')}) VALUES (${CANDIDATE_COLUMNS.map(([n, t]) => `CAST(:${n} AS ${t})`).join(', ')})`;
  for (const c of rows) {
    await db.execute(insert, {
      anomaly_id: `${c.type}:${c.key}`,
      anomaly_type: c.type,
      anomaly_name: ANOMALY_NAMES[c.type],
      severity: c.severity,
      recon_date: c.date ?? D,
      entity_key: c.key,
      order_id: c.orderId === undefined ? c.key : c.orderId,
      shop_id: c.shopId === undefined ? '7' : c.shopId,
      affected_amount: c.amount,
      expected_value: c.expected === undefined ? c.amount : c.expected,
      actual_value: c.actual === undefined ? null : c.actual,
      confidence_score: '1.000',
      description: `${c.type} on ${c.key}`,
      recommendation: 'Check the payment channel',
    });
  }
}

describe.each(engineCases())('anomaly lifecycle on $name', (engine) => {
  let wh: Warehouse;
  let runs = 0;

  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
  });
  afterAll(async () => {
    await engine.cleanup();
  });
  beforeEach(async () => {
    await wh.execute('DELETE FROM recon.dwd_recon_anomalies');
    await wh.execute('DELETE FROM recon.dwd_recon_anomaly_events');
    await wh.execute('DELETE FROM recon.dwd_recon_anomaly_summary');
  });

  /** One scan: fill the candidates and apply them, in one transaction. */
  const scan = (
    rows: readonly Candidate[],
    asOf: string,
    window: { from?: string; to?: string; runId?: string } = {},
  ): Promise<ApplyResult> =>
    wh.transaction(async (tx) => {
      await fillCandidates(tx, rows);
      return applyCandidates(tx, {
        runId: window.runId ?? `run-${++runs}`,
        reconDate: window.to ?? D,
        fromDate: window.from ?? D,
        toDate: window.to ?? D,
        asOf,
        settings: settingsSchema.parse({}),
      });
    });

  const anomalies = () => wh.query('SELECT * FROM recon.dwd_recon_anomalies ORDER BY anomaly_id');
  const anomaly = async (id: string) =>
    (await wh.query('SELECT * FROM recon.dwd_recon_anomalies WHERE anomaly_id = :id', { id }))[0];
  const events = (id?: string) =>
    id === undefined
      ? wh.query('SELECT * FROM recon.dwd_recon_anomaly_events ORDER BY event_time, event_type')
      : wh.query(
          'SELECT * FROM recon.dwd_recon_anomaly_events WHERE anomaly_id = :id ORDER BY event_time, event_type',
          { id },
        );
  const withoutSeen = (rows: Row[]) => rows.map(({ last_seen_at: _s, last_run_id: _r, ...rest }) => rest);

  const missing: Candidate = { type: 'ANO-01', key: '1001', severity: 'HIGH', amount: '12.50' };

  it('inserts a new identity OPEN (SYSTEM) with a DETECTED event', async () => {
    expect(await scan([missing], T1, { runId: 'r1' })).toEqual({
      detected: 1,
      escalated: 0,
      reopened: 0,
      autoResolved: 0,
      seen: 1,
    });
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      anomaly_type: 'ANO-01',
      anomaly_name: 'MISSING_PAYMENT',
      severity: 'HIGH',
      status: 'OPEN',
      status_set_by: 'SYSTEM',
      detected_date: D,
      recon_date: D,
      entity_key: '1001',
      order_id: '1001',
      shop_id: '7',
      affected_amount: '12.50',
      expected_value: '12.50',
      actual_value: null,
      confidence_score: '1.000',
      assigned_to: null,
      resolution_notes: null,
      created_at: T1,
      updated_at: T1,
      last_seen_at: T1,
      last_run_id: 'r1',
    });
    const [event] = await events();
    expect(event).toMatchObject({
      anomaly_id: 'ANO-01:1001',
      event_time: T1,
      actor: 'system',
      event_type: 'DETECTED',
      from_status: null,
      to_status: 'OPEN',
      to_severity: 'HIGH',
      run_id: 'r1',
    });
    expect(String(event?.['event_id'])).toMatch(/^[0-9a-f]{32}$/);
  });

  it('re-applying identical candidates appends no event and changes nothing but last_seen / last_run', async () => {
    const rows: Candidate[] = [
      missing,
      { type: 'ANO-07', key: `7|${D}`, severity: 'MEDIUM', amount: '3.10', orderId: null },
    ];
    await scan(rows, T1, { runId: 'r1' });
    const before = await anomalies();
    const eventsBefore = await events();
    expect(await scan(rows, T2, { runId: 'r2' })).toEqual({
      detected: 0,
      escalated: 0,
      reopened: 0,
      autoResolved: 0,
      seen: 2,
    });
    const after = await anomalies();
    expect(withoutSeen(after)).toEqual(withoutSeen(before));
    expect(after.map((a) => [a['last_seen_at'], a['last_run_id']])).toEqual([
      [T2, 'r2'],
      [T2, 'r2'],
    ]);
    expect(await events()).toEqual(eventsBefore);
    // The same run applied twice (a retried task) is harmless too.
    await scan(rows, T2, { runId: 'r2' });
    expect(await events()).toEqual(eventsBefore);
  });

  it('escalates HIGH → CRITICAL with an event, and a later lower severity never lowers it', async () => {
    await scan([missing], T1);
    expect(await scan([{ ...missing, severity: 'CRITICAL' }], T2, { runId: 'esc' })).toMatchObject({
      escalated: 1,
    });
    expect(await anomaly('ANO-01:1001')).toMatchObject({ severity: 'CRITICAL', updated_at: T2 });
    const escalated = (await events('ANO-01:1001')).filter((e) => e['event_type'] === 'ESCALATED');
    expect(escalated).toEqual([
      expect.objectContaining({
        from_severity: 'HIGH',
        to_severity: 'CRITICAL',
        run_id: 'esc',
        event_time: T2,
      }),
    ]);
    const n = (await events()).length;
    expect(await scan([{ ...missing, severity: 'MEDIUM' }], T3)).toMatchObject({ escalated: 0 });
    expect(await anomaly('ANO-01:1001')).toMatchObject({ severity: 'CRITICAL', updated_at: T2 });
    expect(await events()).toHaveLength(n);
  });

  it('records changed amounts (event, updated_at) without touching the status', async () => {
    await scan([missing], T1);
    await scan([{ ...missing, amount: '14.00', expected: '14.00', actual: '1.50' }], T2);
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      affected_amount: '14.00',
      expected_value: '14.00',
      actual_value: '1.50',
      status: 'OPEN',
      updated_at: T2,
    });
    const changed = (await events('ANO-01:1001')).filter((e) => e['event_type'] === 'AMOUNTS_CHANGED');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.['note']).toBe(
      'affected 12.50 -> 14.00; expected 12.50 -> 14.00; actual none -> 1.50',
    );
  });

  it('auto-resolves an anomaly whose condition is gone (naming the run) and re-opens it when it returns', async () => {
    await scan([missing], T1);
    expect(await scan([], T2, { runId: 'late-data' })).toMatchObject({ autoResolved: 1, seen: 0 });
    const note = `Condition no longer holds as of run late-data (${T2})`;
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      status: 'AUTO_RESOLVED',
      status_set_by: 'SYSTEM',
      resolution_notes: note,
      updated_at: T2,
      last_seen_at: T1,
    });
    expect((await events('ANO-01:1001')).at(-1)).toMatchObject({
      event_type: 'AUTO_RESOLVED',
      from_status: 'OPEN',
      to_status: 'AUTO_RESOLVED',
      note,
      run_id: 'late-data',
    });
    // Still gone: nothing more.
    const n = (await events()).length;
    expect(await scan([], T3)).toMatchObject({ autoResolved: 0 });
    expect(await events()).toHaveLength(n);
    // Back again: re-opened.
    expect(await scan([missing], T4, { runId: 'back' })).toMatchObject({ reopened: 1, detected: 0 });
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      status: 'OPEN',
      status_set_by: 'SYSTEM',
      resolution_notes: null,
      updated_at: T4,
      created_at: T1,
    });
    expect((await events('ANO-01:1001')).at(-1)).toMatchObject({
      event_type: 'REOPENED',
      from_status: 'AUTO_RESOLVED',
      to_status: 'OPEN',
      run_id: 'back',
    });
  });

  it("keeps a person's INVESTIGATING status when the condition clears: one CONDITION_CLEARED event, not repeated", async () => {
    await scan([missing], T1);
    await wh.execute(
      "UPDATE recon.dwd_recon_anomalies SET status = 'INVESTIGATING', status_set_by = 'PERSON', assigned_to = 'ana'",
    );
    expect(await scan([], T2, { runId: 'gone' })).toMatchObject({ autoResolved: 0 });
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      status: 'INVESTIGATING',
      status_set_by: 'PERSON',
      assigned_to: 'ana',
      resolution_notes: null,
      updated_at: T1,
    });
    const cleared = () =>
      events('ANO-01:1001').then((all) => all.filter((e) => e['event_type'] === 'CONDITION_CLEARED'));
    expect(await cleared()).toEqual([
      expect.objectContaining({
        from_status: 'INVESTIGATING',
        to_status: 'INVESTIGATING',
        note: `Condition no longer holds as of run gone (${T2})`,
        run_id: 'gone',
      }),
    ]);
    await scan([], T3);
    expect(await cleared()).toHaveLength(1);
    // Seen again, then gone again: that is a new disappearance, recorded once more.
    await scan([missing], T3);
    await scan([], T4);
    expect(await cleared()).toHaveLength(2);
    expect(await anomaly('ANO-01:1001')).toMatchObject({ status: 'INVESTIGATING' });
  });

  it("never overwrites a person's resolution: same candidate again → still RESOLVED, note and assignee kept, no events", async () => {
    await scan([missing], T1);
    await wh.execute(
      "UPDATE recon.dwd_recon_anomalies SET status = 'RESOLVED', status_set_by = 'PERSON', assigned_to = 'bo', resolution_notes = 'refunded by hand'",
    );
    const before = await anomaly('ANO-01:1001');
    const n = (await events()).length;
    expect(await scan([missing], T2)).toMatchObject({ reopened: 0, detected: 0 });
    const after = await anomaly('ANO-01:1001');
    expect(after).toMatchObject({
      status: 'RESOLVED',
      status_set_by: 'PERSON',
      assigned_to: 'bo',
      resolution_notes: 'refunded by hand',
      updated_at: before?.['updated_at'],
    });
    expect(await events()).toHaveLength(n);
    // And a run that no longer sees it leaves it alone too.
    await scan([], T3);
    expect(await anomaly('ANO-01:1001')).toMatchObject({
      status: 'RESOLVED',
      resolution_notes: 'refunded by hand',
    });
    expect(await events()).toHaveLength(n);
  });

  it('leaves anomalies of dates outside the window untouched', async () => {
    const old: Candidate = { ...missing, key: '900', date: '2024-03-01' };
    await scan([old], T1, { from: '2024-03-01', to: '2024-03-01' });
    const before = await anomaly('ANO-01:900');
    await scan([missing], T2, { from: '2024-03-07', to: D });
    expect(await anomaly('ANO-01:900')).toEqual(before);
    expect(await events('ANO-01:900')).toHaveLength(1);
  });

  it('refreshes the daily summary of the window and drops the candidates table', async () => {
    await scan(
      [
        missing,
        { ...missing, key: '1002', amount: '5.00' },
        { type: 'ANO-02', key: '1003', severity: 'CRITICAL', amount: '0.40' },
      ],
      T1,
    );
    await wh.execute(
      "UPDATE recon.dwd_recon_anomalies SET status = 'INVESTIGATING', status_set_by = 'PERSON' WHERE anomaly_id = 'ANO-01:1002'",
    );
    await scan([missing, { ...missing, key: '1002', amount: '5.00' }], T2);
    expect(
      await wh.query('SELECT * FROM recon.dwd_recon_anomaly_summary ORDER BY anomaly_type, severity'),
    ).toEqual([
      {
        recon_date: D,
        anomaly_type: 'ANO-01',
        anomaly_name: 'MISSING_PAYMENT',
        severity: 'HIGH',
        total_count: '2',
        open_count: '1',
        investigating_count: '1',
        resolved_count: '0',
        false_positive_count: '0',
        auto_resolved_count: '0',
        total_affected_amount: '17.50',
        open_affected_amount: '17.50',
      },
      {
        recon_date: D,
        anomaly_type: 'ANO-02',
        anomaly_name: 'AMOUNT_MISMATCH',
        severity: 'CRITICAL',
        total_count: '1',
        open_count: '0',
        investigating_count: '0',
        resolved_count: '0',
        false_positive_count: '0',
        auto_resolved_count: '1',
        total_affected_amount: '0.40',
        open_affected_amount: '0.00',
      },
    ]);
    await wh.transaction(async (tx) => {
      await fillCandidates(tx, []);
      await applyCandidates(tx, {
        runId: 'r-drop',
        reconDate: D,
        fromDate: D,
        toDate: D,
        asOf: T3,
        settings: settingsSchema.parse({}),
      });
      const left = await tx.query(
        `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = '${CANDIDATES_TABLE}'`,
      );
      expect(Number(left[0]?.['n'])).toBe(0);
    });
  });

  it('refuses malformed parameters', async () => {
    await expect(
      wh.transaction(async (tx) =>
        applyCandidates(tx, {
          runId: 'r',
          reconDate: D,
          fromDate: D,
          toDate: '2024-03-01',
          asOf: '2024-03-11T06:00:00Z',
          settings: settingsSchema.parse({}),
        }),
      ),
    ).rejects.toThrow(/invalid anomaly scan parameters: window 2024-03-10 … 2024-03-01, asOf/);
  });
});
