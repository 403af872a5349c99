/**
 * Secrets never reach the Lambda logs (issue: reliability and security). The real handler modules
 * (PlanExtraction, ExtractPartition, RecordFailure, SendAlerts) run over {@link createAwsRuntime}
 * with Secrets Manager, SSM Parameter Store and Step Functions mocked: RDS-format secrets point at
 * the real local MariaDB (a user with a known password, then a wrong password and a refused port),
 * the SecureString webhooks point at a local hostile server that answers with their URL, and the
 * warehouse is a real PostgreSQL database reached with a known password (then a wrong one). Every
 * byte written to stdout and stderr (Powertools JSON logs, EMF metrics, console) is captured and
 * searched for each secret in the forms a URL or JSON can carry it; so are the errors the handlers
 * throw (what Step Functions records as Cause), their outputs, what the webhook received and what
 * the warehouse recorded.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestMysqlSources, createTestPgDatabase } from '../../../test/support/databases.ts';
import { createKnownUsers, type KnownUsers } from '../../../test/support/known-users.ts';
import { type App, openApp } from '../../core/src/app.ts';
import { newRunId } from '../../core/src/pipeline/run-id.ts';
import type { Runtime } from '../../core/src/pipeline/runtime.ts';
import type { PartitionResult, Plan } from '../../core/src/pipeline/tasks.ts';
import { SOURCE_IDS, type SourceId } from '../../core/src/sources/spec.ts';
import { generate } from '../../core/src/synthetic/generator.ts';
import { writeToSinks } from '../../core/src/synthetic/sinks.ts';
import { toIso } from '../../core/src/time.ts';
import { PostgresWarehouse } from '../../core/src/warehouse/postgres.ts';
import { WarehouseWatermarkStore } from '../../core/src/warehouse/watermarks.ts';
import { createAwsRuntime, SOURCE_SECRET_ENV } from './aws-runtime.ts';
import { handler as extractPartition } from './extract-partition.ts';
import { handler as planExtraction } from './plan-extraction.ts';
import { handler as recordFailure } from './record-failure.ts';
import { handler as sendAlerts } from './send-alerts.ts';

/** The runtime the handler modules get from `awsRuntime()`: a {@link createAwsRuntime} chosen per test. */
const seam = vi.hoisted(() => ({ runtime: undefined as (() => Promise<unknown>) | undefined }));
vi.mock('./aws-runtime.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  awsRuntime: () => {
    if (!seam.runtime) throw new Error('test runtime not set');
    return seam.runtime();
  },
}));

/*
 * The SDK packages are typed against other @smithy versions than aws-sdk-client-mock (see
 * aws-runtime.test.ts); the runtime contract is the same, so the stubs are typed loosely here.
 */
type Stub = AwsStub<object, MetadataBearer, unknown>;
/** A command class, as the loosely typed stubs take it. */
const command = (c: unknown) => c as Parameters<Stub['on']>[0];
const ssm = mockClient(SSMClient as never) as unknown as Stub;
const sm = mockClient(SecretsManagerClient as never) as unknown as Stub;
const sfn = mockClient(SFNClient as never) as unknown as Stub;

const tag = randomBytes(4).toString('hex');
// Characters a URL must percent-encode and JSON must escape, so every form is searched.
const MYSQL_PASSWORD = `My-${tag}-p@ss/w0rd:!%`;
const WRONG_MYSQL_PASSWORD = `Wr-${tag}-n@t/th1s:!%"\\`;
const PG_PASSWORD = `Pg-${tag}-s3cr3t@/:!%`;
const WRONG_PG_PASSWORD = `Pw-${tag}-wr0ng@/:!%`;
const CRITICAL_KEY = `ck-${tag}-${randomBytes(16).toString('hex')}`;
const WARNING_KEY = `wk-${tag}-${randomBytes(16).toString('hex')}`;
const MYSQL_USER = `rlog${tag}`;
const PG_USER = `rlog${tag}`;

/** Every form a secret can take in text: as is, URL-encoded, JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

let secrets: string[] = [];

/** Fails naming the secret form and showing where it appeared (with the secret masked). */
function expectNoSecret(text: string, where: string): void {
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      const at = text.indexOf(form);
      if (at >= 0) {
        const context = text
          .slice(Math.max(0, at - 200), at + form.length + 100)
          .split(form)
          .join('<SECRET>');
        expect.fail(`${where} contains a secret (${form.length} chars): …${context}…`);
      }
    }
  }
  // A webhook key cut short is still a leak: no 12-character piece of a key's random part.
  for (const key of [CRITICAL_KEY, WARNING_KEY]) {
    const random = key.slice(key.lastIndexOf('-') + 1);
    for (let i = 0; i + 12 <= random.length; i++) {
      if (text.includes(random.slice(i, i + 12))) expect.fail(`${where} contains part of a webhook key`);
    }
  }
}

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(password);
  return u.toString();
}

// ───────────── capture of everything written ─────────────

/** Everything written during the tests of this file, and during the current test. */
const everything: string[] = [];
let current: string[] = [];
const record = (text: string) => {
  everything.push(text);
  current.push(text);
};
const onWarning = (warning: Error) => record(`${warning.name}: ${warning.message}`);
const realSetTimeout = globalThis.setTimeout;

beforeEach(() => {
  current = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      record(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((a) => typeof a === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write);
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => record(`${format(...args)}\n`));
  }
  process.on('warning', onWarning);
  // The WeCom client's retry backoff (1 s, 2 s, 4 s per message) shortened; nothing else is.
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    fn: () => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const backoff =
      typeof ms === 'number' && ms >= 1000 && /notify[\\/]wecom\.ts/.test(new Error().stack ?? '');
    return Reflect.apply(realSetTimeout, globalThis, [fn, backoff ? 5 : ms, ...args]) as NodeJS.Timeout;
  }) as typeof setTimeout);
  vi.stubEnv('AWS_REGION', 'us-east-1');
});

afterEach(() => {
  process.off('warning', onWarning);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const output = () => current.join('');

/** The JSON log lines of the current test (Powertools writes one JSON document per line). */
function logLines(): Record<string, unknown>[] {
  return output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What Step Functions records as the Cause of a failed Lambda task (the runtime's error JSON). */
function lambdaCause(error: Error): string {
  return JSON.stringify({
    errorType: error.name,
    errorMessage: error.message,
    trace: (error.stack ?? '').split('\n'),
  });
}

/** Invoke `handler`, expecting it to throw; the error, checked for secrets everywhere it carries text. */
async function failing(
  handler: (event: never, context: never) => Promise<unknown>,
  event: unknown,
  where: string,
): Promise<Error> {
  const error = await handler(event as never, context as never).then(
    (out) => new Error(`expected ${where} to fail, got ${JSON.stringify(out)}`),
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  expectNoSecret(lambdaCause(error), `the Cause of ${where}`);
  expectNoSecret(inspect(error, { depth: 6 }), `the error ${where} threw`);
  return error;
}

const context = {
  functionName: 'recon-test-Task',
  functionVersion: '$LATEST',
  awsRequestId: 'req-secrets',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:recon-test-Task',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
};

// ───────────── fixtures ─────────────

const gen = generate({ startDate: '2026-11-09', days: 1, ordersPerDay: 80, seed: 23 });
const date = gen.dates[0]!;
const asOf = toIso(gen.batchEndOf(date));
const runId = newRunId(date);
const executionArn = `arn:aws:states:us-east-1:123456789012:execution:recon-test-pipeline:${runId}`;

const arn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:recon/test/${name}-Ab12Cd`;
/** SecretString of each secret ARN. */
const secretValues = new Map<string, string>();
/** SecureString value of each parameter name. */
const parameterValues = new Map<string, string>();
/** What the webhook server received. */
const received: { url: string; body: string }[] = [];

let app: App;
let dropSources: () => Promise<void>;
let dropWarehouse: () => Promise<void>;
let knownUsers: KnownUsers | undefined;
let databases: Record<SourceId, string>;
let server: Server;
let home: string;
let badWarehouse: PostgresWarehouse;
const runtimes: (() => Promise<Runtime>)[] = [];

/** The RDS-format secret of a source database. */
function rdsSecret(source: SourceId, password: string, port = 3306): string {
  return JSON.stringify({
    engine: 'mysql',
    host: '127.0.0.1',
    port,
    username: MYSQL_USER,
    password,
    dbname: databases[source],
    dbInstanceIdentifier: `recon-${source}`,
  });
}

/** A runtime over the mocked AWS services, whose secret ARNs are `arns` (default: the good ones). */
function awsRuntimeWith(
  arns: Partial<Record<SourceId, string>> = {},
  warehouse?: PostgresWarehouse,
): () => Promise<Runtime> {
  const env: NodeJS.ProcessEnv = {
    RECON_STAGE: 'test',
    RECON_PARAMETERS_MAX_AGE_SECONDS: '0',
    ...Object.fromEntries(SOURCE_IDS.map((s) => [SOURCE_SECRET_ENV[s], arns[s] ?? arn(s)])),
  };
  const wh = warehouse ?? app.warehouse;
  const runtime = createAwsRuntime(env, {
    warehouse: wh,
    watermarks: new WarehouseWatermarkStore(wh),
    staging: app.staging,
  });
  runtimes.push(runtime);
  return runtime;
}

beforeAll(async () => {
  const sources = await createTestMysqlSources('tlog');
  dropSources = sources.drop;
  databases = Object.fromEntries(
    SOURCE_IDS.map((s) => [s, new URL(sources.urls[s]).pathname.slice(1)]),
  ) as Record<SourceId, string>;
  const wh = await createTestPgDatabase('tlog');
  dropWarehouse = wh.drop;

  // A read-only source user and a warehouse role, with known passwords.
  knownUsers = await createKnownUsers({
    mysql: {
      user: MYSQL_USER,
      password: MYSQL_PASSWORD,
      databases: SOURCE_IDS.map((s) => databases[s]),
      privileges: 'SELECT',
    },
    pg: { user: PG_USER, password: PG_PASSWORD },
  });

  // The hostile webhook: a 5xx echoing the URL it was called with (critical), or an errcode whose
  // errmsg quotes it after a WeCom-like hint (warning).
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      received.push({ url, body: Buffer.concat(chunks).toString('utf8') });
      if (url.includes(CRITICAL_KEY)) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error for http://${req.headers.host}${url} (${decodeURIComponent(url)})`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errcode: 93000,
            errmsg: `invalid webhook url, hint: [1763800000_42_${tag}], url ${url}`,
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const criticalUrl = `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${CRITICAL_KEY}`;
  const warningUrl = `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${WARNING_KEY}`;
  parameterValues.set('/recon/alerting/wecom_critical_webhook', criticalUrl);
  parameterValues.set('/recon/alerting/wecom_warning_webhook', warningUrl);

  // The sources' data (written as the admin user) and the migrated warehouse, with file staging.
  home = mkdtempSync(join(tmpdir(), 'recon-logs-'));
  app = await openApp({
    env: {
      RECON_HOME: home,
      RECON_SALESORDER_URL: sources.urls.salesorder,
      RECON_SALESPAYMENT_URL: sources.urls.salespayment,
      RECON_IFIACCOUNTING_URL: sources.urls.ifiaccounting,
      RECON_IUNIFIEDRECONCILE_URL: sources.urls.iunifiedreconcile,
      RECON_WAREHOUSE_URL: withCredentials(wh.url, PG_USER, PG_PASSWORD),
      RECON_STAGING_URL: `file://${join(home, 'staging')}`,
    },
  });
  await writeToSinks(gen, app.sinks());
  badWarehouse = new PostgresWarehouse({
    url: withCredentials(wh.url, PG_USER, WRONG_PG_PASSWORD),
    connectionTimeoutMillis: 5000,
  });

  for (const s of SOURCE_IDS) secretValues.set(arn(s), rdsSecret(s, MYSQL_PASSWORD));
  secretValues.set(arn('salespayment-wrong'), rdsSecret('salespayment', WRONG_MYSQL_PASSWORD));
  secretValues.set(arn('salesorder-refused'), rdsSecret('salesorder', MYSQL_PASSWORD, 1));

  secrets = [
    MYSQL_PASSWORD,
    WRONG_MYSQL_PASSWORD,
    PG_PASSWORD,
    WRONG_PG_PASSWORD,
    CRITICAL_KEY,
    WARNING_KEY,
    criticalUrl,
    warningUrl,
  ];

  ssm.on(command(GetParametersByPathCommand)).callsFake((input: { Path?: string }) => ({
    // The stage's whole path, the SecureString webhooks included (they are not settings).
    Parameters: [
      { Name: `${input.Path}thresholds/pipeline_sla_warning_min`, Type: 'String', Value: '5' },
      ...[...parameterValues].map(([Name, Value]) => ({ Name, Type: 'SecureString', Value })),
    ],
  }));
  ssm.on(command(GetParameterCommand)).callsFake((input: { Name: string }) => {
    const Value = parameterValues.get(input.Name);
    if (Value === undefined)
      throw Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' });
    return { Parameter: { Name: input.Name, Type: 'SecureString', Value, Version: 1 } };
  });
  sm.on(command(GetSecretValueCommand)).callsFake((input: { SecretId: string }) => {
    const SecretString = secretValues.get(input.SecretId);
    if (SecretString === undefined) {
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      });
    }
    return { ARN: input.SecretId, Name: input.SecretId, SecretString, VersionId: 'v1' };
  });
  sfn.on(command(GetExecutionHistoryCommand)).callsFake(() => ({ events: [] }));
}, 120_000);

afterAll(async () => {
  const closing: Promise<unknown>[] = [];
  for (const runtime of runtimes) {
    const rt = await runtime().catch(() => undefined);
    if (!rt) continue;
    for (const s of SOURCE_IDS)
      closing.push(
        rt
          .reader(s)
          .close()
          .catch(() => undefined),
      );
    closing.push(rm(rt.tmpDir, { recursive: true, force: true }));
  }
  await Promise.all(closing);
  await badWarehouse?.close().catch(() => undefined);
  await app?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dropWarehouse?.();
  await dropSources?.();
  await knownUsers?.drop();
  if (home) await rm(home, { recursive: true, force: true });
  ssm.restore();
  sm.restore();
  sfn.restore();
}, 60_000);

// ───────────── the tests ─────────────

const runInput = { runId, reconDate: date, asOf, executionArn };
let plan: Plan;
let sourceError: Error;

/** The planned partitions of `source`, the newest (nearest the as-of) first. */
const partitionsOf = (source: SourceId) => plan.partitions.filter((p) => p.source === source).reverse();

describe('secrets in the Lambda logs', () => {
  it('planning and extracting with the right credentials log successes and no secret', async () => {
    seam.runtime = awsRuntimeWith();
    plan = (await planExtraction(runInput as never, context as never)) as Plan;
    expect(plan.partitions.length).toBeGreaterThan(0);
    for (const source of SOURCE_IDS) {
      let rows = 0;
      for (const partition of partitionsOf(source).slice(0, 6)) {
        const event = { runId, reconDate: date, executionArn, partition };
        const result = (await extractPartition(event as never, context as never)) as PartitionResult;
        expectNoSecret(JSON.stringify(result), 'an ExtractPartition output');
        rows += result.rowsRead;
        if (rows > 0) break;
      }
      expect(rows, `rows read from ${source}`).toBeGreaterThan(0);
    }
    const out = output();
    expect(out).toContain('"PlanExtraction finished"');
    expect(out).toContain('"ExtractPartition finished"');
    expect(out).toContain('RecordsExtracted'); // the EMF metrics are captured too
    expect(logLines().some((l) => l.level === 'ERROR')).toBe(false);
    expectNoSecret(out, 'the output of the successful tasks');
  });

  it('a wrong source password and a refused port fail naming the source, never the password', async () => {
    seam.runtime = awsRuntimeWith({
      salespayment: arn('salespayment-wrong'),
      salesorder: arn('salesorder-refused'),
    });
    const [payment] = partitionsOf('salespayment');
    sourceError = await failing(
      extractPartition,
      { runId, reconDate: date, executionArn, partition: payment },
      'ExtractPartition (wrong password)',
    );
    expect(sourceError.name).toMatch(/^Source(Query|Connection)Error$/);
    expect(sourceError.message).toContain('salespayment');
    expect(sourceError.message).toMatch(/Access denied/);

    const [order] = partitionsOf('salesorder');
    const refused = await failing(
      extractPartition,
      { runId, reconDate: date, executionArn, partition: order },
      'ExtractPartition (refused)',
    );
    expect(refused.name).toBe('SourceConnectionError');
    expect(refused.message).toContain('salesorder');

    const errors = logLines().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => l.message)).toEqual(['ExtractPartition failed', 'ExtractPartition failed']);
    expect(errors.map((l) => (l.error as { name: string }).name)).toEqual([sourceError.name, refused.name]);
    expectNoSecret(output(), 'the output of the failed extractions');
  });

  it('the failure recorder and SendAlerts post to a hostile webhook without logging its URL', async () => {
    seam.runtime = awsRuntimeWith();
    received.length = 0;
    const event = {
      version: '0',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: {
        executionArn,
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:recon-test-pipeline',
        name: runId,
        status: 'FAILED',
        startDate: Date.now() - 10 * 60_000,
        input: JSON.stringify({ runId, reconDate: date, asOf }),
        error: sourceError.name,
        cause: lambdaCause(sourceError),
      },
    };
    const recorded = (await recordFailure(event as never, context as never)) as Record<string, unknown>;
    expect(recorded).toMatchObject({ pipelineFailed: true, recorded: true, runId });
    expectNoSecret(JSON.stringify(recorded), 'the RecordFailure output');

    const alerts = (await sendAlerts(runInput as never, context as never)) as Record<string, unknown>;
    // PIPELINE_FAILED (critical) and PIPELINE_SLA_WARNING (warning, over the 5 minutes set in SSM).
    expect(alerts).toMatchObject({ raised: 2, sent: 0, failed: 2 });
    expectNoSecret(JSON.stringify(alerts), 'the SendAlerts output');

    // Both webhooks were really called (4 attempts per message, twice) and answered with their URL.
    expect(received.filter((r) => r.url.includes(CRITICAL_KEY))).toHaveLength(8);
    expect(received.filter((r) => r.url.includes(WARNING_KEY))).toHaveLength(8);
    expectNoSecret(received.map((r) => r.body).join('\n'), 'the messages posted to WeCom');
    const log = await app.warehouse.query<Record<string, unknown>>(
      'SELECT alert_rule, channel, status, attempts, message, last_error FROM recon.dwd_recon_alerts WHERE run_id = $1 ORDER BY alert_rule',
      [runId],
    );
    expect(log.map((r) => [r.alert_rule, r.status, Number(r.attempts)])).toEqual([
      ['PIPELINE_FAILED', 'FAILED', 8],
      ['PIPELINE_SLA_WARNING', 'FAILED', 8],
    ]);
    expect(String(log[0]!.last_error)).toContain('HTTP 500');
    expect(String(log[1]!.last_error)).toContain('errcode 93000');
    expectNoSecret(JSON.stringify(log), 'the alert log');
    const runs = await app.warehouse.query<Record<string, unknown>>(
      'SELECT error_message FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = $1',
      [runId],
    );
    expect(String(runs[0]?.error_message)).toContain(sourceError.name);
    expectNoSecret(JSON.stringify(runs), 'the run record');

    const out = output();
    expect(out).toContain('"RecordFailure finished"');
    expect(out).toContain('"SendAlerts finished"');
    expect(out).toContain('PipelineFailed');
    expectNoSecret(out, 'the output of the failure recorder and SendAlerts');
  });

  it('a wrong warehouse password fails the tasks without printing it', async () => {
    seam.runtime = awsRuntimeWith({}, badWarehouse);
    const planned = await failing(planExtraction, runInput, 'PlanExtraction (wrong warehouse password)');
    expect(planned.name).toMatch(/^Warehouse(Transient)?Error$/);
    expect(planned.message).toMatch(/password authentication failed/);

    const event = {
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn,
        name: runId,
        status: 'FAILED',
        startDate: Date.now() - 60_000,
        input: JSON.stringify({ runId, reconDate: date, asOf }),
        error: planned.name,
        cause: lambdaCause(planned),
      },
    };
    const failed = await failing(recordFailure, event, 'RecordFailure (wrong warehouse password)');
    expect(failed.name).toBe(planned.name);

    // SendAlerts never fails a run: the error is its output.
    const alerts = (await sendAlerts(runInput as never, context as never)) as { error?: string };
    expect(alerts.error).toMatch(/password authentication failed/);
    expectNoSecret(JSON.stringify(alerts), 'the SendAlerts output');

    const out = output();
    expect(
      logLines()
        .filter((l) => l.level === 'ERROR')
        .map((l) => l.message),
    ).toEqual(['PlanExtraction failed', 'RecordFailure failed']);
    expect(out).toContain(planned.name);
    expect(out).toContain('PipelineFailed'); // counted even though recording failed
    expectNoSecret(out, 'the output of the tasks on a wrong warehouse password');
  });

  it('nothing written by any of these tasks holds a secret', () => {
    const all = everything.join('');
    expect(all.length).toBeGreaterThan(1000);
    expectNoSecret(all, 'the output of the whole file');
  });
});
