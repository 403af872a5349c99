/**
 * End-of-run alerts on the embedded warehouse with a local HTTP server standing in for the WeCom
 * webhooks: the exact JSON posted, one message per level, retries (500, 500, 200 → sent once after
 * 3 attempts), a webhook that always fails (FAILED, never thrown), once per run (a second call sends
 * nothing), the rules of failed and halted runs, and a real pipeline run on generated data.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRunAlerts } from '../packages/core/src/alerts/send.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { asOfOf } from './support/cli-io.ts';

/** A stand-in WeCom webhook: answers from a script (default 200 errcode 0) and keeps every request. */
class FakeWecom {
  readonly requests: { path: string; body: string }[] = [];
  script: { status: number; body: string }[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', body });
        const answer = this.script.shift() ?? { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(channel: string): string {
    return `http://127.0.0.1:${this.port}/cgi-bin/webhook/send?key=${channel}-SECRETKEY`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface RunSpec {
  runId: string;
  date: string;
  status?: string;
  seconds?: number;
  l1?: string | null;
  l2?: string | null;
  l3?: string | null;
  anomalies?: string | null;
  average?: string | null;
  spike?: boolean | null;
  deadLettered?: string | null;
  failedStep?: string | null;
  error?: string | null;
  /** The run record's phase_durations JSON text. */
  phases?: string | null;
}

async function recordRun(app: App, r: RunSpec): Promise<void> {
  const start = Date.parse(`${r.date}T11:00:00Z`) + 86_400_000;
  const ts = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  await app.warehouse.execute(
    `INSERT INTO recon.dwd_recon_anomaly_metrics
       (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status, failed_step, error_message,
        rows_dead_lettered, l1_match_rate, l2_match_rate, l3_match_rate, total_anomalies_detected,
        anomaly_count_30d_avg, anomaly_spike, phase_durations)
     VALUES (:runId, CAST(:date AS DATE), CAST(:start AS TIMESTAMP), CAST(:end AS TIMESTAMP), CAST(:start AS TIMESTAMP),
        :status, :failedStep, :error, CAST(:dead AS BIGINT), CAST(:l1 AS DECIMAL(7,4)), CAST(:l2 AS DECIMAL(7,4)),
        CAST(:l3 AS DECIMAL(7,4)), CAST(:anomalies AS BIGINT), CAST(:average AS DECIMAL(14,4)), CAST(:spike AS BOOLEAN), :phases)`,
    {
      runId: r.runId,
      date: r.date,
      start: ts(start),
      end: ts(start + (r.seconds ?? 600) * 1000),
      status: r.status ?? 'SUCCEEDED',
      failedStep: r.failedStep ?? null,
      error: r.error ?? null,
      dead: r.deadLettered === undefined ? '0' : r.deadLettered,
      l1: r.l1 === undefined ? '99.5000' : r.l1,
      l2: r.l2 === undefined ? '99.0000' : r.l2,
      l3: r.l3 === undefined ? '90.0000' : r.l3,
      anomalies: r.anomalies === undefined ? '3' : r.anomalies,
      average: r.average === undefined ? '3.0000' : r.average,
      spike: r.spike === undefined ? false : r.spike,
      phases: r.phases === undefined ? '{"match": 4.2, "anomalies": 12.5}' : r.phases,
    },
  );
}

async function insertAnomaly(
  app: App,
  id: string,
  date: string,
  severity: string,
  amount: string,
  status = 'OPEN',
) {
  await app.warehouse.execute(
    `INSERT INTO recon.dwd_recon_anomalies
       (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by, detected_date, recon_date,
        entity_key, order_id, shop_id, affected_amount, expected_value, actual_value, confidence_score,
        description, recommendation, created_at, updated_at, last_seen_at)
     VALUES (:id, 'ANO-02', 'AMOUNT_MISMATCH', :severity, :status, 'SYSTEM', CAST(:date AS DATE), CAST(:date AS DATE),
        :id, NULL, 7, CAST(:amount AS DECIMAL(14,2)), NULL, NULL, 1.000, 'mismatch', 'check it',
        CAST('2026-01-01 00:00:00' AS TIMESTAMP), CAST('2026-01-01 00:00:00' AS TIMESTAMP), CAST('2026-01-01 00:00:00' AS TIMESTAMP))`,
    { id, date, severity, amount, status },
  );
}

async function log(app: App, runId: string) {
  return app.warehouse.query<{
    alert_rule: string;
    alert_level: string;
    channel: string;
    status: string;
    attempts: number;
    first_attempt_at: string;
    sent_at: string | null;
    last_error: string | null;
  }>(
    'SELECT alert_rule, alert_level, channel, status, attempts, first_attempt_at, sent_at, last_error FROM recon.dwd_recon_alerts WHERE run_id = :runId ORDER BY alert_rule',
    { runId },
  );
}

describe('sendRunAlerts', () => {
  let app: App;
  const wecom = new FakeWecom();
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  let webhooks: { critical: string; warning: string };

  beforeAll(async () => {
    app = await openApp({ env: {}, home: mkdtempSync(join(tmpdir(), 'recon-alerts-')), embeddedOnly: true });
    await wecom.start();
    webhooks = { critical: wecom.url('critical'), warning: wecom.url('warning') };
  });
  afterAll(async () => {
    await wecom.stop();
    await app?.close();
  });
  beforeEach(() => {
    wecom.requests.length = 0;
    wecom.script = [];
    waits.length = 0;
  });

  it('posts one message per level with exactly the expected JSON, and records them SENT', async () => {
    await recordRun(app, {
      runId: 'r-json',
      date: '2026-03-10',
      l1: '88.5000',
      anomalies: '30',
      average: '10.0000',
      spike: true,
    });
    await insertAnomaly(app, 'ANO-02:x', '2026-03-10', 'CRITICAL', '12.34');
    await insertAnomaly(app, 'ANO-02:y', '2026-03-10', 'HIGH', '99.00');
    await insertAnomaly(app, 'ANO-02:z', '2026-03-10', 'CRITICAL', '50.00', 'RESOLVED');
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-json' },
      { webhooks, sleep },
    );

    expect(outcome.raised.map((r) => r.rule)).toEqual([
      'L1_MATCH_RATE_CRITICAL',
      'CRITICAL_ANOMALIES',
      'ANOMALY_SPIKE',
    ]);
    expect(wecom.requests.map((r) => r.path)).toEqual([
      '/cgi-bin/webhook/send?key=critical-SECRETKEY',
      '/cgi-bin/webhook/send?key=warning-SECRETKEY',
    ]);
    expect(JSON.parse(wecom.requests[0]!.body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '🔴 **Revenue Reconciliation — 2 critical alerts**',
          'Business date 2026-03-10 · run r-json · SUCCEEDED',
          '> <font color="warning">L1 match rate critical</font>: L1 match rate 88.50% is below 90% (l1MatchRateCritical)',
          '> <font color="warning">Critical anomalies</font>: 1 open CRITICAL anomaly for 2026-03-10 ($12.34 at stake): ANO-02:x AMOUNT_MISMATCH $12.34 shop 7',
        ].join('\n'),
      },
    });
    expect(JSON.parse(wecom.requests[1]!.body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '🟠 **Revenue Reconciliation — 1 warning alert**',
          'Business date 2026-03-10 · run r-json · SUCCEEDED',
          '> <font color="comment">Anomaly spike</font>: 30 anomalies for 2026-03-10, more than 2.0 × the 30-day average 10.00',
        ].join('\n'),
      },
    });
    expect(outcome.messages.map((m) => [m.channel, m.status, m.attempts])).toEqual([
      ['wecom-critical', 'SENT', 1],
      ['wecom-warning', 'SENT', 1],
    ]);
    const rows = await log(app, 'r-json');
    expect(rows.map((r) => [r.alert_rule, r.alert_level, r.channel, r.status, r.attempts])).toEqual([
      ['ANOMALY_SPIKE', 'warning', 'wecom-warning', 'SENT', 1],
      ['CRITICAL_ANOMALIES', 'critical', 'wecom-critical', 'SENT', 1],
      ['L1_MATCH_RATE_CRITICAL', 'critical', 'wecom-critical', 'SENT', 1],
    ]);
    expect(rows.every((r) => r.sent_at !== null)).toBe(true);
  });

  it('sends nothing twice: a second call for the same run posts nothing and lists what it skipped', async () => {
    const again = await sendRunAlerts(app.warehouse, app.settings, { runId: 'r-json' }, { webhooks, sleep });
    expect(wecom.requests).toHaveLength(0);
    expect(again.messages).toEqual([]);
    expect(again.skipped.map((s) => s.rule)).toEqual([
      'L1_MATCH_RATE_CRITICAL',
      'CRITICAL_ANOMALIES',
      'ANOMALY_SPIKE',
    ]);
  });

  it('retries a webhook answering 500 twice, delivers the message once, and records SENT with 3 attempts', async () => {
    await recordRun(app, { runId: 'r-retry', date: '2026-03-11', l1: '94.0000' });
    wecom.script = [
      { status: 500, body: 'oops' },
      { status: 500, body: 'oops' },
    ];
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-retry' },
      { webhooks, sleep },
    );
    expect(outcome.raised.map((r) => r.rule)).toEqual(['L1_MATCH_RATE_WARNING']);
    expect(wecom.requests).toHaveLength(3);
    expect(new Set(wecom.requests.map((r) => r.body)).size).toBe(1); // the same message each time
    expect(waits).toEqual([1000, 2000]);
    expect(outcome.messages).toEqual([
      expect.objectContaining({ channel: 'wecom-warning', status: 'SENT', attempts: 3, error: null }),
    ]);
    expect((await log(app, 'r-retry')).map((r) => [r.alert_rule, r.status, r.attempts])).toEqual([
      ['L1_MATCH_RATE_WARNING', 'SENT', 3],
    ]);
  });

  it('retries an answer whose errcode is not 0', async () => {
    await recordRun(app, { runId: 'r-errcode', date: '2026-03-12', deadLettered: '4' });
    wecom.script = [{ status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' }];
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-errcode' },
      { webhooks, sleep },
    );
    expect(outcome.raised.map((r) => r.rule)).toEqual(['DEAD_LETTERS']);
    expect(outcome.raised[0]!.message).toBe(
      '4 source rows could not be standardized and went to the dead-letter store (recon.dwd_recon_dead_letter)',
    );
    expect(wecom.requests).toHaveLength(2);
    expect(outcome.messages[0]).toMatchObject({ status: 'SENT', attempts: 2 });
  });

  it('records FAILED when the webhook always fails, resolves without throwing, and retries on the next call', async () => {
    await recordRun(app, { runId: 'r-fail', date: '2026-03-13', seconds: 5401 });
    wecom.script = Array.from({ length: 4 }, () => ({ status: 502, body: 'bad gateway' }));
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-fail' },
      { webhooks, sleep },
    );
    expect(outcome.raised.map((r) => r.rule)).toEqual(['PIPELINE_SLA_CRITICAL']);
    expect(wecom.requests).toHaveLength(4);
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(outcome.messages[0]).toMatchObject({ status: 'FAILED', attempts: 4 });
    expect(outcome.messages[0]!.error).toContain('HTTP 502');
    expect(outcome.messages[0]!.error).not.toContain('SECRETKEY');
    const [row] = await log(app, 'r-fail');
    expect(row).toMatchObject({
      alert_rule: 'PIPELINE_SLA_CRITICAL',
      status: 'FAILED',
      attempts: 4,
      sent_at: null,
    });
    expect(row!.last_error).not.toContain('SECRETKEY');

    // The webhook works again: the next call delivers the failed alert (attempts add up).
    wecom.requests.length = 0;
    const retried = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-fail' },
      { webhooks, sleep },
    );
    expect(wecom.requests).toHaveLength(1);
    expect(retried.messages[0]).toMatchObject({ status: 'SENT', attempts: 1 });
    const [after] = await log(app, 'r-fail');
    expect(after).toMatchObject({ status: 'SENT', attempts: 5, first_attempt_at: row!.first_attempt_at });
  });

  it('records FAILED for an unreachable or malformed webhook, and NOT_CONFIGURED without one — never throws', async () => {
    await recordRun(app, { runId: 'r-down', date: '2026-03-14', l1: '80.0000', l3: '40.0000' });
    const closed = new FakeWecom();
    await closed.start();
    const deadUrl = closed.url('critical');
    await closed.stop();
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-down' },
      {
        webhooks: { critical: deadUrl, warning: 'ftp://hooks.example/send?key=warning-SECRETKEY' },
        sleep,
        maxAttempts: 2,
      },
    );
    expect(outcome.messages.map((m) => [m.channel, m.status, m.attempts])).toEqual([
      ['wecom-critical', 'FAILED', 2],
      ['wecom-warning', 'FAILED', 0],
    ]);
    expect(outcome.messages[0]!.error).toMatch(/network error/);
    expect(outcome.messages[1]!.error).toMatch(/must be an https:\/\/ URL/);
    for (const m of outcome.messages) expect(m.error).not.toContain('SECRETKEY');

    await recordRun(app, { runId: 'r-none', date: '2026-03-15', l1: '80.0000' });
    const none = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-none' },
      { webhooks: {}, sleep },
    );
    expect(none.messages).toEqual([
      expect.objectContaining({ channel: 'wecom-critical', status: 'NOT_CONFIGURED', attempts: 0 }),
    ]);
    expect(none.messages[0]!.error).toContain('RECON_WECOM_CRITICAL_WEBHOOK');
    const later = await sendRunAlerts(app.warehouse, app.settings, { runId: 'r-none' }, { webhooks, sleep });
    expect(later.messages[0]).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('raises PIPELINE_FAILED for a failed run and DQ_FAILED (with the failed checks) for a halted one', async () => {
    await recordRun(app, {
      runId: 'r-failed',
      date: '2026-03-16',
      status: 'FAILED',
      l1: null,
      l2: null,
      l3: null,
      anomalies: null,
      average: null,
      spike: null,
      deadLettered: null,
      failedStep: 'LoadStaging',
      error: 'WarehouseError: connection lost',
    });
    const failed = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-failed' },
      { webhooks, sleep },
    );
    expect(failed.raised.map((r) => [r.rule, r.level, r.message])).toEqual([
      [
        'PIPELINE_FAILED',
        'critical',
        'Pipeline run r-failed for 2026-03-16 FAILED in LoadStaging: WarehouseError: connection lost',
      ],
    ]);

    await recordRun(app, {
      runId: 'r-dq',
      date: '2026-03-17',
      status: 'FAILED_DQ',
      l1: null,
      l2: null,
      l3: null,
      spike: null,
    });
    await app.warehouse.execute(
      `INSERT INTO recon.dwd_recon_dq_results (run_id, recon_date, check_id, check_name, table_name, measured_value, threshold, status, detail)
       VALUES ('r-dq', CAST('2026-03-17' AS DATE), 'DQ-04', 'CURRENCY', 'stg_recon_orders', 3, '0', 'FAIL', '3 non-USD rows'),
              ('r-dq', CAST('2026-03-17' AS DATE), 'DQ-01', 'ROW_COUNT', 'stg_recon_orders', 2, '5', 'WARN', 'fine')`,
    );
    const halted = await sendRunAlerts(app.warehouse, app.settings, { runId: 'r-dq' }, { webhooks, sleep });
    expect(halted.raised.map((r) => [r.rule, r.message])).toEqual([
      [
        'DQ_FAILED',
        'Data-quality checks FAILED for 2026-03-17; the run halted before matching: DQ-04 CURRENCY on stg_recon_orders: 3 non-USD rows',
      ],
    ]);
    expect(JSON.parse(wecom.requests.at(-1)!.body).markdown.content).toContain('Data quality FAIL');
  });

  it("raises ANOMALY_SCAN_SLA from the run record's anomaly phase, and names a record it cannot read", async () => {
    await recordRun(app, {
      runId: 'r-scan',
      date: '2026-03-14',
      phases: '{"match": 30, "anomalies": 1000.4}',
    });
    const outcome = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-scan' },
      { webhooks, sleep },
    );
    expect(outcome.raised.map((r) => [r.rule, r.level])).toEqual([['ANOMALY_SCAN_SLA', 'warning']]);
    expect(JSON.parse(wecom.requests[0]!.body).markdown.content).toContain(
      'Anomaly scan SLA breach</font>: Anomaly scan took 16.7 min, over the 15-minute SLA (anomalyScanSlaMin)',
    );

    // A run that stopped before the scan (no anomalies phase) raises nothing for it.
    await recordRun(app, { runId: 'r-noscan', date: '2026-03-15', phases: '{"match": 30}' });
    const none = await sendRunAlerts(app.warehouse, app.settings, { runId: 'r-noscan' }, { webhooks, sleep });
    expect(none.raised).toEqual([]);

    // An unreadable record holds back none of the run's alerts and says what is wrong.
    await recordRun(app, {
      runId: 'r-badphases',
      date: '2026-03-16',
      status: 'FAILED',
      failedStep: 'RefreshReporting',
      error: 'boom',
      phases: '{"anomalies": "slow"}',
    });
    const bad = await sendRunAlerts(
      app.warehouse,
      app.settings,
      { runId: 'r-badphases' },
      { webhooks, sleep },
    );
    expect(bad.raised.map((r) => r.rule)).toEqual(['PIPELINE_FAILED', 'ANOMALY_SCAN_SLA']);
    expect(bad.raised[1]!.message).toBe(
      'cannot tell how long the anomaly scan took: run r-badphases: phase_durations.anomalies is not a number of seconds: "slow"',
    );
  });

  it('refuses an unknown run, naming it', async () => {
    await expect(
      sendRunAlerts(app.warehouse, app.settings, { runId: 'nope' }, { webhooks, sleep }),
    ).rejects.toThrow(/run nope is not recorded/);
  });
});

describe('alerts of a real pipeline run', () => {
  it('raises the open CRITICAL anomalies the generator planted, and sends them once', async () => {
    const app = await openApp({
      env: {},
      home: mkdtempSync(join(tmpdir(), 'recon-alerts-run-')),
      embeddedOnly: true,
    });
    const wecom = new FakeWecom();
    await wecom.start();
    try {
      const gen = generate({ startDate: '2026-04-06', days: 1, ordersPerDay: 120, seed: 99 });
      const sinks = app.sinks();
      for (const s of SOURCE_IDS) await sinks[s].createTables();
      let runId = '';
      for (const chunk of gen.days()) {
        await writeChunk(chunk, sinks);
        if (!chunk.lastOfDay) continue;
        const outcome = await runPipeline(app.runtime, {
          reconDate: chunk.date,
          asOf: asOfOf(chunk.batchEnd),
        });
        expect(outcome.status).toBe('SUCCEEDED');
        runId = outcome.runId;
      }
      const [open] = await app.warehouse.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies WHERE recon_date = CAST('2026-04-06' AS DATE)
           AND severity = 'CRITICAL' AND status IN ('OPEN', 'INVESTIGATING')`,
      );
      expect(Number(open!.n)).toBeGreaterThan(0);
      const deps = { webhooks: { critical: wecom.url('critical'), warning: wecom.url('warning') } };
      const first = await sendRunAlerts(app.warehouse, app.settings, { runId }, deps);
      const critical = first.raised.find((r) => r.rule === 'CRITICAL_ANOMALIES')!;
      expect(critical.message).toMatch(new RegExp(`^${open!.n} open CRITICAL anomal(y|ies) for 2026-04-06`));
      expect(first.messages.every((m) => m.status === 'SENT')).toBe(true);
      const posted = wecom.requests.length;
      expect(posted).toBe(first.messages.length);
      await sendRunAlerts(app.warehouse, app.settings, { runId }, deps);
      expect(wecom.requests).toHaveLength(posted);
    } finally {
      await wecom.stop();
      await app.close();
    }
  });
});
