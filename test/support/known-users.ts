/**
 * Database users with passwords a test knows (and then searches output for): a MariaDB user with
 * `privileges` on the given databases and a PostgreSQL login role, on the test servers; `drop()`
 * removes both. Names are the caller's generated identifiers ([a-z0-9]), never input.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { TEST_MYSQL_URL, TEST_PG_URL } from './databases.ts';

export interface KnownUsers {
  drop(): Promise<void>;
}

export async function createKnownUsers(users: {
  mysql: {
    user: string;
    password: string;
    databases: readonly string[];
    privileges: 'SELECT' | 'ALL PRIVILEGES';
  };
  pg: { user: string; password: string };
}): Promise<KnownUsers> {
  if (!/^[a-z][a-z0-9_]*$/.test(users.mysql.user) || !/^[a-z][a-z0-9_]*$/.test(users.pg.user)) {
    throw new Error('known users must have plain lower-case names');
  }
  const admin = await mysql.createConnection(TEST_MYSQL_URL);
  try {
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [users.mysql.user, '%', users.mysql.password]);
    for (const db of users.mysql.databases) {
      await admin.query(`GRANT ${users.mysql.privileges} ON \`${db}\`.* TO ?@?`, [users.mysql.user, '%']);
    }
  } finally {
    await admin.end();
  }
  const pgAdmin = new pg.Client({ connectionString: TEST_PG_URL });
  await pgAdmin.connect();
  try {
    await pgAdmin.query(
      `CREATE ROLE ${users.pg.user} LOGIN SUPERUSER PASSWORD '${users.pg.password.replaceAll("'", "''")}'`,
    );
  } finally {
    await pgAdmin.end();
  }
  return {
    async drop() {
      const a = await mysql.createConnection(TEST_MYSQL_URL);
      await a.query('DROP USER IF EXISTS ?@?', [users.mysql.user, '%']).finally(() => a.end());
      const p = new pg.Client({ connectionString: TEST_PG_URL });
      await p.connect();
      await p.query(`DROP ROLE IF EXISTS ${users.pg.user}`).finally(() => p.end());
    },
  };
}
