/**
 * The anomaly resolution workflow on real PostgreSQL and PGlite: every transition, every refused
 * one, required notes, unknown ids and the lost-update guard. Anomalies are created through
 * applyCandidates from a hand-filled candidates table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { settingsSchema } from '../settings.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { applyCandidates } from './lifecycle.ts';
import { ANOMALY_NAMES, type AnomalyStatus, CANDIDATE_COLUMNS, CANDIDATES_TABLE } from './types.ts';
import {
  ALLOWED_ACTIONS,
  applyTriage,
  assign,
  falsePositive,
  investigate,
  readAnomalyState,
  reopen,
  resolve,
  type TriageAction,
  type TriageInput,
} from './workflow.ts';

const D = '2024-03-10';
const ID = 'ANO-01:1001';
const NOW = new Date('2024-03-11T09:30:00.250Z');
const NOW_TEXT = '2024-03-11 09:30:00.25';

/** Create and fill the candidates table from CANDIDATE_COLUMNS (test helper). */
async function fillCandidates(db: SqlExecutor, orderIds: readonly string[]): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await db.execute(
    `CREATE TEMP TABLE ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  );
  for (const id of orderIds) {
    await db.execute(
      `INSERT INTO ${CANDIDATES_TABLE} (${CANDIDATE_COLUMNS.map(([n]) => n).join(', ')}) VALUES (${CANDIDATE_COLUMNS.map(([n, t]) => `CAST(:${n} AS ${t})`).join(', ')})`,
      {
        anomaly_id: `ANO-01:${id}`,
        anomaly_type: 'ANO-01',
        anomaly_name: ANOMALY_NAMES['ANO-01'],
        severity: 'HIGH',
        recon_date: D,
        entity_key: id,
        order_id: id,
        shop_id: '7',
        affected_amount: '12.50',
        expected_value: '12.50',
        actual_value: null,
        confidence_score: '1.000',
        description: `No payment for order ${id}`,
        recommendation: 'Check the payment channel',
      },
    );
  }
}

const ACTIONS: readonly TriageAction[] = ['assign', 'investigate', 'resolve', 'false-positive', 'reopen'];
const STATUSES: readonly AnomalyStatus[] = [
  'OPEN',
  'INVESTIGATING',
  'RESOLVED',
  'FALSE_POSITIVE',
  'AUTO_RESOLVED',
];

describe.each(engineCases())('anomaly workflow on $name', (engine) => {
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
    await scan(['1001', '1002']);
  });

  const scan = (orderIds: readonly string[]) =>
    wh.transaction(async (tx) => {
      await fillCandidates(tx, orderIds);
      return applyCandidates(tx, {
        runId: `run-${++runs}`,
        reconDate: D,
        fromDate: D,
        toDate: D,
        asOf: '2024-03-11 06:00:00',
        settings: settingsSchema.parse({}),
      });
    });
  const row = async (id = ID) =>
    (await wh.query('SELECT * FROM recon.dwd_recon_anomalies WHERE anomaly_id = :id', { id }))[0];
  const lastEvent = async (id = ID) =>
    (
      await wh.query(
        'SELECT * FROM recon.dwd_recon_anomaly_events WHERE anomaly_id = :id ORDER BY event_time DESC LIMIT 1',
        { id },
      )
    )[0];
  const eventCount = async () =>
    Number((await wh.query('SELECT COUNT(*) AS n FROM recon.dwd_recon_anomaly_events'))[0]?.['n']);
  const setStatus = (status: AnomalyStatus, by = 'PERSON') =>
    wh.execute(
      'UPDATE recon.dwd_recon_anomalies SET status = :status, status_set_by = :by WHERE anomaly_id = :id',
      { status, by, id: ID },
    );
  const input: TriageInput = { by: 'ana', now: NOW };

  it('investigate: OPEN → INVESTIGATING, owned by the person, investigator assigned, event appended', async () => {
    const result = await investigate(wh, ID, { ...input, note: 'looking at Stripe' });
    expect(result).toMatchObject({
      anomalyId: ID,
      fromStatus: 'OPEN',
      toStatus: 'INVESTIGATING',
      at: NOW_TEXT,
    });
    expect(await row()).toMatchObject({
      status: 'INVESTIGATING',
      status_set_by: 'PERSON',
      assigned_to: 'ana',
      updated_at: NOW_TEXT,
      resolution_notes: null,
    });
    expect(await lastEvent()).toMatchObject({
      event_id: result.eventId,
      event_time: NOW_TEXT,
      actor: 'ana',
      event_type: 'INVESTIGATING',
      from_status: 'OPEN',
      to_status: 'INVESTIGATING',
      note: 'looking at Stripe',
      run_id: null,
    });
    expect(result.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('assign: sets the assignee, keeps the status and who set it', async () => {
    await assign(wh, ID, { ...input, to: 'bo', note: 'card payments are yours' });
    expect(await row()).toMatchObject({ status: 'OPEN', status_set_by: 'SYSTEM', assigned_to: 'bo' });
    expect(await lastEvent()).toMatchObject({
      actor: 'ana',
      event_type: 'ASSIGNED',
      from_status: 'OPEN',
      to_status: 'OPEN',
      note: 'assigned to bo: card payments are yours',
    });
    // An existing assignee is kept by investigate.
    await investigate(wh, ID, { by: 'cy' });
    expect(await row()).toMatchObject({ assigned_to: 'bo', status: 'INVESTIGATING' });
  });

  it('resolve and false-positive write the note as the resolution; reopen brings it back OPEN', async () => {
    await resolve(wh, ID, { ...input, note: '  refunded by hand  ' });
    expect(await row()).toMatchObject({
      status: 'RESOLVED',
      status_set_by: 'PERSON',
      resolution_notes: 'refunded by hand',
    });
    expect(await lastEvent()).toMatchObject({
      event_type: 'RESOLVED',
      from_status: 'OPEN',
      to_status: 'RESOLVED',
    });
    await reopen(wh, ID, { by: 'bo', now: new Date('2024-03-11T10:00:00Z') });
    expect(await row()).toMatchObject({
      status: 'OPEN',
      status_set_by: 'PERSON',
      resolution_notes: 'refunded by hand',
    });
    expect(await lastEvent()).toMatchObject({
      event_type: 'REOPENED',
      from_status: 'RESOLVED',
      to_status: 'OPEN',
    });
    await falsePositive(wh, ID, { by: 'bo', note: 'test order', now: new Date('2024-03-11T11:00:00Z') });
    expect(await row()).toMatchObject({ status: 'FALSE_POSITIVE', resolution_notes: 'test order' });
    expect(
      await wh.query(
        'SELECT severity, open_count, resolved_count, false_positive_count FROM recon.dwd_recon_anomaly_summary',
      ),
    ).toEqual([{ severity: 'HIGH', open_count: '1', resolved_count: '0', false_positive_count: '1' }]);
  });

  it('every allowed transition applies; every refused one lists what the status allows', async () => {
    for (const status of STATUSES) {
      for (const action of ACTIONS) {
        await setStatus(status);
        const run = (): Promise<unknown> => {
          const x = { ...input, note: 'because' };
          switch (action) {
            case 'assign':
              return assign(wh, ID, { ...x, to: 'bo' });
            case 'investigate':
              return investigate(wh, ID, x);
            case 'resolve':
              return resolve(wh, ID, x);
            case 'false-positive':
              return falsePositive(wh, ID, x);
            case 'reopen':
              return reopen(wh, ID, x);
          }
        };
        if (ALLOWED_ACTIONS[status].includes(action)) {
          await run();
          const expected: Record<TriageAction, AnomalyStatus> = {
            assign: status,
            investigate: 'INVESTIGATING',
            resolve: 'RESOLVED',
            'false-positive': 'FALSE_POSITIVE',
            reopen: 'OPEN',
          };
          expect((await row())?.['status'], `${status} ${action}`).toBe(expected[action]);
        } else {
          const n = await eventCount();
          await expect(run(), `${status} ${action}`).rejects.toThrow(
            new UsageError(`${ID} is ${status}; allowed: ${ALLOWED_ACTIONS[status].join(', ')}`),
          );
          expect((await row())?.['status']).toBe(status);
          expect(await eventCount()).toBe(n);
        }
      }
    }
  });

  it('the transitions table', () => {
    expect(ALLOWED_ACTIONS).toEqual({
      OPEN: ['assign', 'investigate', 'resolve', 'false-positive'],
      INVESTIGATING: ['assign', 'resolve', 'false-positive', 'reopen'],
      RESOLVED: ['reopen'],
      FALSE_POSITIVE: ['reopen'],
      AUTO_RESOLVED: ['reopen'],
    });
  });

  it('re-opens an AUTO_RESOLVED anomaly; from then on a run only records that the condition cleared', async () => {
    await scan(['1002']);
    expect(await row()).toMatchObject({ status: 'AUTO_RESOLVED', status_set_by: 'SYSTEM' });
    await reopen(wh, ID, { by: 'ana', note: 'customer says unpaid' });
    expect(await row()).toMatchObject({ status: 'OPEN', status_set_by: 'PERSON' });
    await scan(['1002']);
    expect(await row()).toMatchObject({ status: 'OPEN', status_set_by: 'PERSON' });
    const cleared = await wh.query(
      "SELECT actor FROM recon.dwd_recon_anomaly_events WHERE anomaly_id = :id AND event_type = 'CONDITION_CLEARED'",
      { id: ID },
    );
    expect(cleared).toEqual([{ actor: 'system' }]);
  });

  it('requires a note to resolve or mark a false positive, and a person', async () => {
    for (const note of [undefined, '', '   ']) {
      await expect(resolve(wh, ID, { by: 'ana', ...(note === undefined ? {} : { note }) })).rejects.toThrow(
        /a note \(--note\) saying why for resolve is required/,
      );
      await expect(
        falsePositive(wh, ID, { by: 'ana', ...(note === undefined ? {} : { note }) }),
      ).rejects.toThrow(/a note \(--note\) saying why for false-positive is required/);
    }
    await expect(investigate(wh, ID, { by: ' ' })).rejects.toThrow(/the person \(--by\) is required/);
    await expect(assign(wh, ID, { by: 'ana', to: '' })).rejects.toThrow(/the assignee \(--to\) is required/);
    expect(await row()).toMatchObject({ status: 'OPEN', assigned_to: null });
  });

  it('names an unknown id and suggests the list', async () => {
    await expect(investigate(wh, 'ANO-01:424242', input)).rejects.toThrow(UsageError);
    await expect(investigate(wh, 'ANO-01:424242', input)).rejects.toThrow(
      /no anomaly ANO-01:424242; `recon anomalies list`/,
    );
  });

  it('refuses a stale update: a command that read OPEN does not overwrite a resolution made meanwhile', async () => {
    const stale = await readAnomalyState(wh, ID);
    expect(stale.status).toBe('OPEN');
    await resolve(wh, ID, { by: 'bo', note: 'paid late' });
    const n = await eventCount();
    await expect(
      wh.transaction(async (tx) =>
        applyTriage(tx, stale, 'false-positive', { by: 'ana', note: 'test order' }),
      ),
    ).rejects.toThrow(new UsageError(`${ID} changed meanwhile (it was OPEN, it is RESOLVED); try again`));
    expect(await row()).toMatchObject({ status: 'RESOLVED', resolution_notes: 'paid late' });
    expect(await eventCount()).toBe(n);
  });

  it('two concurrent commands: exactly one wins, the other is refused', async () => {
    const results = await Promise.allSettled([
      resolve(wh, ID, { by: 'ana', note: 'one' }),
      falsePositive(wh, ID, { by: 'bo', note: 'two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(String(refused?.reason)).toMatch(
      /is (RESOLVED|FALSE_POSITIVE); allowed: reopen|changed meanwhile/,
    );
  });
});
