import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SOURCE_IDS } from '../../packages/core/src/sources/spec.ts';
import { createTestMysqlSources, createTestPgDatabase, TEST_MYSQL_URL } from './databases.ts';

async function mysqlDatabases(): Promise<string[]> {
  const url = new URL(TEST_MYSQL_URL);
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW DATABASES');
    return rows.map((r) => String(Object.values(r)[0]));
  } finally {
    await conn.end();
  }
}

describe('createTestMysqlSources', () => {
  it('creates four fresh databases named t<random>_<source> and drops them', async () => {
    const a = await createTestMysqlSources();
    const b = await createTestMysqlSources();
    try {
      expect(Object.keys(a.urls)).toEqual(SOURCE_IDS);
      const names = SOURCE_IDS.map((id) => new URL(a.urls[id]).pathname.slice(1));
      for (const [i, id] of SOURCE_IDS.entries())
        expect(names[i]).toMatch(new RegExp(`^t[0-9a-f]{10}_${id}$`));
      expect(new URL(b.urls.salesorder).pathname).not.toBe(new URL(a.urls.salesorder).pathname);
      const existing = await mysqlDatabases();
      for (const name of names) expect(existing).toContain(name);
      await a.drop();
      const after = await mysqlDatabases();
      for (const name of names) expect(after).not.toContain(name);
    } finally {
      await b.drop();
    }
  });
});

describe('createTestPgDatabase', () => {
  it('creates a fresh PostgreSQL database that accepts connections, then drops it', async () => {
    const db = await createTestPgDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(`/${rows[0]?.db}`).toBe(new URL(db.url).pathname);
    await client.end();
    await db.drop();
    const again = new pg.Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
    await again.end().catch(() => {});
  });
});

describe('unreachable servers', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fail with an error telling to run scripts/services.sh (never skip), without the password', async () => {
    vi.stubEnv('RECON_TEST_MYSQL_URL', 'mysql://recon:Hidden-pw-1@127.0.0.1:1');
    vi.stubEnv('RECON_TEST_PG_URL', 'postgres://recon:Hidden-pw-1@127.0.0.1:1/postgres');
    vi.resetModules();
    const fresh = await import('./databases.ts');
    const mysqlError = await fresh.createTestMysqlSources().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(mysqlError?.message).toContain('bash scripts/services.sh ensure');
    expect(mysqlError?.message).not.toContain('Hidden-pw-1');
    const pgError = await fresh.createTestPgDatabase().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(pgError?.message).toContain('bash scripts/services.sh ensure');
    expect(pgError?.message).not.toContain('Hidden-pw-1');
  });
});
