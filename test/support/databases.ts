/**
 * Test helpers for the real database servers started by `bash scripts/services.sh ensure`:
 * fresh, uniquely named MariaDB databases (one per source) and PostgreSQL databases. An unreachable
 * server is an error, never a skipped test.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { SOURCE_IDS, type SourceId } from '../../packages/core/src/sources/spec.ts';

/** Server URL (no database) of the test MariaDB. */
export const TEST_MYSQL_URL = process.env.RECON_TEST_MYSQL_URL ?? 'mysql://recon:recon@127.0.0.1:3306';
/** URL of the test PostgreSQL's maintenance database. */
export const TEST_PG_URL = process.env.RECON_TEST_PG_URL ?? 'postgres://recon:recon@127.0.0.1:5432/postgres';

const HINT = 'start the test databases with `bash scripts/services.sh ensure`';

function uniqueName(prefix: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix))
    throw new Error(`invalid database name prefix ${JSON.stringify(prefix)}`);
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code} ` : ''}${error.message}`;
  }
  return String(error);
}

/** The server URL with `database` as its path (keeps credentials and query). */
function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function redact(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

async function mysqlAdmin(): Promise<mysql.Connection> {
  const url = new URL(TEST_MYSQL_URL);
  try {
    return await mysql.createConnection({
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      connectTimeout: 5000,
    });
  } catch (error) {
    throw new Error(
      `MariaDB test server at ${redact(TEST_MYSQL_URL)} is unreachable (${describe(error)}): ${HINT}`,
    );
  }
}

/**
 * Create four fresh MariaDB databases, one per source id, named `<prefix><random>_<source>`.
 * @returns `urls` (`mysql://…/<db>` per source) and `drop()` removing all four.
 * @throws Error telling to run `bash scripts/services.sh ensure` when MariaDB is unreachable.
 */
export async function createTestMysqlSources(
  prefix = 't',
): Promise<{ urls: Record<SourceId, string>; drop(): Promise<void> }> {
  const base = uniqueName(prefix);
  const names = Object.fromEntries(SOURCE_IDS.map((id) => [id, `${base}_${id}`])) as Record<SourceId, string>;
  const admin = await mysqlAdmin();
  try {
    for (const name of Object.values(names)) await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  const urls = Object.fromEntries(
    SOURCE_IDS.map((id) => [id, withDatabase(TEST_MYSQL_URL, names[id])]),
  ) as Record<SourceId, string>;
  return {
    urls,
    async drop() {
      const conn = await mysqlAdmin();
      try {
        for (const name of Object.values(names)) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(
      `PostgreSQL test server at ${redact(TEST_PG_URL)} is unreachable (${describe(error)}): ${HINT}`,
    );
  }
  return client;
}

/**
 * Create a fresh PostgreSQL database named `<prefix><random>`.
 * @returns its `url` and `drop()` (terminates leftover connections, then drops it).
 * @throws Error telling to run `bash scripts/services.sh ensure` when PostgreSQL is unreachable.
 */
export async function createTestPgDatabase(prefix = 't'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName(prefix);
  const admin = await pgAdmin();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(TEST_PG_URL, name),
    async drop() {
      const client = await pgAdmin();
      try {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      } finally {
        await client.end();
      }
    },
  };
}
