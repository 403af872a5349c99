/**
 * The warehouse role the dashboards use is read-only (seed phase 4 §12.3 as migration
 * ddl/019_readonly_group.sql), on a real PostgreSQL warehouse after a pipeline run: a member of
 * `recon_readonly` reads every table and view of `recon` and runs every Grafana panel query, and
 * every way of changing the warehouse is refused to it. The group is cluster-wide, so migrations of
 * several databases at once must not trip over each other creating it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VariableModel } from '@grafana/schema';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedshiftQuery } from '../packages/dashboards/src/grafana/datasource.ts';
import { allDashboards } from '../packages/dashboards/src/grafana/dashboards.ts';
import { expandMacros, type VariableSelection } from '../packages/dashboards/src/grafana/macros.ts';
import { variableSql } from '../packages/dashboards/src/grafana/variables.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { main } from '../packages/core/src/cli/main.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import { migrate, skipIfProbe } from '../packages/core/src/warehouse/migrate.ts';
import { PostgresWarehouse } from '../packages/core/src/warehouse/postgres.ts';
import type { Warehouse, WarehouseTx } from '../packages/core/src/warehouse/types.ts';
import { io } from './support/cli-io.ts';
import { createTestPgDatabase, TEST_PG_URL } from './support/databases.ts';

const GROUP_MIGRATION = 'ddl/019_readonly_group.sql';
const reader = `recon_reader_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');

let app: App;
let db: Awaited<ReturnType<typeof createTestPgDatabase>>;
let admin: pg.Client;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestPgDatabase('ro');
  app = await openApp({
    env: { RECON_WAREHOUSE_URL: db.url },
    home: mkdtempSync(join(tmpdir(), 'recon-ro-')),
  });
  const sinks = app.sinks();
  for (const s of SOURCE_IDS) await sinks[s].createTables();
  const gen = generate({ startDate: '2026-10-05', days: 2, ordersPerDay: 60, seed: 12 });
  for (const chunk of gen.days()) await writeChunk(chunk, sinks);
  const last = gen.dates.at(-1)!;
  const outcome = await runPipeline(app.runtime, { reconDate: last, asOf: toIso(gen.batchEndOf(last)) });
  expect(outcome.status).toBe('SUCCEEDED');

  admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  // Identifiers and password are generated above ([a-z0-9_] and hex): nothing user-given.
  await admin.query(`CREATE USER ${reader} PASSWORD '${password}' IN GROUP recon_readonly`);
  const url = new URL(db.url);
  url.username = reader;
  url.password = password;
  client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
}, 300_000);

afterAll(async () => {
  await client?.end();
  await app?.close();
  await db?.drop();
  await admin?.query(`DROP USER IF EXISTS ${reader}`);
  await admin?.end();
});

/** The SQLSTATE a statement run as the reader fails with ('' when it succeeds). */
async function asReader(sql: string): Promise<string> {
  try {
    await client.query(sql);
    return '';
  } catch (error) {
    await client.query('ROLLBACK');
    return String((error as { code?: string }).code ?? (error as Error).message);
  }
}

describe('a member of recon_readonly', () => {
  it('reads every table, view and materialized view of recon but the pipeline lock', async () => {
    const names = (
      await app.warehouse.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1`,
      )
    ).map((r) => r.name);
    expect(names.length).toBeGreaterThan(25);
    expect(names).toContain('dwd_recon_anomalies');
    expect(names).toContain('mv_recon_daily_summary');
    for (const name of names) {
      // Nobody reads the lock table: a reader holding it would stall every run.
      const expected = name === 'etl_pipeline_lock' ? '42501' : '';
      expect(await asReader(`SELECT * FROM recon."${name}" LIMIT 1`), name).toBe(expected);
    }
    const { rows } = await client.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.stg_recon_level1_results',
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });

  it('runs every query of the three Grafana dashboards', async () => {
    const selections = (variables: readonly VariableModel[]): Record<string, VariableSelection> =>
      Object.fromEntries(
        variables.map((v) => [v.name, v.type === 'textbox' ? ['ANO-01:1'] : ('all' as const)]),
      );
    let queries = 0;
    for (const { dashboard } of allDashboards()) {
      const variables = (dashboard.templating?.list ?? []) as VariableModel[];
      const ctx = {
        from: new Date('2026-10-05T04:00:00Z'),
        to: new Date('2026-10-07T04:00:00Z'),
        variables,
        selections: selections(variables),
      };
      for (const panel of dashboard.panels ?? []) {
        for (const t of ((panel as { targets?: unknown[] }).targets ?? []) as RedshiftQuery[]) {
          expect(await asReader(expandMacros(t.rawSQL, ctx)), `${dashboard.uid} / ${panel.title}`).toBe('');
          queries++;
        }
      }
      for (const v of variables) {
        const sql = variableSql(v);
        if (sql) expect(await asReader(sql), `${dashboard.uid} variable ${v.name}`).toBe('');
      }
    }
    expect(queries).toBeGreaterThan(20);
  });

  it('can change nothing: every write, DDL and refresh is refused', async () => {
    const before = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies',
    );
    const attempts = [
      `INSERT INTO recon.etl_watermarks VALUES ('x', 'y', '2026-01-01', 'r', 0, '2026-01-01')`,
      `UPDATE recon.dwd_recon_anomalies SET status = 'RESOLVED'`,
      'DELETE FROM recon.stg_recon_orders',
      'TRUNCATE recon.dwd_recon_anomaly_events',
      'CREATE TABLE recon.evil (x INTEGER)',
      'CREATE VIEW recon.evil_v AS SELECT 1 AS x',
      'DROP TABLE recon.etl_watermarks',
      'ALTER TABLE recon.dwd_recon_anomalies ADD COLUMN evil INTEGER',
      'REFRESH MATERIALIZED VIEW recon.mv_recon_daily_summary',
      'BEGIN; LOCK recon.etl_pipeline_lock',
      'BEGIN; LOCK recon.etl_run_leases',
      'BEGIN; LOCK recon.etl_pipeline_lock IN ACCESS SHARE MODE',
      `DELETE FROM recon.etl_run_leases`,
    ];
    for (const sql of attempts) {
      // 42501 insufficient_privilege (PostgreSQL reports "must be owner" with the same code).
      expect(await asReader(sql), sql).toBe('42501');
    }
    expect(await app.warehouse.query('SELECT COUNT(*) AS n FROM recon.dwd_recon_anomalies')).toEqual(before);
  });

  it('reads what a later migration creates (default privileges)', async () => {
    await app.warehouse.execute('CREATE TABLE recon.added_later (x INTEGER)');
    await app.warehouse.execute('INSERT INTO recon.added_later VALUES (7)');
    const { rows } = await client.query<{ x: number }>('SELECT x FROM recon.added_later');
    expect(rows).toEqual([{ x: 7 }]);
    expect(await asReader('INSERT INTO recon.added_later VALUES (8)')).toBe('42501');
  });
});

describe('the recon command with a read-only user', () => {
  it('reads (anomalies, data quality, leases, a report, the dashboard) and is refused every change', async () => {
    const url = new URL(db.url);
    url.username = reader;
    url.password = password;
    const home = mkdtempSync(join(tmpdir(), 'recon-ro-cli-'));
    const cli = async (argv: string[]) => {
      const x = io({ RECON_HOME: home, RECON_WAREHOUSE_URL: url.toString() });
      return { code: await main(argv, x), out: x.stdout(), err: x.stderr() };
    };
    const listed = await cli(['anomalies', 'list', '--status', 'all', '--json']);
    expect(listed.code, listed.err).toBe(0);
    const ids = (JSON.parse(listed.out) as { anomaly_id: string }[]).map((a) => a.anomaly_id);
    expect(ids.length).toBeGreaterThan(0);
    expect((await cli(['anomalies', 'show', ids[0]!, '--json'])).code).toBe(0);
    expect((await cli(['dq', '--date', '2026-10-06', '--as-of', '2026-10-07T12:00:00Z'])).code).not.toBe(1);
    expect(await cli(['lease', 'list'])).toMatchObject({ code: 0 });
    const report = await cli(['report', 'daily', '--date', '2026-10-06', '--out', join(home, 'reports')]);
    expect(report.code, report.err).toBe(0);
    const dashboard = await cli(['dashboard', '--out', join(home, 'dashboard.html')]);
    expect(dashboard.code, dashboard.err).toBe(0);
    expect(await cli(['migrate'])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^Applied 0 migration/),
    });

    const before = await app.warehouse.query(
      'SELECT anomaly_id, status FROM recon.dwd_recon_anomalies ORDER BY 1',
    );
    const refused = await cli(['anomalies', 'investigate', ids[0]!, '--by', 'reader']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: .*permission denied/);
    expect(
      await app.warehouse.query('SELECT anomaly_id, status FROM recon.dwd_recon_anomalies ORDER BY 1'),
    ).toEqual(before);
  }, 120_000);
});

describe('creating the cluster-wide group', () => {
  it('skips a statement only for a skip-if marker among its leading comments', () => {
    expect(skipIfProbe("-- x\n-- skip-if: SELECT 1 FROM pg_group WHERE groname = 'g'\nCREATE GROUP g")).toBe(
      "SELECT 1 FROM pg_group WHERE groname = 'g'",
    );
    expect(skipIfProbe('CREATE GROUP g')).toBeNull();
    expect(skipIfProbe("SELECT 1\n-- skip-if: SELECT 1 FROM pg_group WHERE groname = 'g'")).toBeNull();
  });

  it('migrates several databases at once', async () => {
    const dbs = await Promise.all([1, 2, 3].map(() => createTestPgDatabase('rorace')));
    const whs = dbs.map((d) => new PostgresWarehouse({ url: d.url, max: 2 }));
    try {
      const results = await Promise.all(whs.map((wh) => migrate(wh)));
      for (const r of results) expect(r.applied).toContain(GROUP_MIGRATION);
      for (const wh of whs) {
        const rows = await wh.query<{ ok: boolean }>(
          "SELECT has_schema_privilege('recon_readonly', 'recon', 'USAGE') AS ok",
        );
        expect(rows[0]!.ok).toBe(true);
      }
    } finally {
      await Promise.all(whs.map((wh) => wh.close()));
      await Promise.all(dbs.map((d) => d.drop()));
    }
  }, 120_000);

  it('recovers when another database creates the group between its probe and its CREATE', async () => {
    const fresh = await createTestPgDatabase('rolost');
    const wh = new PostgresWarehouse({ url: fresh.url, max: 2 });
    let probes = 0;
    // The first probe answers "absent" although the group exists: the CREATE then really fails
    // as it would after losing the race.
    const losing: Warehouse = new Proxy(wh, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === 'transaction') {
          return <T>(fn: (tx: WarehouseTx) => Promise<T>) =>
            target.transaction((tx) =>
              fn(
                new Proxy(tx, {
                  get(t, p) {
                    const v = Reflect.get(t, p, t) as unknown;
                    if (p === 'query') {
                      return async (sql: string, params?: Record<string, unknown>) => {
                        if (sql.includes('FROM pg_group') && probes++ === 0) return [];
                        return t.query(sql, params as never);
                      };
                    }
                    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
                  },
                }),
              ),
            );
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const result = await migrate(losing);
      expect(result.applied).toContain(GROUP_MIGRATION);
      expect(probes).toBe(2);
      const rows = await wh.query<{ ok: boolean }>(
        "SELECT has_table_privilege('recon_readonly', 'recon.dwd_recon_anomalies', 'SELECT') AS ok",
      );
      expect(rows[0]!.ok).toBe(true);
    } finally {
      await wh.close();
      await fresh.drop();
    }
  }, 120_000);
});
