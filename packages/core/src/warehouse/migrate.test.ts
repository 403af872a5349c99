import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { listSql, splitStatements, sqlFile } from '@recon/sql';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../errors.ts';
import { SOURCE_TABLES, type StagingColumn } from '../sources/spec.ts';
import { fakeDataApi } from './fake-data-api.ts';
import { BOOTSTRAP_MIGRATION, migrate, migrationStatements } from './migrate.ts';
import { PGLITE_DIALECT } from './pglite.ts';
import { POSTGRES_DIALECT, PostgresWarehouse } from './postgres.ts';
import { REDSHIFT_DIALECT, RedshiftDataWarehouse } from './redshift-data.ts';
import { applyShims } from './shims.ts';
import { createTestDatabase, engineCases } from './test-helpers.ts';
import type { Warehouse } from './types.ts';

interface CatalogColumn {
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  is_nullable: string;
  [key: string]: unknown;
}

/** The SQL type of a catalog column, spelled like the spec's `sqlType`. */
function sqlTypeOf(c: CatalogColumn): string {
  switch (c.data_type) {
    case 'bigint':
      return 'BIGINT';
    case 'integer':
      return 'INTEGER';
    case 'character varying':
      return `VARCHAR(${c.character_maximum_length})`;
    case 'numeric':
      return `DECIMAL(${c.numeric_precision},${c.numeric_scale})`;
    case 'timestamp without time zone':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'boolean':
      return 'BOOLEAN';
    default:
      return c.data_type.toUpperCase();
  }
}

async function columnsOf(
  wh: Warehouse,
  table: string,
): Promise<{ name: string; sqlType: string; nullable: boolean }[]> {
  const rows = await wh.query<CatalogColumn>(
    `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable
     FROM information_schema.columns WHERE table_schema = 'recon' AND table_name = :table ORDER BY ordinal_position`,
    { table },
  );
  return rows.map((c) => ({ name: c.column_name, sqlType: sqlTypeOf(c), nullable: c.is_nullable === 'YES' }));
}

async function primaryKeyOf(wh: Warehouse, table: string): Promise<string[]> {
  const rows = await wh.query<{ column_name: string }>(
    `SELECT k.column_name
     FROM information_schema.table_constraints c
     JOIN information_schema.key_column_usage k
       ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema AND k.table_name = c.table_name
     WHERE c.table_schema = 'recon' AND c.table_name = :table AND c.constraint_type = 'PRIMARY KEY'
     ORDER BY k.ordinal_position`,
    { table },
  );
  return rows.map((r) => r.column_name);
}

const specColumns = (cols: StagingColumn[]) =>
  cols.map((c) => ({ name: c.name, sqlType: c.sqlType, nullable: c.nullable }));

describe.each(engineCases())('migrate on $name', (engine) => {
  let wh: Warehouse;
  let first: { applied: string[]; skipped: string[] };
  beforeAll(async () => {
    wh = await engine.open();
    first = await migrate(wh, { now: () => new Date('2024-05-01T00:00:00Z') });
  });
  afterAll(async () => {
    await engine.cleanup();
  });

  it('applies every ddl file once, in order, and records it', async () => {
    expect(first.applied).toEqual(listSql('ddl'));
    expect(first.applied[0]).toBe(BOOTSTRAP_MIGRATION);
    const recorded = await wh.query(
      'SELECT version, applied_at FROM recon.schema_migrations ORDER BY version',
    );
    expect(recorded).toEqual(
      first.applied.map((version) => ({ version, applied_at: '2024-05-01 00:00:00' })),
    );
  });

  it('applies nothing the second time', async () => {
    const second = await migrate(wh);
    expect(second).toEqual({ applied: [], skipped: listSql('ddl') });
    const [n] = await wh.query('SELECT COUNT(*) AS n FROM recon.schema_migrations');
    expect(n?.['n']).toBe(String(listSql('ddl').length));
  });

  it('creates every object', async () => {
    const tables = await wh.query<{ table_name: string; table_type: string }>(
      "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'recon' ORDER BY table_name",
    );
    const names = tables.map((t) => t.table_name);
    for (const spec of SOURCE_TABLES) expect(names).toContain(spec.staging.name);
    for (const t of [
      'schema_migrations',
      'dwd_recon_dead_letter',
      'etl_watermarks',
      'dwd_recon_anomaly_metrics',
    ]) {
      expect(names).toContain(t);
    }
    expect(tables.find((t) => t.table_name === 'v_recon_pipeline_runs')?.table_type).toBe('VIEW');
  });

  it.each(SOURCE_TABLES.map((t) => [t.staging.name, t] as const))(
    'creates %s exactly as its spec (columns, types, nullability, key)',
    async (name, spec) => {
      expect(await columnsOf(wh, name)).toEqual(specColumns(spec.staging.columns));
      expect(await primaryKeyOf(wh, name)).toEqual([spec.staging.primaryKey]);
    },
  );

  it('creates the dead-letter, watermark and run-metrics tables with their columns', async () => {
    expect((await columnsOf(wh, 'dwd_recon_dead_letter')).map((c) => `${c.name} ${c.sqlType}`)).toEqual([
      'run_id VARCHAR(64)',
      'recon_date DATE',
      'source_name VARCHAR(32)',
      'table_name VARCHAR(64)',
      'source_pk VARCHAR(64)',
      'source_version TIMESTAMP',
      'reason VARCHAR(512)',
      'raw_row VARCHAR(65535)',
      'created_at TIMESTAMP',
    ]);
    expect(await primaryKeyOf(wh, 'etl_watermarks')).toEqual(['source_name', 'table_name']);
    const metrics = await columnsOf(wh, 'dwd_recon_anomaly_metrics');
    expect(metrics.find((c) => c.name === 'l1_match_rate')).toEqual({
      name: 'l1_match_rate',
      sqlType: 'DECIMAL(7,4)',
      nullable: true,
    });
    expect(metrics.map((c) => c.name)).toContain('phase_durations');
    expect(await primaryKeyOf(wh, 'dwd_recon_anomaly_metrics')).toEqual(['pipeline_run_id']);
  });

  it('computes run durations and SLA status in v_recon_pipeline_runs through the DATEDIFF shim', async () => {
    const insert = `INSERT INTO recon.dwd_recon_anomaly_metrics
      (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status,
       rows_extracted, rows_loaded, rows_dead_lettered, l1_match_rate)
      VALUES (:id, :d, :start, :end, :start, :status, 10, 9, 1, :rate)`;
    const runs = [
      {
        id: 'r1',
        d: '2024-03-01',
        start: '2024-03-02 06:00:00',
        end: '2024-03-02 06:10:00.9',
        status: 'SUCCEEDED',
      },
      {
        id: 'r2',
        d: '2024-03-02',
        start: '2024-03-03 06:00:00',
        end: '2024-03-03 07:15:00',
        status: 'SUCCEEDED',
      },
      {
        id: 'r3',
        d: '2024-03-03',
        start: '2024-03-04 06:00:00',
        end: '2024-03-04 07:30:01',
        status: 'FAILED_DQ',
      },
      { id: 'r4', d: '2024-03-04', start: '2024-03-05 06:00:00', end: null, status: 'RUNNING' },
    ];
    for (const r of runs) await wh.execute(insert, { ...r, rate: '99.1234' });
    const rows = await wh.query(
      'SELECT pipeline_run_id, duration_seconds, pipeline_sla_status, pipeline_status, l1_match_rate FROM recon.v_recon_pipeline_runs',
    );
    expect(rows.map((r) => r['pipeline_run_id'])).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(rows).toEqual([
      {
        pipeline_run_id: 'r4',
        duration_seconds: null,
        pipeline_sla_status: 'WITHIN_SLA',
        pipeline_status: 'RUNNING',
        l1_match_rate: '99.1234',
      },
      {
        pipeline_run_id: 'r3',
        duration_seconds: '5401',
        pipeline_sla_status: 'SLA_BREACHED',
        pipeline_status: 'FAILED_DQ',
        l1_match_rate: '99.1234',
      },
      {
        pipeline_run_id: 'r2',
        duration_seconds: '4500',
        pipeline_sla_status: 'SLA_WARNING',
        pipeline_status: 'SUCCEEDED',
        l1_match_rate: '99.1234',
      },
      {
        pipeline_run_id: 'r1',
        duration_seconds: '600',
        pipeline_sla_status: 'WITHIN_SLA',
        pipeline_status: 'SUCCEEDED',
        l1_match_rate: '99.1234',
      },
    ]);
  });

  it('shims DATEDIFF/DATEADD with Redshift boundary semantics', async () => {
    await applyShims(wh);
    const [row] = await wh.query(`SELECT
      DATEDIFF('second', CAST('2024-01-01 00:00:00.9' AS TIMESTAMP), CAST('2024-01-01 00:00:01.1' AS TIMESTAMP)) AS s,
      DATEDIFF('hour', '2009-01-01 08:30:00', '2009-01-01 10:00:00') AS h,
      DATEDIFF('day', CAST('2024-01-31' AS DATE), CAST('2024-03-01' AS DATE)) AS d,
      DATEDIFF('month', '2008-12-31', '2009-01-01') AS m,
      DATEDIFF('yr', '2008-12-31', '2009-01-01') AS y,
      DATEDIFF('minute', '2024-01-01 00:10:00', '2024-01-01 00:05:59') AS neg,
      DATEADD('day', -3, CAST('2024-03-01' AS DATE)) AS add_day,
      DATEADD('month', 1, '2024-01-31 10:00:00') AS add_month`);
    expect(row).toEqual({
      s: '1',
      h: '2',
      d: '30',
      m: '1',
      y: '1',
      neg: '-5',
      add_day: '2024-02-27 00:00:00',
      add_month: '2024-02-29 10:00:00',
    });
    await expect(wh.query("SELECT DATEDIFF('fortnight', '2024-01-01', '2024-02-01') AS x")).rejects.toThrow(
      /unsupported datepart fortnight/,
    );
  });

  it('rolls back a failing migration file and names it', async () => {
    const error = await migrate(wh, { files: ['ddl/001_schema.sql', 'staging/merge_staging.sql'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).context['model']).toBe('staging/merge_staging.sql');
    const [n] = await wh.query(
      "SELECT COUNT(*) AS n FROM recon.schema_migrations WHERE version LIKE 'staging/%'",
    );
    expect(n?.['n']).toBe('0');
  });
});

describe('concurrent first migrate (PostgreSQL)', () => {
  it('applies each file exactly once across parallel migrators', async () => {
    const db = await createTestDatabase('mig');
    const whs = [0, 1, 2].map(() => new PostgresWarehouse({ url: db.url, max: 2 }));
    try {
      const results = await Promise.all(whs.map((w) => migrate(w)));
      const files = listSql('ddl');
      const appliedCounts = files.map((f) => results.filter((r) => r.applied.includes(f)).length);
      expect(appliedCounts).toEqual(files.map(() => 1));
      for (const r of results) expect([...r.applied, ...r.skipped].sort()).toEqual(files);
      const [n] = await whs[0]!.query('SELECT COUNT(*) AS n FROM recon.schema_migrations');
      expect(n?.['n']).toBe(String(files.length));
    } finally {
      await Promise.all(whs.map((w) => w.close()));
      await db.drop();
    }
  });
});

describe('migration DDL per dialect', () => {
  it('runs the DDL exactly as written on PostgreSQL and PGlite (the markers stay comments)', () => {
    for (const file of listSql('ddl')) {
      const written = splitStatements(sqlFile(file));
      expect(migrationStatements(file, POSTGRES_DIALECT)).toEqual(written);
      expect(migrationStatements(file, PGLITE_DIALECT)).toEqual(written);
    }
  });

  it('renders the chosen DISTKEY/SORTKEY on Redshift', () => {
    const staging = migrationStatements('ddl/002_staging_tables.sql', REDSHIFT_DIALECT);
    const orders = staging.find((s) => s.includes('CREATE TABLE IF NOT EXISTS recon.stg_recon_orders'));
    expect(orders).toMatch(
      /PRIMARY KEY \(order_id\)\n\)\nDISTSTYLE KEY DISTKEY \(order_id\) COMPOUND SORTKEY \(biz_date\)$/,
    );
    const bootstrap = migrationStatements(BOOTSTRAP_MIGRATION, REDSHIFT_DIALECT);
    expect(bootstrap[0]).toMatch(/\nCREATE SCHEMA IF NOT EXISTS recon$/);
    expect(bootstrap[1]).toMatch(/\)\nDISTSTYLE ALL$/);
    const views = migrationStatements('ddl/006_v_recon_pipeline_runs.sql', REDSHIFT_DIALECT);
    expect(views).toEqual(splitStatements(sqlFile('ddl/006_v_recon_pipeline_runs.sql')));
  });

  it('names the file when the dialect refuses a statement, before anything runs', () => {
    const refusing = {
      ...POSTGRES_DIALECT,
      name: 'strict',
      renderDdl: () => {
        throw new Error('Redshift has no indexes');
      },
    };
    let error: unknown;
    try {
      migrationStatements('ddl/004_etl_watermarks.sql', refusing);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).message).toBe(
      'migration ddl/004_etl_watermarks.sql cannot run on strict: Redshift has no indexes',
    );
    expect((error as WarehouseError).context).toMatchObject({ model: 'ddl/004_etl_watermarks.sql' });
  });
});

describe('migrate on Redshift (mocked Data API)', () => {
  const redshift = mockClient(RedshiftDataClient);
  afterAll(() => {
    redshift.restore();
  });

  it('reads what is recorded, bootstraps, then applies each file in its own session transaction with the rendered DDL and no shims', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql.startsWith('SELECT COUNT(*) AS n FROM recon.schema_migrations')
        ? { columns: [{ name: 'n', typeName: 'int8' }], records: [[{ longValue: 0 }]] }
        : {},
    );
    const wh = new RedshiftDataWarehouse({
      workgroupName: 'recon-wg',
      database: 'recon',
      client: new RedshiftDataClient({ region: 'us-east-1' }),
      sleep: () => Promise.resolve(),
    });
    const files = ['ddl/001_schema.sql', 'ddl/002_staging_tables.sql'];

    const result = await migrate(wh, { files, now: () => new Date('2024-05-01T00:00:00Z') });

    expect(result).toEqual({ applied: files, skipped: [] });
    const inputs = api.inputs();
    const sqls = inputs.map((i) => i.Sql ?? '');
    expect(sqls.some((s) => /CREATE (OR REPLACE )?FUNCTION/i.test(s))).toBe(false);
    const bootstrap = migrationStatements(BOOTSTRAP_MIGRATION, REDSHIFT_DIALECT);
    // First one read of what is recorded (nothing here: not up to date), then the bootstrap.
    expect(inputs[0]).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'recon',
      Sql: 'SELECT version FROM recon.schema_migrations',
    });
    expect(inputs.slice(1, 3)).toEqual(
      bootstrap.map((Sql) => ({ WorkgroupName: 'recon-wg', Database: 'recon', Sql })),
    );
    // One session transaction per file: BEGIN, lock, check, statements, record, COMMIT.
    const staging = migrationStatements('ddl/002_staging_tables.sql', REDSHIFT_DIALECT);
    const second = inputs.slice(inputs.findLastIndex((i) => i.Sql === 'BEGIN'));
    expect(second.map((i) => i.Sql)).toEqual([
      'BEGIN',
      'LOCK TABLE recon.schema_migrations',
      'SELECT COUNT(*) AS n FROM recon.schema_migrations WHERE version = :version',
      ...staging,
      'INSERT INTO recon.schema_migrations (version, applied_at) VALUES (:version, :appliedAt)',
      'COMMIT',
    ]);
    expect(second[0]).toMatchObject({ WorkgroupName: 'recon-wg', SessionKeepAliveSeconds: 300 });
    expect(second.slice(1).every((i) => i.SessionId === 'session-2' && i.WorkgroupName === undefined)).toBe(
      true,
    );
    expect(second.at(-2)?.Parameters).toEqual([
      { name: 'version', value: 'ddl/002_staging_tables.sql' },
      { name: 'appliedAt', value: '2024-05-01 00:00:00.000' },
    ]);
    expect(
      staging.filter((s) => /\nDISTSTYLE KEY DISTKEY \([a-z_]+\) COMPOUND SORTKEY \(biz_date\)$/.test(s)),
    ).toHaveLength(9);
  });

  it('reads the recorded versions once and does nothing else: no bootstrap, no lock, no transaction', async () => {
    redshift.reset();
    const files = ['ddl/001_schema.sql', 'ddl/002_staging_tables.sql'];
    const api = fakeDataApi(redshift, (sql) =>
      sql === 'SELECT version FROM recon.schema_migrations'
        ? {
            columns: [{ name: 'version', typeName: 'varchar' }],
            records: files.map((f) => [{ stringValue: f }]),
          }
        : {},
    );
    const wh = new RedshiftDataWarehouse({
      workgroupName: 'recon-wg',
      database: 'recon',
      client: new RedshiftDataClient({ region: 'us-east-1' }),
      sleep: () => Promise.resolve(),
    });
    expect(await migrate(wh, { files })).toEqual({ applied: [], skipped: files });
    expect(api.inputs().map((i) => i.Sql)).toEqual(['SELECT version FROM recon.schema_migrations']);
  });
});
