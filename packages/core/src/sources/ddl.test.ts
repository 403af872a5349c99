import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMysqlSources } from '../../../../test/support/databases.ts';
import { columnType, quoteIdent, sourceTableDdl } from './ddl.ts';
import { parseMysqlUrl } from './mysql.ts';
import { SOURCE_TABLES, type SourceTableSpec, sourceTable } from './spec.ts';

describe('sourceTableDdl (mysql)', () => {
  it('declares types, NOT NULL, DEFAULT, primary key, unique keys and indexes inline', () => {
    const [ddl, ...rest] = sourceTableDdl(sourceTable('t_trade'), 'mysql');
    expect(rest).toEqual([]);
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS `t_trade` \(/);
    expect(ddl).toContain('`id` BIGINT NOT NULL,');
    expect(ddl).toContain('`trade_no` VARCHAR(64) NOT NULL,');
    expect(ddl).toContain('`channel_type` INT NULL,');
    expect(ddl).toContain('`complete_time` DATETIME NULL,');
    expect(ddl).toContain('`is_del` TINYINT NOT NULL DEFAULT 0,');
    expect(ddl).toContain('PRIMARY KEY (`id`)');
    expect(ddl).toContain('UNIQUE KEY `uk_t_trade_trade_no` (`trade_no`)');
    expect(ddl).toContain('KEY `idx_t_trade_update_time` (`update_time`)');
    expect(sourceTableDdl(sourceTable('t_order'), 'mysql')[0]).toContain(
      '`discount_money` DECIMAL(12,2) NOT NULL DEFAULT 0,',
    );
  });
});

describe('sourceTableDdl (postgres)', () => {
  it('maps DATETIME → TIMESTAMP, TINYINT → SMALLINT and emits indexes as separate statements', () => {
    const statements = sourceTableDdl(sourceTable('t_trade'), 'postgres', { schema: 'salespayment' });
    expect(statements).toHaveLength(3);
    const [table, unique, index] = statements as [string, string, string];
    expect(table).toMatch(/^CREATE TABLE IF NOT EXISTS "salespayment"\."t_trade" \(/);
    expect(table).toContain('"create_time" TIMESTAMP NOT NULL,');
    expect(table).toContain('"is_del" SMALLINT NOT NULL DEFAULT 0,');
    expect(table).toContain('"channel_type" INTEGER NULL,');
    expect(table).toContain('PRIMARY KEY ("id")');
    expect(table).not.toMatch(/DATETIME|TINYINT|KEY "/);
    expect(unique).toBe(
      'CREATE UNIQUE INDEX IF NOT EXISTS "uk_t_trade_trade_no" ON "salespayment"."t_trade" ("trade_no")',
    );
    expect(index).toBe(
      'CREATE INDEX IF NOT EXISTS "idx_t_trade_update_time" ON "salespayment"."t_trade" ("update_time")',
    );
    expect(columnType({ name: 'd', type: 'date', nullable: false }, 'postgres')).toBe('DATE');
  });

  it('creates all nine tables on PGlite, twice (idempotent), with the spec columns in order', async () => {
    const pg = new PGlite();
    try {
      for (let round = 0; round < 2; round++) {
        for (const spec of SOURCE_TABLES) {
          await pg.exec(`CREATE SCHEMA IF NOT EXISTS "${spec.source}"`);
          for (const sql of sourceTableDdl(spec, 'postgres', { schema: spec.source })) await pg.exec(sql);
        }
      }
      for (const spec of SOURCE_TABLES) {
        const cols = await pg.query<{ column_name: string; is_nullable: string }>(
          'SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
          [spec.source, spec.table],
        );
        expect(cols.rows.map((c) => [c.column_name, c.is_nullable === 'YES'])).toEqual(
          spec.columns.map((c) => [c.name, c.nullable]),
        );
      }
    } finally {
      await pg.close();
    }
  });
});

describe('sourceTableDdl on MariaDB', () => {
  let dbs: Awaited<ReturnType<typeof createTestMysqlSources>>;
  beforeAll(async () => {
    dbs = await createTestMysqlSources();
  });
  afterAll(async () => {
    await dbs?.drop();
  });

  it('creates all nine tables, twice (idempotent), matching the spec columns and keys', async () => {
    const { host, port, user, password } = parseMysqlUrl(dbs.urls.salesorder);
    const conn = await mysql.createConnection({
      host,
      port,
      user,
      password,
      database: parseMysqlUrl(dbs.urls.salesorder).database,
    });
    try {
      for (let round = 0; round < 2; round++) {
        for (const spec of SOURCE_TABLES)
          for (const sql of sourceTableDdl(spec, 'mysql')) await conn.query(sql);
      }
      for (const spec of SOURCE_TABLES) {
        const [cols] = await conn.query<mysql.RowDataPacket[]>(
          'SELECT column_name AS name, is_nullable AS nullable, column_type AS type, column_key AS ckey FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
          [spec.table],
        );
        expect(cols.map((c) => [c.name, c.nullable === 'YES'])).toEqual(
          spec.columns.map((c) => [c.name, c.nullable]),
        );
        expect(cols.find((c) => c.name === spec.primaryKey)?.ckey).toBe('PRI');
        const decimal = spec.columns.find((c) => c.type === 'decimal');
        if (decimal)
          expect(cols.find((c) => c.name === decimal.name)?.type).toBe(
            `decimal(${decimal.precision},${decimal.scale})`,
          );
      }
    } finally {
      await conn.end();
    }
  });
});

describe('identifiers', () => {
  it('refuses names that are not plain identifiers', () => {
    expect(() => quoteIdent('t_order; DROP TABLE x', 'mysql')).toThrow(/invalid SQL identifier/);
    expect(() => quoteIdent('a"b', 'postgres')).toThrow(/invalid SQL identifier/);
    const bad: SourceTableSpec = { ...sourceTable('t_refund'), table: 'x`y' };
    expect(() => sourceTableDdl(bad, 'mysql')).toThrow(/invalid SQL identifier/);
    const badKey: SourceTableSpec = { ...sourceTable('t_refund'), indexes: [['nope']] };
    expect(() => sourceTableDdl(badKey, 'postgres')).toThrow(/not a column/);
  });
});
