/**
 * docs/operations.md: every command in it is tested.
 *
 * The runbook's fenced blocks are read with the convention of ./support/operations-doc.ts and run
 * for real, in the order of the document, on a warehouse this test prepares (`recon demo` for
 * business dates 2026-11-19 and 2026-11-20 in a temporary RECON_HOME, embedded PGlite):
 * - every `recon …` line through the CLI's own main(), with the settings the line gives, checking
 *   the exit code the document states and that it prints what that command prints;
 * - `recon aws …` lines the same way against a simulated Step Functions and the stage's
 *   CloudFormation stack (aws-sdk-client-mock), so a renamed command or option fails here;
 * - `--send` lines against a local stand-in WeCom webhook and a mocked SES client;
 * - every SQL statement on the warehouse (read-only, Redshift-compatible constructs only);
 * - every JSON block as a `recon.config.json` through the settings loader.
 * It also checks that the prose names only real commands and options, that the settings table
 * gives each setting's real environment variable, SSM parameter and default, and that the exit
 * codes are the CLI's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudFormationClient,
  FakeStepFunctions,
  mockPipelineStack,
  pipelineHistory,
  virtualClock,
} from '../packages/core/src/aws/test-support.ts';
import type { AwsIo } from '../packages/core/src/cli/aws.ts';
import { buildProgram, EXIT, main } from '../packages/core/src/cli/main.ts';
import { envNameOf, loadSettings, SETTING_KEYS, settingsSchema } from '../packages/core/src/settings.ts';
import { holdRunLease } from '../packages/core/src/pipeline/lease.ts';
import { openWarehouse } from '../packages/core/src/warehouse/connect.ts';
import { codeOnly, splitStatements } from '../packages/sql/index.ts';
import { PARAMETER_GROUPS, snakeCaseOf } from '../stacks/Params.ts';
import { io } from './support/cli-io.ts';
import {
  type DocCommand,
  type DocItem,
  inlineReconSpans,
  parseRunbook,
  type Placeholder,
  PLACEHOLDERS,
  resolveCommand,
} from './support/operations-doc.ts';

const DOC = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
const { items, prose, problems } = parseRunbook(DOC);
const commands = items.filter((i): i is DocCommand => i.kind === 'command');

/** The stage the runbook's AWS examples use, and the failed execution `<execution>` stands for. */
const STAGE = 'prod';
const FAILED_EXECUTION = '20261120-0a1b2c3d';
/** The run `<run>` stands for: one that died holding 2026-11-20 (§2.5), its lease still live. */
const DEAD_RUN = '20261120-deadbeef';

/** The demo's business dates (the runbook's examples use them). */
const DEMO = ['demo', '--days', '2', '--orders-per-day', '100', '--start', '2026-11-19', '--seed', '7'];

interface Ran {
  code: number;
  out: string;
  err: string;
}

/**
 * What each command prints when it succeeds (stdout); `--json` output is checked as JSON instead.
 * Every command the runbook uses must be here, and everything here must be used.
 */
const PRINTS: Record<string, RegExp> = {
  run: /│ L1\s+│[\s\S]*DQ-01/,
  backfill: /^Backfill bf-[0-9a-f]{8}: \S+ … \S+ complete/m,
  dq: /^Data quality of \d{4}-\d{2}-\d{2} \(as of /,
  migrate: /^Applied \d+ migration\(s\)[\s\S]*Already applied: \d+/,
  alerts: /^Run \S+ for \d{4}-\d{2}-\d{2}: (SUCCEEDED|FAILED|FAILED_DQ)\n/,
  dashboard: /^\S+\.html\n$/,
  'anomalies list': /\d+ anomal(y|ies), \d+ past SLA\n$|^No anomalies match\.\n$/,
  'anomalies show': /│ anomaly\s+│ ANO-0\d:[\s\S]*Source rows[\s\S]*History:/,
  'anomalies assign': /^ANO-0\d:\S+: assigned to \S+ by \S+ \((OPEN|INVESTIGATING)\)\n$/,
  'anomalies investigate': /^ANO-0\d:\S+: OPEN → INVESTIGATING by \S+\n$/,
  'anomalies resolve': /^ANO-0\d:\S+: (OPEN|INVESTIGATING) → RESOLVED by \S+\n$/,
  'anomalies false-positive': /^ANO-0\d:\S+: (OPEN|INVESTIGATING) → FALSE_POSITIVE by \S+\n$/,
  'anomalies reopen': /^ANO-0\d:\S+: \w+ → OPEN by \S+\n$/,
  'report daily': /^(Wrote|Sent) the daily report 2026-11-20/,
  'report weekly': /^Wrote the weekly report \S+ … \S+:\n {2}\S+weekly-\S+\.csv/,
  'report monthly': /^Wrote the monthly report 2026-11:\n {2}\S+monthly-2026-11\.pdf/,
  'aws run': /^Execution \d{8}-[0-9a-f]{8} \(2026-11-20, stage prod\): SUCCEEDED/,
  'aws backfill': /Backfill \S+ … \S+ on stage prod: (\d+)\/\1 date\(s\) succeeded/,
  'aws executions': /name\s+│ recon date │ status/,
  'aws redrive': /^Redriven execution \S+ \(\d{4}-\d{2}-\d{2}, stage prod\): SUCCEEDED/,
  runs: /│ run\s+│ date\s+│ status[\s\S]*│ SUCCEEDED|^No run recorded\.\n$/,
  'dead-letters': /row\(s\) dead-lettered for 2026-11-20|^No row was dead-lettered for 2026-11-20\.\n$/,
  'lease list':
    /business date[\s\S]*2026-11-20 +│? *20261120-deadbeef[\s\S]* held|^No business date is being reconciled\.\n$/,
  'lease release': /^Released business date 2026-11-20 from run 20261120-deadbeef \(held since /,
};

/**
 * What the runbook says particular lines show, checked on top of {@link PRINTS}. Each line must
 * still be in the runbook (edit both together).
 */
const CLAIMS: Record<string, (r: Ran) => void> = {
  'RECON_DQ_ROW_COUNT_FAIL_PCT=10 recon dq --date 2026-11-20  # exit 3': (r) => {
    expect(r.out).toMatch(/DQ-01\s+│ stg_recon_\w+\s+│ FAIL /);
    expect(r.err).toMatch(/check\(s\) FAIL: DQ-01 on stg_recon_/);
  },
  'RECON_L1_MATCH_RATE_WARNING=99 recon alerts --date 2026-11-20': (r) => {
    expect(r.out).toMatch(/│ L1_MATCH_RATE_WARNING\s+│ warning\s+│ yes\s+│/);
    expect(r.out).toMatch(/Dry run: nothing sent/);
  },
  'recon run --date 2026-11-20  # exit 1': (r) => {
    expect(r.err).toMatch(
      /^error: run refused: business date 2026-11-20 is being reconciled by run 20261120-deadbeef \(since /m,
    );
  },
  'recon anomalies investigate <id>  # exit 2': (r) => {
    expect(r.err).toMatch(/^error: ANO-0\d:\S+ is RESOLVED; allowed: reopen\n$/);
  },
  'recon dashboard --days 30': (r) => {
    expect(r.err).toMatch(/^Dashboard of business dates \S+ – 2026-11-20: \d+ day\(s\) with results/);
  },
  'recon report daily --date 2026-11-20 --send': (r) => {
    expect(r.out).toMatch(/WeCom wecom-warning \(1 attempt\); email to finance-ops@/);
  },
};

/** Constructs the runbook's SQL must not use: the Redshift query editor would refuse them. */
const NOT_ON_REDSHIFT: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /::/, why: 'write CAST(x AS t), not x::t' },
  { pattern: /\bNOW\s*\(|\bCURRENT_TIMESTAMP\b/i, why: 'leader-node only on Redshift; use GETDATE()' },
  { pattern: /\bON\s+CONFLICT\b|\bRETURNING\b|\bDISTINCT\s+ON\b/i, why: 'PostgreSQL only' },
  { pattern: /\bFILTER\s*\(\s*WHERE\b|->>?|\bLATERAL\b|\bILIKE\s+ANY\b/i, why: 'PostgreSQL only' },
];

// ---------------------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'recon-operations-doc-'));
const configFile = join(root, 'recon.config.json');
const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
const ses = mockClient(SESv2Client);
const clock = virtualClock(Date.parse('2026-11-21T12:00:00Z'));
const posted: string[] = [];
let server: Server;
let env: NodeJS.ProcessEnv = {};
const values = new Map<Placeholder, string>();

/** The program, for resolving a line's command (its options are never run from here). */
const program = buildProgram(io(), () => {});

function pathOf(argv: readonly string[]): string {
  return resolveCommand(program, argv).path.join(' ');
}

async function recon(argv: string[], extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const x: AwsIo & { stdout: () => string; stderr: () => string } = Object.assign(io({ ...env, ...extra }), {
    aws: { clock },
  });
  const code = await main(argv, x);
  return { code, out: x.stdout(), err: x.stderr() };
}

/** The value of a placeholder: two open CRITICAL anomalies of the demo, the failed execution. */
async function valueOf(p: Placeholder): Promise<string> {
  if (!values.has('<id>')) {
    const r = await recon(['anomalies', 'list', '--severity', 'CRITICAL', '--status', 'OPEN', '--json']);
    const ids = (JSON.parse(r.out) as { anomaly_id: string }[]).map((a) => a.anomaly_id);
    expect(ids.length, 'the demo has two open CRITICAL anomalies').toBeGreaterThanOrEqual(2);
    values.set('<id>', ids[0]!);
    values.set('<other-id>', ids[1]!);
    values.set('<execution>', FAILED_EXECUTION);
    values.set('<run>', DEAD_RUN);
  }
  return values.get(p)!;
}

async function fill(text: string): Promise<string> {
  let out = text;
  for (const p of PLACEHOLDERS) {
    if (out.includes(p)) out = out.replaceAll(p, await valueOf(p));
  }
  return out;
}

/** Whether the dead run of §2.5 holds its date yet (it dies just before the runbook lists leases). */
let deadRunHolds = false;

async function runCommand(c: DocCommand): Promise<void> {
  const argv = await Promise.all(c.argv.map((w) => fill(w)));
  if (pathOf(argv) === 'lease list' && !deadRunHolds) {
    const wh = await openWarehouse(env.RECON_WAREHOUSE_URL, { home: env.RECON_HOME! });
    try {
      await holdRunLease(wh, { runId: DEAD_RUN, reconDate: '2026-11-20' }, 60);
    } finally {
      await wh.close();
    }
    deadRunHolds = true;
  }
  const r = await recon(argv, c.env);
  const where = `line ${c.line}: ${c.text}\nstdout:\n${r.out}\nstderr:\n${r.err}`;
  expect(r.code, where).toBe(c.exit);
  if (c.exit !== EXIT.OK) expect(r.err, where).toMatch(/^error: |check\(s\) FAIL|halted by data quality/m);
  else if (argv.includes('--json')) expect(() => JSON.parse(r.out) as unknown, where).not.toThrow();
  if (c.exit === EXIT.OK || pathOf(argv) === 'dq') {
    if (!argv.includes('--json')) expect(r.out, where).toMatch(PRINTS[pathOf(argv)]!);
  }
  CLAIMS[c.text]?.(r);
}

async function runSql(text: string, line: number): Promise<void> {
  const statements = splitStatements(await fill(text));
  expect(statements.length, `line ${line}`).toBeGreaterThan(0);
  const wh = await openWarehouse(env.RECON_WAREHOUSE_URL, { home: env.RECON_HOME! });
  try {
    for (const sql of statements) {
      const code = codeOnly(sql);
      expect(code.trimStart(), `line ${line}: the runbook's SQL only reads`).toMatch(/^(SELECT|WITH)\b/i);
      for (const rule of NOT_ON_REDSHIFT) expect(code, `line ${line}: ${rule.why}`).not.toMatch(rule.pattern);
      const rows = await wh.query(sql);
      expect(Array.isArray(rows), `line ${line}`).toBe(true);
    }
  } finally {
    await wh.close();
  }
}

function runJson(text: string, line: number): void {
  const value = JSON.parse(text) as unknown;
  const file = join(root, `config-${line}.json`);
  writeFileSync(file, text);
  const settings = loadSettings({ env: { RECON_CONFIG: file } });
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    expect(String(settings[key as keyof typeof settings]), `line ${line}: ${key}`).toBe(String(v));
  }
}

function titleOf(item: DocItem): string {
  const text = item.kind === 'command' ? item.text : item.text.split('\n')[0]!;
  return `line ${item.line} (${item.kind}): ${text}`;
}

beforeAll(async () => {
  writeFileSync(configFile, '{}\n');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posted.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const webhook = (key: string) => `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${key}`;

  // Step Functions and the stage's stack: new executions succeed; one failed execution to redrive.
  mockPipelineStack(cfn, STAGE);
  const fake = new FakeStepFunctions(sfn, clock, () => {
    const h = pipelineHistory('SUCCEEDED');
    return { polls: 3, status: h.status, events: h.events };
  });
  const failed = pipelineHistory('FAILED');
  fake.add(
    FAILED_EXECUTION,
    { runId: FAILED_EXECUTION, reconDate: '2026-11-20' },
    { polls: 1, status: failed.status, events: failed.events, error: failed.error!, cause: failed.cause! },
    'FAILED',
  );
  ses.on(SendEmailCommand).resolves({ MessageId: 'operations-doc-1' });

  const base = { RECON_HOME: root, RECON_CONFIG: configFile };
  const d = io(base);
  const code = await main(DEMO, d);
  expect(code, d.stderr()).toBe(EXIT.OK);
  env = {
    ...base,
    RECON_HOME: join(root, 'demo'),
    RECON_WECOM_CRITICAL_WEBHOOK: webhook('critical'),
    RECON_WECOM_WARNING_WEBHOOK: webhook('warning'),
    RECON_REPORT_SENDER: 'Revenue Reconciliation <recon@example.com>',
  };
});

afterAll(async () => {
  sfn.restore();
  cfn.restore();
  ses.restore();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('docs/operations.md: its shape', () => {
  it('has only sh, sql and json blocks, and every sh line is a recon command (or a comment)', () => {
    expect(problems).toEqual([]);
    expect(commands.length).toBeGreaterThan(20);
    expect(items.filter((i) => i.kind === 'sql').length).toBeGreaterThan(5);
  });

  it('refuses what does not follow the convention (the parser itself works)', () => {
    const planted = [
      'aws ssm put-parameter --name /recon/thresholds/l1_amount_tolerance --value 0.02',
      'npx recon run --date 2026-11-20',
      'recon run --date 2026-11-20 | tee run.txt',
      'recon run --date $DATE',
      'recon anomalies show <anomaly>',
      'recon run --date 2026-11-20 \\',
      'recon dq --date 2026-11-20  # may exit 3',
      'FOO=1 recon dq --date 2026-11-20',
      'recon',
    ];
    for (const line of planted) {
      const doc = `\`\`\`sh\n${line}\n\`\`\`\n`;
      expect(parseRunbook(doc).problems, line).toHaveLength(1);
    }
    expect(parseRunbook('```bash\nrecon dq --date 2026-11-20\n```\n').problems).toHaveLength(1);
    expect(parseRunbook('```\nrecon dq --date 2026-11-20\n```\n').problems).toHaveLength(1);
    expect(parseRunbook("```sql\nSELECT '<anomaly>'\n```\n").problems).toHaveLength(1);
    const ok = parseRunbook('```sh\nRECON_X=1 recon anomalies resolve <id> --note "a; b"  # exit 2\n```\n');
    expect(ok.problems).toEqual([]);
    expect(ok.items).toEqual([
      {
        kind: 'command',
        line: 2,
        text: 'RECON_X=1 recon anomalies resolve <id> --note "a; b"  # exit 2',
        env: { RECON_X: '1' },
        argv: ['anomalies', 'resolve', '<id>', '--note', 'a; b'],
        exit: 2,
      },
    ]);
  });

  it('uses only commands this test knows what they print, and each of them', () => {
    const used = new Set(commands.map((c) => pathOf(c.argv)));
    for (const c of commands) {
      const { path, command, unknownOptions } = resolveCommand(program, c.argv);
      expect(unknownOptions, `line ${c.line}`).toEqual([]);
      expect(command.commands, `line ${c.line}: ${c.text} is a whole command`).toEqual([]);
      expect(Object.keys(PRINTS), `line ${c.line}: what does "recon ${path.join(' ')}" print?`).toContain(
        path.join(' '),
      );
    }
    expect([...used].sort()).toEqual(Object.keys(PRINTS).sort());
    for (const line of Object.keys(CLAIMS)) expect(commands.map((c) => c.text)).toContain(line);
  });

  it('names only real commands and options in its prose', () => {
    const spans = inlineReconSpans(prose);
    expect(spans.length).toBeGreaterThan(10);
    for (const span of spans) {
      const words = span.split(' ').slice(1);
      const { path, command, unknownOptions } = resolveCommand(program, words);
      expect(path.length, span).toBeGreaterThan(0);
      expect(words.slice(0, path.length), `${span}: a command (or a group, \`recon aws\`)`).toEqual(path);
      expect(unknownOptions, span).toEqual([]);
      if (command.commands.length > 0) {
        const rest = words.slice(path.length).filter((w) => !w.startsWith('-'));
        expect(rest, `${span}: no such command`).toEqual([]);
      }
    }
  });

  it("gives each tuned setting's real environment variable, SSM parameter and default", () => {
    const defaults = settingsSchema.parse({});
    const rows = [...DOC.matchAll(/^\| `(\w+)`\s+\| `(RECON_\w+)`\s+\| `([^`]+)`\s+\| ([^|]+?)\s+\|/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(25);
    for (const [, key, envName, parameter, value] of rows) {
      expect(SETTING_KEYS, key).toContain(key);
      const k = key as keyof typeof defaults;
      expect(envName, key).toBe(envNameOf(k));
      expect(parameter, key).toBe(`/recon/${PARAMETER_GROUPS[k]}/${snakeCaseOf(k)}`);
      expect(value, key).toBe(String(defaults[k]));
    }
  });

  it("states the CLI's exit codes, and no path of a particular machine", () => {
    const table = [...DOC.matchAll(/^\| (\d)\s+\| /gm)].map((m) => Number(m[1]));
    expect(table).toEqual(Object.values(EXIT).sort());
    expect(DOC).not.toMatch(/\/(tmp|work|home|Users|root)\/|[A-Z]:\\/);
  });
});

describe('docs/operations.md: every command and query, in order', () => {
  for (const item of items) {
    it(titleOf(item), async () => {
      if (item.kind === 'command') await runCommand(item);
      else if (item.kind === 'sql') await runSql(item.text, item.line);
      else runJson(item.text, item.line);
    });
  }

  it("kept each person's triage through the re-runs, and delivered what --send sent", async () => {
    const wh = await openWarehouse(undefined, { home: env.RECON_HOME! });
    try {
      const rows = await wh.query<{ anomaly_id: string; status: string; status_set_by: string }>(
        'SELECT anomaly_id, status, status_set_by FROM recon.dwd_recon_anomalies WHERE anomaly_id IN ($1, $2) ORDER BY anomaly_id',
        [await valueOf('<id>'), await valueOf('<other-id>')],
      );
      const byId = new Map(rows.map((r) => [r.anomaly_id, r]));
      expect(byId.get(await valueOf('<id>'))).toMatchObject({ status: 'OPEN', status_set_by: 'PERSON' });
      expect(byId.get(await valueOf('<other-id>'))).toMatchObject({
        status: 'FALSE_POSITIVE',
        status_set_by: 'PERSON',
      });
    } finally {
      await wh.close();
    }
    expect(posted.some((b) => b.includes('Daily Revenue Reconciliation Report — 2026-11-20'))).toBe(true);
    expect(ses.commandCalls(SendEmailCommand).length).toBeGreaterThanOrEqual(1);
  });
});
