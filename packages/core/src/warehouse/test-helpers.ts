/**
 * Test support for the warehouse adapters: a fresh PostgreSQL database per test (on the server
 * named by `RECON_TEST_PG_URL`) and one shared PGlite per test file, reset between tests.
 * Not used by product code.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgliteWarehouse } from './pglite.ts';
import { PostgresWarehouse } from './postgres.ts';
import type { Warehouse } from './types.ts';

/** The PostgreSQL server tests use. */
export function testPgUrl(): string {
  return process.env['RECON_TEST_PG_URL'] ?? 'postgres://recon:recon@127.0.0.1:5432/postgres';
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A scratch PostgreSQL database; `drop()` removes it (terminating leftover sessions). */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Create an empty database `recon_t_<prefix>_<random>` on the test server. */
export async function createTestDatabase(prefix = 'wh'): Promise<TestDatabase> {
  const name = `recon_t_${prefix.replace(/[^a-z0-9_]/gi, '').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPgUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(testPgUrl(), name),
    async drop() {
      const c = new pg.Client({ connectionString: testPgUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** One engine under test: opens a fresh, empty warehouse and cleans up after it. */
export interface EngineCase {
  name: 'postgres' | 'pglite';
  open(): Promise<Warehouse>;
  cleanup(): Promise<void>;
}

let sharedPglite: Promise<PgliteWarehouse> | undefined;

/** The per-process PGlite used by tests (started once: it costs seconds). */
export function sharedTestPglite(): Promise<PgliteWarehouse> {
  sharedPglite ??= PgliteWarehouse.open({ dataDir: 'memory://' });
  return sharedPglite;
}

/** Drop everything the product creates in the shared PGlite (schema `recon`), keeping the shims. */
export async function resetPglite(wh: Warehouse): Promise<void> {
  await wh.execute('DROP SCHEMA IF EXISTS recon CASCADE');
}

/**
 * The two engines every adapter test runs on. Each `open()` gives an empty warehouse: a new
 * PostgreSQL database, or the shared PGlite with schema `recon` dropped.
 */
export function engineCases(): EngineCase[] {
  let db: TestDatabase | undefined;
  let pgWh: PostgresWarehouse | undefined;
  return [
    {
      name: 'postgres',
      async open() {
        db = await createTestDatabase('wh');
        pgWh = new PostgresWarehouse({ url: db.url, max: 4 });
        return pgWh;
      },
      async cleanup() {
        await pgWh?.close();
        pgWh = undefined;
        await db?.drop();
        db = undefined;
      },
    },
    {
      name: 'pglite',
      async open() {
        const wh = await sharedTestPglite();
        await resetPglite(wh);
        return wh;
      },
      async cleanup() {},
    },
  ];
}
