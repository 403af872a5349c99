/**
 * Secrets never reach the output (issue: reliability and security). A run on real MariaDB sources
 * and a real PostgreSQL warehouse whose users have known passwords, with WeCom webhooks whose
 * keys are known, and the failures a wrong password or a bad webhook produce: every byte the
 * commands print (stdout and stderr) is searched for each secret, in the forms a URL can carry it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../packages/core/src/app.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import { SOURCE_IDS, type SourceId } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import { io } from './support/cli-io.ts';
import { createKnownUsers, type KnownUsers } from './support/known-users.ts';
import { createTestMysqlSources, createTestPgDatabase } from './support/databases.ts';

const tag = randomBytes(4).toString('hex');
// Characters a URL must percent-encode, so both the raw and the encoded form are searched.
const MYSQL_PASSWORD = `My-${tag}-p@ss/w0rd`;
const PG_PASSWORD = `Pg-${tag}-s3cr3t:!`;
const WEBHOOK_KEY = `wk-${tag}-0123456789abcdef`;
const MYSQL_USER = `rsec${tag}`;
const PG_USER = `rsec${tag}`;
const SECRETS = [MYSQL_PASSWORD, PG_PASSWORD, WEBHOOK_KEY];

/** Every form a secret can take in text: as is, URL-encoded, JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) for (const form of forms(secret)) expect(text).not.toContain(form);
}

function withCredentials(url: string, user: string, password: string, database?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(password);
  if (database !== undefined) u.pathname = `/${database}`;
  return u.toString();
}

const gen = generate({ startDate: '2026-09-07', days: 1, ordersPerDay: 120, seed: 11 });
const date = gen.dates[0]!;
const asOf = toIso(gen.batchEndOf(date));

let dropSources: () => Promise<void>;
let dropWarehouse: () => Promise<void>;
let knownUsers: KnownUsers | undefined;
let env: NodeJS.ProcessEnv;
let server: Server;
let home: string;

beforeAll(async () => {
  const sources = await createTestMysqlSources('tsec');
  dropSources = sources.drop;
  const wh = await createTestPgDatabase('tsec');
  dropWarehouse = wh.drop;
  // Users with known passwords, for the sources and the warehouse.
  knownUsers = await createKnownUsers({
    mysql: {
      user: MYSQL_USER,
      password: MYSQL_PASSWORD,
      databases: SOURCE_IDS.map((s) => new URL(sources.urls[s]).pathname.slice(1)),
      privileges: 'ALL PRIVILEGES',
    },
    pg: { user: PG_USER, password: PG_PASSWORD },
  });

  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  home = mkdtempSync(join(tmpdir(), 'recon-secrets-'));
  const sourceUrl = (s: SourceId) => withCredentials(sources.urls[s], MYSQL_USER, MYSQL_PASSWORD);
  env = {
    RECON_HOME: home,
    RECON_SALESORDER_URL: sourceUrl('salesorder'),
    RECON_SALESPAYMENT_URL: sourceUrl('salespayment'),
    RECON_IFIACCOUNTING_URL: sourceUrl('ifiaccounting'),
    RECON_IUNIFIEDRECONCILE_URL: sourceUrl('iunifiedreconcile'),
    RECON_WAREHOUSE_URL: withCredentials(wh.url, PG_USER, PG_PASSWORD),
    RECON_STAGING_URL: `file://${join(home, 'staging')}`,
    RECON_WECOM_CRITICAL_WEBHOOK: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${WEBHOOK_KEY}`,
    RECON_WECOM_WARNING_WEBHOOK: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${WEBHOOK_KEY}`,
  };
  const app = await openApp({ env });
  try {
    await writeToSinks(gen, app.sinks());
  } finally {
    await app.close();
  }
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dropWarehouse();
  await dropSources();
  await knownUsers?.drop();
});

async function run(argv: string[], extra: NodeJS.ProcessEnv = {}) {
  const x = io({ ...env, ...extra });
  const code = await main(argv, x);
  return { code, out: `${x.stdout()}\n${x.stderr()}` };
}

describe('secrets in output', () => {
  it('a full run, its alerts and its report print no password and no webhook key', async () => {
    const r = await run(['run', '--date', date, '--as-of', asOf]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain('SUCCEEDED');
    expectNoSecret(r.out);
    const json = await run(['run', '--date', date, '--as-of', asOf, '--json']);
    expect(json.code).toBe(EXIT.OK);
    expectNoSecret(json.out);
    const alerts = await run(['alerts', '--date', date, '--send']);
    expectNoSecret(alerts.out);
    const report = await run(['report', 'daily', '--date', date]);
    expect(report.code).toBe(EXIT.OK);
    expectNoSecret(report.out);
  }, 180_000);

  it('a wrong source password fails naming the source, not the password', async () => {
    const wrong = `${MYSQL_PASSWORD}-wrong`;
    const url = withCredentials(env.RECON_SALESPAYMENT_URL!, MYSQL_USER, wrong);
    // A later as-of, so the run has a window to read from every source.
    const later = toIso(Date.parse(asOf) + 3_600_000);
    const r = await run(['run', '--date', date, '--as-of', later], { RECON_SALESPAYMENT_URL: url });
    expect(r.code).not.toBe(EXIT.OK);
    expect(r.out).toMatch(/salespayment/);
    expectNoSecret(r.out);
    for (const form of forms(wrong)) expect(r.out).not.toContain(form);
  }, 180_000);

  it('a wrong warehouse password fails without printing it', async () => {
    const wrong = `${PG_PASSWORD}-wrong`;
    const r = await run(['run', '--date', date, '--as-of', asOf], {
      RECON_WAREHOUSE_URL: withCredentials(env.RECON_WAREHOUSE_URL!, PG_USER, wrong),
    });
    expect(r.code).not.toBe(EXIT.OK);
    expectNoSecret(r.out);
    for (const form of forms(wrong)) expect(r.out).not.toContain(form);
  }, 60_000);

  it('a malformed webhook is refused naming the variable, never echoing its key', async () => {
    const r = await run(['alerts', '--date', date, '--send'], {
      RECON_WECOM_CRITICAL_WEBHOOK: `ftp://127.0.0.1/send?key=${WEBHOOK_KEY}`,
    });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.out).toContain('RECON_WECOM_CRITICAL_WEBHOOK');
    expectNoSecret(r.out);
  });
});
