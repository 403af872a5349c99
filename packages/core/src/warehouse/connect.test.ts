import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionConfigError } from '../errors.ts';
import { openWarehouse, parseWarehouseUrl } from './connect.ts';
import { redactUrl } from './map-error.ts';
import { PgliteWarehouse } from './pglite.ts';
import { PostgresWarehouse } from './postgres.ts';
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

  it('explains that the Redshift Data API adapter runs in AWS', () => {
    expect(() => parseWarehouseUrl('redshift-data://wg/db')).toThrow(ConnectionConfigError);
    expect(() => parseWarehouseUrl('redshift-data://wg/db')).toThrow(/runs in AWS/);
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
