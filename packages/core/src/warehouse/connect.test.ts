import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionConfigError } from '../errors.ts';
import { openWarehouse, parseWarehouseUrl } from './connect.ts';
import { redactUrl } from './map-error.ts';
import { PgliteWarehouse } from './pglite.ts';
import { PostgresWarehouse } from './postgres.ts';
import { RedshiftDataWarehouse } from './redshift-data.ts';
import { applyShims, shimDirsOf } from './shims.ts';
import { createTestDatabase, type TestDatabase } from './test-helpers.ts';

describe('parseWarehouseUrl', () => {
  it('routes postgres:// and postgresql:// to PostgreSQL', () => {
    expect(parseWarehouseUrl('postgres://u:p@h:5432/db')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@h:5432/db',
    });
    expect(parseWarehouseUrl('postgresql://u@h/db').kind).toBe('postgres');
  });

  it('routes pglite://memory, pglite://<dir> and unset to PGlite', () => {
    expect(parseWarehouseUrl('pglite://memory')).toEqual({ kind: 'pglite', dataDir: 'memory://' });
    expect(parseWarehouseUrl('pglite:///var/data/wh')).toEqual({ kind: 'pglite', dataDir: '/var/data/wh' });
    expect(parseWarehouseUrl('pglite://rel/dir')).toEqual({ kind: 'pglite', dataDir: resolve('rel/dir') });
    expect(parseWarehouseUrl(undefined, { home: '/tmp/h' })).toEqual({
      kind: 'pglite',
      dataDir: '/tmp/h/warehouse',
    });
    expect(parseWarehouseUrl('', {})).toEqual({ kind: 'pglite', dataDir: resolve('.recon/warehouse') });
  });

  it('routes redshift-data://<workgroup>/<database> to Redshift Serverless, with its parameters', () => {
    expect(parseWarehouseUrl('redshift-data://recon-wg/dev')).toEqual({
      kind: 'redshift-data',
      target: { workgroupName: 'recon-wg', database: 'dev' },
    });
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon/redshift-AbC123';
    const role = 'arn:aws:iam::123456789012:role/recon-copy';
    expect(
      parseWarehouseUrl(
        `redshift-data://recon-wg/dev?secretArn=${encodeURIComponent(secret)}&copyRoleArn=${role}`,
      ),
    ).toEqual({
      kind: 'redshift-data',
      target: { workgroupName: 'recon-wg', database: 'dev', secretArn: secret, copyRoleArn: role },
    });
    expect(parseWarehouseUrl('redshift-data://recon-wg/dev?secretArn=recon/redshift')).toMatchObject({
      target: { secretArn: 'recon/redshift' },
    });
  });

  it('routes redshift-data://cluster:<id>/<database> to a provisioned cluster', () => {
    expect(parseWarehouseUrl('redshift-data://cluster:recon-prod-1/analytics?dbUser=etl_user')).toEqual({
      kind: 'redshift-data',
      target: { clusterIdentifier: 'recon-prod-1', database: 'analytics', dbUser: 'etl_user' },
    });
    expect(parseWarehouseUrl('redshift-data://cluster:c1/db')).toEqual({
      kind: 'redshift-data',
      target: { clusterIdentifier: 'c1', database: 'db' },
    });
  });

  it.each([
    ['redshift-data://recon-wg', /invalid database name/],
    ['redshift-data://recon-wg/db/more', /unexpected path segments/],
    ['redshift-data://Recon_WG/db', /invalid workgroup name/],
    ['redshift-data://wg/db', /invalid workgroup name/],
    ['redshift-data://recon-wg:5439/db', /port/],
    ['redshift-data://cluster:/db', /cluster identifier/],
    ['redshift-data://cluster:1abc/db', /cluster identifier/],
    ['redshift-data://cluster:abc--d/db', /cluster identifier/],
    ['redshift-data://cluster:abc-/db', /cluster identifier/],
    ['redshift-data://recon-wg/db#frag', /unexpected path segments or fragment/],
    ['redshift-data://admin:S3cretPw@recon-wg/db', /credentials do not belong/],
    ['redshift-data://recon-wg/db?password=S3cretPw', /unknown parameter "password"/],
    ['redshift-data://recon-wg/db?secretArn=a&secretArn=b', /given twice/],
    ['redshift-data://recon-wg/db?secretArn=', /secretArn is empty/],
    ["redshift-data://recon-wg/db?secretArn=x'%20OR%201=1", /secretArn is not a Secrets Manager/],
    [
      'redshift-data://recon-wg/db?secretArn=arn:aws:iam::123456789012:role/x',
      /secretArn is not a Secrets Manager/,
    ],
    ['redshift-data://recon-wg/db?dbUser=etl', /dbUser applies to provisioned clusters only/],
    ['redshift-data://cluster:c1/db?dbUser=etl&secretArn=s', /not both/],
    [
      'redshift-data://recon-wg/db?copyRoleArn=arn:aws:iam::123456789012:user/u',
      /copyRoleArn is not an IAM role ARN/,
    ],
  ])('refuses %s naming RECON_WAREHOUSE_URL and never echoing a secret', (url, why) => {
    let error: unknown;
    try {
      parseWarehouseUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toMatch(/RECON_WAREHOUSE_URL/);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).not.toContain('S3cretPw');
    expect((error as Error).message).not.toContain('OR 1=1');
  });

  it('rejects anything else naming RECON_WAREHOUSE_URL, without the password', () => {
    const attempt = () => parseWarehouseUrl('mysql://u:hunter2@h/db');
    expect(attempt).toThrow(ConnectionConfigError);
    expect(attempt).toThrow(/RECON_WAREHOUSE_URL/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => parseWarehouseUrl('pglite://')).toThrow(ConnectionConfigError);
    expect(() => parseWarehouseUrl('postgres://u:p@/db')).toThrow(ConnectionConfigError);
  });

  it('masks passwords in URLs', () => {
    expect(redactUrl('postgres://u:hunter2@h:1/db')).toBe('postgres://u:****@h:1/db');
    expect(redactUrl('not a url //u:hunter2@h')).not.toContain('hunter2');
  });
});

describe('openWarehouse on Redshift', () => {
  const redshift = mockClient(RedshiftDataClient);
  afterAll(() => {
    redshift.restore();
  });

  it('opens the Data API adapter without sending anything and applies no shims', async () => {
    const wh = await openWarehouse(
      'redshift-data://recon-wg/dev?copyRoleArn=arn:aws:iam::123456789012:role/recon-copy',
    );
    try {
      expect(wh).toBeInstanceOf(RedshiftDataWarehouse);
      expect(wh.dialect.name).toBe('redshift');
      expect(shimDirsOf(wh.dialect)).toEqual([]);
      expect(await applyShims(wh)).toEqual([]);
      expect(redshift.calls()).toHaveLength(0);
    } finally {
      await wh.close();
    }
  });

  it('fails before opening anything for a malformed URL', async () => {
    await expect(openWarehouse('redshift-data://cluster:Bad_Id/dev')).rejects.toThrow(ConnectionConfigError);
    expect(redshift.calls()).toHaveLength(0);
  });
});

describe('openWarehouse', () => {
  let home: string;
  let db: TestDatabase;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'recon-home-'));
    db = await createTestDatabase('conn');
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await db.drop();
  });

  it('opens PostgreSQL and applies the shims', async () => {
    const wh = await openWarehouse(db.url);
    try {
      expect(wh).toBeInstanceOf(PostgresWarehouse);
      expect(wh.dialect.name).toBe('postgres');
      const [row] = await wh.query(
        "SELECT DATEDIFF('minute', '2024-01-01 00:00:00', '2024-01-01 01:00:00') AS m",
      );
      expect(row).toEqual({ m: '60' });
    } finally {
      await wh.close();
    }
  });

  it('opens a persistent PGlite under <home>/warehouse by default and keeps data across opens', async () => {
    const wh = await openWarehouse(undefined, { home });
    try {
      expect(wh).toBeInstanceOf(PgliteWarehouse);
      await wh.execute('CREATE TABLE kept (a INTEGER)');
      await wh.execute('INSERT INTO kept VALUES (1)');
      const [row] = await wh.query("SELECT DATEDIFF('day', '2024-01-01', '2024-01-03') AS d");
      expect(row).toEqual({ d: '2' });
    } finally {
      await wh.close();
    }
    const again = await openWarehouse(`pglite://${join(home, 'warehouse')}`);
    try {
      expect(await again.query('SELECT a FROM kept')).toEqual([{ a: 1 }]);
    } finally {
      await again.close();
    }
  });
});
