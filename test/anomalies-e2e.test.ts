/**
 * The anomaly engine through the pipeline on generated data: escalation with age, late data
 * auto-resolving and re-opening, and triage surviving re-runs and backfills.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, resolve } from '../packages/core/src/anomalies/workflow.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { EXIT } from '../packages/core/src/cli/main.ts';
import { backfillCommand } from '../packages/core/src/cli/run-commands.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS, sourceTable } from '../packages/core/src/sources/spec.ts';
import type { RawRow } from '../packages/core/src/sources/types.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { asOfOf, io } from './support/cli-io.ts';

type AnomalyRow = {
  anomaly_id: string;
  anomaly_type: string;
  severity: string;
  status: string;
  assigned_to: string | null;
  resolution_notes: string | null;
};

describe('anomalies through the pipeline', () => {
  const gen = generate({ startDate: '2026-11-02', days: 5, ordersPerDay: 250, seed: 23 });
  const chunks = [...gen.days()];
  const home = mkdtempSync(join(tmpdir(), 'recon-ano-'));
  let app: App;
  const days: { date: string; asOf: string }[] = [];
  const after = new Map<string, Map<string, AnomalyRow>>();
  /** Payment rows of planted late payments, kept to remove them again later. */
  const latePayments = new Map<string, RawRow[]>();

  const anomalies = async () =>
    new Map(
      (
        await app.warehouse.query<AnomalyRow>(
          'SELECT anomaly_id, anomaly_type, severity, status, assigned_to, resolution_notes FROM recon.dwd_recon_anomalies',
        )
      ).map((a) => [a.anomaly_id, a]),
    );

  beforeAll(async () => {
    app = await openApp({ env: {}, home, embeddedOnly: true });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    const lateOrders = new Set(
      gen
        .answerKey()
        .conditions.filter((c) => c.kind === 'LATE_PAYMENT')
        .map((c) => c.entityKey),
    );
    const pays = sourceTable('t_order_pay');
    const orderIdx = pays.columns.findIndex((c) => c.name === 'order_id');
    for (const chunk of chunks) {
      for (const row of chunk.inserts.get('t_order_pay') ?? []) {
        const order = String(row[orderIdx]);
        if (lateOrders.has(order)) latePayments.set(order, [...(latePayments.get(order) ?? []), row]);
      }
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const asOf = asOfOf(chunk.batchEnd);
      days.push({ date: chunk.date, asOf });
      const outcome = await runPipeline(app.runtime, { reconDate: chunk.date, asOf });
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`${chunk.date}: ${outcome.status}: ${outcome.cause}`);
      after.set(chunk.date, await anomalies());
    }
  });
  afterAll(async () => app?.close());

  it('raises a missing payment HIGH and escalates it to CRITICAL once it is 24 h old, never lowering it', async () => {
    const key = gen.answerKey();
    const missing = key.conditions.filter((c) => c.kind === 'MISSING_PAYMENT' && c.date === days[0]!.date);
    expect(missing.length).toBeGreaterThan(0);
    let escalated = 0;
    for (const c of missing) {
      const id = `ANO-01:${c.entityKey}`;
      const first = after.get(days[0]!.date)!.get(id);
      const second = after.get(days[1]!.date)!.get(id);
      expect(first, id).toBeDefined();
      expect(second!.severity).toBe('CRITICAL');
      if (first!.severity === 'HIGH') escalated++;
    }
    expect(escalated).toBeGreaterThan(0);
    const events = await app.warehouse.query<{
      event_type: string;
      from_severity: string;
      to_severity: string;
    }>(
      "SELECT event_type, from_severity, to_severity FROM recon.dwd_recon_anomaly_events WHERE event_type = 'ESCALATED'",
    );
    expect(events.some((e) => e.from_severity === 'HIGH' && e.to_severity === 'CRITICAL')).toBe(true);
    // Re-running the first date at its own (earlier) as-of sees the order younger: HIGH again as a
    // candidate, but the stored severity stays CRITICAL.
    const rerun = await runPipeline(app.runtime, { reconDate: days[0]!.date, asOf: days[0]!.asOf });
    expect(rerun.status).toBe('SUCCEEDED');
    const now = await anomalies();
    for (const c of missing) expect(now.get(`ANO-01:${c.entityKey}`)!.severity).toBe('CRITICAL');
  });

  it('auto-resolves a missing payment when the late payment arrives, and re-opens it when it is removed again', async () => {
    const late = gen
      .answerKey()
      .conditions.filter(
        (c) => c.kind === 'LATE_PAYMENT' && c.date <= days[2]!.date && latePayments.has(c.entityKey),
      );
    expect(late.length).toBeGreaterThan(0);
    const c = late[0]!;
    const id = `ANO-01:${c.entityKey}`;
    const dayIdx = days.findIndex((d) => d.date === c.date);
    expect(after.get(days[dayIdx]!.date)!.get(id)!.status).toBe('OPEN');
    expect(after.get(days[dayIdx + 1]!.date)!.get(id)!.status).toBe('AUTO_RESOLVED');
    const events = await app.warehouse.query<{ event_type: string; note: string | null }>(
      'SELECT event_type, note FROM recon.dwd_recon_anomaly_events WHERE anomaly_id = :id ORDER BY event_time, event_type',
      { id },
    );
    expect(events.map((e) => e.event_type)).toEqual(expect.arrayContaining(['DETECTED', 'AUTO_RESOLVED']));
    expect(events.find((e) => e.event_type === 'AUTO_RESOLVED')!.note).toMatch(/run /);
    // The payment is removed at the source (soft-deleted later): the condition returns.
    const pays = sourceTable('t_order_pay');
    const delIdx = pays.columns.findIndex((x) => x.name === 'is_del');
    const updIdx = pays.columns.findIndex((x) => x.name === 'update_time');
    const lastAsOf = days.at(-1)!.asOf;
    const removedAt = `${lastAsOf.slice(0, 10)} ${lastAsOf.slice(11, 19)}`;
    const removed = latePayments.get(c.entityKey)!.map((r) => {
      const x = [...r];
      x[delIdx] = 1;
      x[updIdx] = removedAt;
      return x;
    });
    await app.sinks().salesorder.upsert(pays, removed);
    const reopenAsOf = new Date(Date.parse(lastAsOf) + 3_600_000).toISOString().replace('.000', '');
    const outcome = await runPipeline(app.runtime, { reconDate: c.date, asOf: reopenAsOf });
    expect(outcome.status).toBe('SUCCEEDED');
    expect((await anomalies()).get(id)!.status).toBe('OPEN');
    const reopened = await app.warehouse.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM recon.dwd_recon_anomaly_events WHERE anomaly_id = :id AND event_type = 'REOPENED'",
      { id },
    );
    expect(reopened[0]!.n).toBe('1');
  });

  it('keeps what people wrote through re-runs and a backfill; history only grows by the runs’ own events', async () => {
    const open = [...(await anomalies()).values()]
      .filter((a) => a.status === 'OPEN')
      .sort((a, b) => (a.anomaly_id < b.anomaly_id ? -1 : 1));
    expect(open.length).toBeGreaterThan(2);
    const [toResolve, toAssign] = [open[0]!, open[1]!];
    await resolve(app.warehouse, toResolve.anomaly_id, {
      by: 'alice',
      note: 'Refunded by hand; confirmed with the shop.',
    });
    await assign(app.warehouse, toAssign.anomaly_id, { to: 'bob', by: 'alice' });
    const before = await anomalies();
    const eventsBefore = await app.warehouse.query<{ event_id: string }>(
      'SELECT event_id FROM recon.dwd_recon_anomaly_events ORDER BY event_id',
    );
    const last = days.at(-1)!;
    const laterAsOf = new Date(Date.parse(last.asOf) + 2 * 3_600_000).toISOString().replace('.000', '');
    const again = await runPipeline(app.runtime, { reconDate: last.date, asOf: laterAsOf });
    expect(again.status).toBe('SUCCEEDED');
    const x = io({ RECON_HOME: home });
    expect(
      await backfillCommand(app, x, { from: days[0]!.date, to: last.date, asOf: laterAsOf, json: true }),
    ).toBe(EXIT.OK);
    const now = await anomalies();
    expect(now.size).toBe(before.size);
    const ids = await app.warehouse.query<{ n: string; d: string }>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT anomaly_id) AS d FROM recon.dwd_recon_anomalies',
    );
    expect(ids[0]!.n).toBe(ids[0]!.d);
    expect(now.get(toResolve.anomaly_id)).toMatchObject({
      status: 'RESOLVED',
      resolution_notes: 'Refunded by hand; confirmed with the shop.',
    });
    expect(now.get(toAssign.anomaly_id)).toMatchObject({ status: 'OPEN', assigned_to: 'bob' });
    const eventsAfter = await app.warehouse.query<{ event_id: string; run_id: string | null; actor: string }>(
      'SELECT event_id, run_id, actor FROM recon.dwd_recon_anomaly_events ORDER BY event_id',
    );
    const beforeIds = new Set(eventsBefore.map((e) => e.event_id));
    expect(eventsAfter.filter((e) => beforeIds.has(e.event_id))).toHaveLength(eventsBefore.length);
    const runIds = new Set(
      (
        await app.warehouse.query<{ pipeline_run_id: string }>(
          'SELECT pipeline_run_id FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_end_time >= CAST(:t AS TIMESTAMP)',
          { t: '2000-01-01 00:00:00' },
        )
      ).map((r) => r.pipeline_run_id),
    );
    for (const e of eventsAfter.filter((e) => !beforeIds.has(e.event_id))) {
      expect(e.run_id, e.event_id).not.toBeNull();
      expect(runIds.has(e.run_id!)).toBe(true);
    }
    const personEvents = await app.warehouse.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM recon.dwd_recon_anomaly_events WHERE actor = 'alice'",
    );
    expect(personEvents[0]!.n).toBe('2');
  });
});
