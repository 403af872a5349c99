/**
 * `recon report …` and `recon alerts …` through the commander program (main()) on the embedded
 * warehouse of a fresh RECON_HOME with two generated days: files written and their paths printed,
 * option errors naming the option (exit 2), `--send` to a local stand-in WeCom webhook and a mocked
 * SES client, and alerts sent once per run. Also the deployed report function's task (what the
 * report schedules invoke) over the same warehouse: the period from the schedule's instant, where
 * each report goes, and what happens when a channel is not configured.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../packages/core/src/app.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { NotifyConfigError } from '../packages/core/src/notify/errors.ts';
import type { Runtime } from '../packages/core/src/pipeline/runtime.ts';
import { handler as sendReport } from '../packages/functions/src/send-report.ts';
import { asOfOf, io } from './support/cli-io.ts';

const home = mkdtempSync(join(tmpdir(), 'recon-report-cli-'));
const gen = generate({ startDate: '2026-03-30', days: 2, ordersPerDay: 80, seed: 5 });
const day = gen.dates[1]!;
const ses = mockClient(SESv2Client);

let server: Server;
let port = 0;
const posted: { path: string; body: string }[] = [];

async function run(argv: string[], extra: NodeJS.ProcessEnv = {}) {
  const x = io({ RECON_HOME: home, ...extra });
  const code = await main(argv, x);
  return { code, out: x.stdout(), err: x.stderr() };
}

beforeAll(async () => {
  const app = await openApp({ env: { RECON_HOME: home } });
  try {
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    for (const chunk of gen.days()) {
      await writeChunk(chunk, sinks);
      if (chunk.lastOfDay)
        await runPipeline(app.runtime, { reconDate: chunk.date, asOf: asOfOf(chunk.batchEnd) });
    }
  } finally {
    await app.close();
  }
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posted.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  posted.length = 0;
  ses.reset();
});

describe('recon report', () => {
  it('writes the daily files under <RECON_HOME>/reports and prints their paths', async () => {
    const r = await run(['report', 'daily', '--date', day]);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.OK);
    const dir = join(home, 'reports');
    const names = [
      `daily-${day}.md`,
      `daily-${day}.html`,
      `daily-${day}-summary.csv`,
      `daily-${day}-anomalies.csv`,
    ];
    expect(r.out).toBe(`Wrote the daily report ${day}:\n${names.map((n) => `  ${join(dir, n)}\n`).join('')}`);
    for (const n of names) expect(existsSync(join(dir, n))).toBe(true);
    expect(readFileSync(join(dir, `daily-${day}.md`), 'utf8')).toContain(
      `Daily Revenue Reconciliation Report — ${day}`,
    );
  });

  it('writes only the formats asked, to --out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'recon-report-out-'));
    const r = await run(['report', 'daily', '--date', day, '--out', out, '--format', 'csv']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out.trim().split('\n').slice(1)).toEqual([
      `  ${join(out, `daily-${day}-summary.csv`)}`,
      `  ${join(out, `daily-${day}-anomalies.csv`)}`,
    ]);
    const weekly = await run(['report', 'weekly', '--date', day, '--out', out]);
    expect(weekly.code).toBe(EXIT.OK);
    expect(weekly.out).toContain(join(out, 'weekly-2026-03-30.csv'));
    const monthly = await run(['report', 'monthly', '--date', day, '--out', out, '--format', 'pdf']);
    expect(monthly.code).toBe(EXIT.OK);
    expect(monthly.out).toBe(`Wrote the monthly report 2026-03:\n  ${join(out, 'monthly-2026-03.pdf')}\n`);
    expect(readFileSync(join(out, 'monthly-2026-03.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.each([
    [
      ['report', 'daily', '--date', '2026-02-30'],
      /option '--date <date>' argument '2026-02-30' is invalid.*invalid --date "2026-02-30"/,
    ],
    [
      ['report', 'weekly', '--date', 'yesterday'],
      /invalid --date "yesterday": expected a calendar date YYYY-MM-DD/,
    ],
    [['report', 'monthly', '--month', '2026-13'], /invalid --month "2026-13": expected a month YYYY-MM/],
    [
      ['report', 'monthly', '--month', '2026-03', '--date', '2026-03-01'],
      /give either --month or --date, not both/,
    ],
    [
      ['report', 'weekly', '--format', 'pdf'],
      /--format must be one or more of csv, html \(comma-separated\), got pdf/,
    ],
    [['report', 'daily', '--date', day, '--send'], /sending email needs RECON_REPORT_SENDER/],
  ])('%j is a usage error naming what is wrong', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(message);
  });

  it('fails clearly for a date without any run', async () => {
    const r = await run(['report', 'daily', '--date', '2025-01-01']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toMatch(/no pipeline run and no reconciliation result for business date 2025-01-01/);
  });

  it('--send needs the wecom-warning webhook for the daily report', async () => {
    const r = await run(['report', 'daily', '--date', day, '--send'], {
      RECON_REPORT_SENDER: 'recon@example.com',
    });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('RECON_WECOM_WARNING_WEBHOOK');
  });

  it('--send posts the markdown to WeCom and emails the report with its CSV files through SES', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-42' });
    const env = {
      RECON_REPORT_SENDER: 'Recon <recon@example.com>',
      RECON_WECOM_WARNING_WEBHOOK: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=warn-KEY`,
      RECON_EMAIL_RECIPIENTS: 'finance-ops@example.com; cfo@example.com',
      RECON_DASHBOARD_URL: 'https://grafana.example.com/d/recon-exec',
    };
    const r = await run(['report', 'daily', '--date', day, '--send'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toBe(
      `Sent the daily report ${day}: WeCom wecom-warning (1 attempt); email to finance-ops@example.com, cfo@example.com (SES message ses-42)\n`,
    );
    expect(posted).toHaveLength(1);
    const body = JSON.parse(posted[0]!.body) as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain(`Daily Revenue Reconciliation Report — ${day}`);
    expect(body.markdown.content).toContain('Dashboard: [https://grafana.example.com/d/recon-exec]');
    const [call] = ses.commandCalls(SendEmailCommand);
    const input = call!.args[0].input;
    expect(input.Destination?.ToAddresses).toEqual(['finance-ops@example.com', 'cfo@example.com']);
    const raw = Buffer.from(input.Content!.Raw!.Data!).toString('utf8');
    expect(raw).toMatch(new RegExp(`filename=daily-${day}-summary\\.csv`));
    expect(raw).toMatch(new RegExp(`filename=daily-${day}-anomalies\\.csv`));
  });

  it('--send emails the monthly PDF', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-43' });
    const r = await run(['report', 'monthly', '--month', '2026-03', '--send'], {
      RECON_REPORT_SENDER: 'recon@example.com',
    });
    expect(r.code).toBe(EXIT.OK);
    expect(posted).toHaveLength(0);
    const raw = Buffer.from(
      ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Raw!.Data!,
    ).toString();
    expect(raw).toContain('Content-Type: application/pdf; name=monthly-2026-03.pdf');
  });
});

describe('recon alerts', () => {
  const webhooks = () => ({
    RECON_WECOM_CRITICAL_WEBHOOK: `http://127.0.0.1:${port}/critical?key=crit-KEY`,
    RECON_WECOM_WARNING_WEBHOOK: `http://127.0.0.1:${port}/warning?key=warn-KEY`,
  });

  it('dry run: shows every rule and sends nothing', async () => {
    const r = await run(['alerts', '--date', day]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(new RegExp(`^Run \\S+ for ${day}: SUCCEEDED`));
    for (const rule of [
      'L1_MATCH_RATE_CRITICAL',
      'PIPELINE_SLA_WARNING',
      'CRITICAL_ANOMALIES',
      'DEAD_LETTERS',
    ]) {
      expect(r.out).toContain(rule);
    }
    expect(r.out).toContain('Dry run: nothing sent; add --send to deliver.');
    expect(posted).toHaveLength(0);
  });

  it('--send delivers the raised alerts once; a second --send sends nothing', async () => {
    const dry = await run(['alerts', '--date', day, '--json']);
    const evaluation = JSON.parse(dry.out) as {
      runId: string;
      evaluated: { rule: string; level: string; raised: boolean }[];
    };
    const levels = new Set(evaluation.evaluated.filter((e) => e.raised).map((e) => e.level));
    expect(levels.size).toBeGreaterThan(0);

    const first = await run(['alerts', '--run', evaluation.runId, '--send'], webhooks());
    expect(first.err).toBe('');
    expect(first.code).toBe(EXIT.OK);
    expect(posted.map((p) => p.path.split('?')[0]).sort()).toEqual([...levels].map((l) => `/${l}`).sort());
    expect(first.out).toMatch(/wecom-(critical|warning): SENT/);

    posted.length = 0;
    const second = await run(['alerts', '--run', evaluation.runId, '--send'], webhooks());
    expect(second.code).toBe(EXIT.OK);
    expect(posted).toHaveLength(0);
    expect(second.out).toContain('already sent for this run, not sent again');
  });

  it.each([
    [['alerts'], /give either --run <runId> or --date <date>/],
    [['alerts', '--run', 'bad id!'], /--run must be a run id/],
    [['alerts', '--date', '2026-02-30'], /invalid --date "2026-02-30"/],
    // The first day's alerts were never sent (the planted anomalies raise CRITICAL_ANOMALIES).
    [['alerts', '--date', gen.dates[0]!, '--send'], /--send needs RECON_WECOM_CRITICAL_WEBHOOK/],
  ])('%j is a usage error naming what is wrong', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(message);
  });

  it('an unknown run fails naming it', async () => {
    const r = await run(['alerts', '--run', 'no-such-run']);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toMatch(/run no-such-run is not recorded/);
  });
});

describe('the report function (scheduled reports)', () => {
  let app: Awaited<ReturnType<typeof openApp>>;
  const webhook = () => `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=warn-KEY`;
  /** The local runtime with the given webhooks and recipients. */
  const runtime = (webhooks: { warning?: string }, emailRecipients = 'finance-ops@example.com'): Runtime => ({
    ...app.runtime,
    settings: { ...app.runtime.settings, emailRecipients },
    webhooks: async () => webhooks,
  });
  const sent = () =>
    ses
      .commandCalls(SendEmailCommand)
      .map((c) => Buffer.from(c.args[0].input.Content!.Raw!.Data!).toString('utf8'));

  beforeAll(async () => {
    app = await openApp({ env: { RECON_HOME: home } });
    process.env.RECON_REPORT_SENDER = 'Recon <recon@example.com>';
    process.env.RECON_DASHBOARD_URL = 'https://grafana.example.com/d/recon-exec-overview';
  });
  afterAll(async () => {
    delete process.env.RECON_REPORT_SENDER;
    delete process.env.RECON_DASHBOARD_URL;
    await app.close();
  });

  it('daily at 08:00 UTC: the previous business date to WeCom wecom-warning and by email', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-daily' });
    // 2026-04-01 08:00 UTC is 04:00 in New York: the report covers 2026-03-31.
    const outcome = await sendReport.task(runtime({ warning: webhook() }), {
      kind: 'daily',
      scheduledTime: '2026-04-01T08:00:00Z',
    });
    expect(outcome).toEqual({
      kind: 'daily',
      period: day,
      delivered: {
        wecom: { attempts: 1 },
        email: { messageId: 'ses-daily', to: ['finance-ops@example.com'] },
      },
    });
    expect(posted).toHaveLength(1);
    expect(posted[0]!.path).toBe('/cgi-bin/webhook/send?key=warn-KEY');
    const content = (JSON.parse(posted[0]!.body) as { markdown: { content: string } }).markdown.content;
    expect(content).toContain(`Daily Revenue Reconciliation Report — ${day}`);
    expect(content).toContain('https://grafana.example.com/d/recon-exec-overview');
    const [raw] = sent();
    expect(raw).toContain('From: Recon <recon@example.com>');
    expect(raw).toMatch(new RegExp(`filename=daily-${day}-summary\\.csv`));
  });

  it('weekly on Monday 09:00 UTC: the 4-week CSV by email only', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-weekly' });
    const outcome = await sendReport.task(runtime({ warning: webhook() }), {
      kind: 'weekly',
      scheduledTime: '2026-04-06T09:00:00Z',
    });
    expect(outcome).toMatchObject({ kind: 'weekly', delivered: { email: { messageId: 'ses-weekly' } } });
    expect(posted).toHaveLength(0);
    expect(sent()[0]).toContain('filename=weekly-2026-03-30.csv');
  });

  it("monthly: last month's PDF on the 2nd business day, nothing on the other mornings", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-monthly' });
    const skipped = await sendReport.task(runtime({}), {
      kind: 'monthly',
      scheduledTime: '2026-04-01T09:00:00Z',
    });
    expect(skipped).toEqual({
      kind: 'monthly',
      skipped: '2026-04-01 is not business day 2 of its month (2026-04-02 is)',
    });
    expect(sent()).toHaveLength(0);
    const outcome = await sendReport.task(runtime({}), {
      kind: 'monthly',
      scheduledTime: '2026-04-02T09:00:00Z',
    });
    expect(outcome).toMatchObject({ kind: 'monthly', period: '2026-03' });
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toContain('Content-Type: application/pdf; name=monthly-2026-03.pdf');
    expect(posted).toHaveLength(0);
  });

  it('a missing WeCom webhook does not stop the email; the call then fails naming the parameter', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-partial' });
    const attempt = sendReport.task(runtime({}), { kind: 'daily', date: day });
    await expect(attempt).rejects.toThrow(NotifyConfigError);
    await expect(sendReport.task(runtime({}), { kind: 'daily', date: day })).rejects.toThrow(
      `the daily report ${day} was delivered only by email; not configured: WeCom: the wecom-warning webhook is not configured (SecureString parameter alerting/wecom_warning_webhook under the stage's parameter root)`,
    );
    expect(sent()).toHaveLength(2);
  });

  it('with no channel configured it fails before reading the warehouse', async () => {
    const rt = runtime({}, '');
    const warehouse = { ...rt.warehouse, query: () => Promise.reject(new Error('read the warehouse')) };
    await expect(
      sendReport.task({ ...rt, warehouse: warehouse as Runtime['warehouse'] }, { kind: 'weekly', date: day }),
    ).rejects.toThrow(
      /the weekly report cannot be sent anywhere: email: setting emailRecipients holds no email address/,
    );
    expect(sent()).toHaveLength(0);
  });

  it('refuses a malformed event or a missing sender, naming what is wrong', async () => {
    await expect(sendReport.task(runtime({}), { kind: 'daily', date: '2026-02-30' })).rejects.toThrow(
      'invalid report event: date: must be a calendar date YYYY-MM-DD',
    );
    delete process.env.RECON_REPORT_SENDER;
    try {
      await expect(sendReport.task(runtime({}), { kind: 'daily', date: day })).rejects.toThrow(
        /sending email needs RECON_REPORT_SENDER/,
      );
    } finally {
      process.env.RECON_REPORT_SENDER = 'Recon <recon@example.com>';
    }
    expect(sent()).toHaveLength(0);
  });
});
