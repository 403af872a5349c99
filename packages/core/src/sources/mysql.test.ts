import { createServer, type Server } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMysqlSources } from '../../../../test/support/databases.ts';
import { sourceStoreContract } from '../../../../test/support/source-contract.ts';
import { ConnectionConfigError, SourceConnectionError, SourceQueryError } from '../errors.ts';
import {
  insertSql,
  MysqlSourceReader,
  MysqlSourceSink,
  mapMysqlError,
  mysqlSelectSql,
  parseMysqlUrl,
} from './mysql.ts';
import { type SourceId, sourceTable } from './spec.ts';

const T_ORDER = sourceTable('t_order');
const DAY = { from: '2026-03-08 00:00:00', to: '2026-03-09 00:00:00' };

async function drain(reader: MysqlSourceReader, source = T_ORDER, window = DAY): Promise<number> {
  let n = 0;
  for await (const batch of reader.readPartition(source, window)) n += batch.length;
  return n;
}

sourceStoreContract('MySQL (MariaDB)', async () => {
  const dbs = await createTestMysqlSources();
  return {
    reader: (source: SourceId) => new MysqlSourceReader(source, dbs.urls[source]),
    sink: (source: SourceId) => new MysqlSourceSink(source, dbs.urls[source]),
    async addExtraColumn(spec) {
      const { host, port, user, password, database } = parseMysqlUrl(dbs.urls[spec.source]);
      const conn = await mysql.createConnection({ host, port, user, password, database });
      try {
        await conn.query(
          `ALTER TABLE \`${spec.table}\` ADD COLUMN extra_note VARCHAR(20) NOT NULL DEFAULT 'x' FIRST`,
        );
        await conn.query(`ALTER TABLE \`${spec.table}\` ADD COLUMN extra_amount DECIMAL(12,2) NULL`);
      } finally {
        await conn.end();
      }
    },
    cleanup: () => dbs.drop(),
  };
});

describe('parseMysqlUrl', () => {
  it('parses user, percent-encoded password, host, port and database', () => {
    expect(parseMysqlUrl('mysql://u:p%40ss%3Aw@db.example:3307/luckyus_sales_order')).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'u',
      password: 'p@ss:w',
      database: 'luckyus_sales_order',
    });
    expect(parseMysqlUrl('mysql://u:p@h/db').port).toBe(3306);
  });

  it.each([
    ['not a url', 'not a valid URL'],
    ['postgres://u:pw-secret@h:5432/db', 'unsupported scheme "postgres"'],
    ['mysql://u:pw-secret@h:3306', 'names no database'],
    ['mysql://u:pw-secret@h:3306/bad`name', 'invalid database'],
    ['mysql://:pw-secret@h:3306/db', 'names no user'],
  ])('rejects %s with ConnectionConfigError that hides the password', (url, message) => {
    let error: unknown;
    try {
      parseMysqlUrl(url, 'RECON_TEST_VAR');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toContain('RECON_TEST_VAR');
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('pw-secret');
  });
});

describe('MySQL SQL text', () => {
  it('selects the spec columns by name with a bound half-open window', () => {
    expect(mysqlSelectSql(sourceTable('t_channel_fee'))).toBe(
      'SELECT `id`, `trade_no`, `fee_amount`, `fee_rate`, `channel_type`, `create_time`, `is_del` FROM `t_channel_fee` WHERE `create_time` >= ? AND `create_time` < ?',
    );
  });

  it('adds the NULL, zero and pre-1970 watermarks as a bound third range when asked', () => {
    expect(mysqlSelectSql(sourceTable('t_refund'), true)).toBe(
      'SELECT `id`, `trade_no`, `refund_amount`, `refund_status`, `create_time`, `update_time`, `complete_time`, `is_del` FROM `t_refund` WHERE (`update_time` >= ? AND `update_time` < ?) OR `update_time` IS NULL OR `update_time` < ?',
    );
  });

  it('builds multi-row INSERT and ON DUPLICATE KEY UPDATE of every non-key column', () => {
    const spec = sourceTable('t_channel_fee');
    const sql = insertSql(spec, 2, true);
    expect(sql).toContain('VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE');
    expect(sql).toContain('`is_del` = VALUES(`is_del`)');
    expect(sql).not.toContain('`id` = VALUES');
    expect(insertSql(spec, 1, false)).not.toContain('DUPLICATE');
  });
});

describe('MySQL error mapping', () => {
  const ctx = { source: 'salesorder' as const, table: 't_order', operation: 'read', password: 'pw-secret' };
  it.each(['ECONNREFUSED', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ETIMEDOUT', 'ER_CON_COUNT_ERROR'])(
    '%s → SourceConnectionError',
    (code) => {
      const error = mapMysqlError(Object.assign(new Error(`boom pw-secret ${code}`), { code }), ctx);
      expect(error).toBeInstanceOf(SourceConnectionError);
      expect(error.message).toContain('source salesorder table t_order');
      expect(error.message).not.toContain('pw-secret');
    },
  );

  it.each(['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_PARSE_ERROR'])(
    '%s → SourceQueryError',
    (code) => {
      expect(mapMysqlError(Object.assign(new Error('x'), { code }), ctx)).toBeInstanceOf(SourceQueryError);
    },
  );

  it('maps an AggregateError of refused addresses to SourceConnectionError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:3306'), { code: 'ECONNREFUSED' });
    expect(mapMysqlError(new AggregateError([inner]), ctx)).toBeInstanceOf(SourceConnectionError);
  });
});

describe('MySQL failures against real endpoints', () => {
  let closedPort: number;
  let silent: Server;
  let silentPort: number;
  let dbs: Awaited<ReturnType<typeof createTestMysqlSources>>;

  beforeAll(async () => {
    // A port that was just free: nothing listens there, so connecting is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // A server that accepts and then drops every connection.
    silent = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    dbs = await createTestMysqlSources();
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await dbs?.drop();
  });

  it('connection refused → SourceConnectionError naming source and table, never the password', async () => {
    const reader = new MysqlSourceReader(
      'salesorder',
      `mysql://recon:Sup3r-Secret-pw@127.0.0.1:${closedPort}/db1`,
    );
    try {
      const error = await drain(reader).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SourceConnectionError);
      const text = `${(error as Error).message} ${String((error as Error).cause)} ${JSON.stringify((error as SourceConnectionError).context)}`;
      expect(text).toContain('salesorder');
      expect(text).toContain('t_order');
      expect(text).not.toContain('Sup3r-Secret-pw');
      expect(text).not.toContain('mysql://');
    } finally {
      await reader.close();
    }
  });

  it('connection dropped by the server → SourceConnectionError', async () => {
    const reader = new MysqlSourceReader('salesorder', `mysql://recon:pw@127.0.0.1:${silentPort}/db1`);
    try {
      await expect(drain(reader)).rejects.toBeInstanceOf(SourceConnectionError);
    } finally {
      await reader.close();
    }
  });

  it('wrong password → SourceQueryError without the password', async () => {
    const url = new URL(dbs.urls.salesorder);
    url.password = 'Wr0ng-Secret-pw';
    const reader = new MysqlSourceReader('salesorder', url.toString());
    try {
      const error = await drain(reader).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SourceQueryError);
      expect((error as Error).message).toContain('salesorder');
      expect((error as Error).message).not.toContain('Wr0ng-Secret-pw');
    } finally {
      await reader.close();
    }
  });

  it('missing table → SourceQueryError', async () => {
    const reader = new MysqlSourceReader('salesorder', dbs.urls.salesorder);
    try {
      await expect(drain(reader)).rejects.toBeInstanceOf(SourceQueryError);
    } finally {
      await reader.close();
    }
  });

  it('stopping early releases nothing broken: the pool keeps serving reads', async () => {
    const sink = new MysqlSourceSink('salesorder', dbs.urls.salesorder);
    const reader = new MysqlSourceReader('salesorder', dbs.urls.salesorder, { connectionLimit: 1 });
    try {
      await sink.createTables();
      await sink.truncateAll();
      const rows = Array.from({ length: 3000 }, (_, i) => [
        String(i + 1),
        `N${i}`,
        '1',
        null,
        '1.00',
        '0.00',
        5,
        1,
        'USD',
        null,
        null,
        '2026-03-08 01:00:00',
        '2026-03-08 01:00:00',
        null,
        null,
        0,
      ]);
      await sink.insert(T_ORDER, rows); // 3 chunks of 1000
      for await (const batch of reader.readPartition(T_ORDER, DAY, { batchSize: 100 })) {
        expect(batch).toHaveLength(100);
        break;
      }
      expect(await drain(reader)).toBe(3000);
    } finally {
      await reader.close();
      await sink.close();
    }
  });

  it('reads zero-date and NULL watermarks (as real MySQL sources hold them) only when asked', async () => {
    const sink = new MysqlSourceSink('salespayment', dbs.urls.salespayment);
    const reader = new MysqlSourceReader('salespayment', dbs.urls.salespayment);
    const { host, port, user, password, database } = parseMysqlUrl(dbs.urls.salespayment);
    const conn = await mysql.createConnection({ host, port, user, password, database });
    try {
      await sink.createTables();
      // A source that allows what the spec schema forbids: a nullable watermark and zero dates.
      await conn.query('ALTER TABLE t_refund MODIFY update_time DATETIME NULL');
      await conn.query("SET SESSION sql_mode = ''");
      await conn.query(
        `INSERT INTO t_refund (id, trade_no, refund_amount, refund_status, create_time, update_time, is_del) VALUES
           (60, 'TR-Z0', 100, 1, '2026-03-08 10:00:00', '2026-03-08 10:00:00', 0),
           (61, 'TR-Z1', 100, 1, '2026-03-08 10:00:00', '0000-00-00 00:00:00', 0),
           (62, 'TR-Z2', 100, 1, '2026-03-08 10:00:00', NULL, 0),
           (63, 'TR-Z3', 100, 1, '2026-03-08 10:00:00', '1969-07-20 20:17:40', 0)`,
      );
      const T_REFUND = sourceTable('t_refund');
      const read = async (invalidWatermarks: boolean) => {
        const rows: [string, unknown][] = [];
        for await (const batch of reader.readPartition(T_REFUND, { ...DAY, invalidWatermarks }))
          for (const r of batch) rows.push([String(r[0]), r[5]]);
        return rows.sort((a, b) => a[0].localeCompare(b[0]));
      };
      expect(await read(false)).toEqual([['60', '2026-03-08 10:00:00']]);
      expect(await read(true)).toEqual([
        ['60', '2026-03-08 10:00:00'],
        ['61', '0000-00-00 00:00:00'],
        ['62', null],
        ['63', '1969-07-20 20:17:40'],
      ]);
    } finally {
      await conn.end();
      await reader.close();
      await sink.close();
    }
  });

  it('createTables creates the database named by the URL when it is missing', async () => {
    const url = new URL(dbs.urls.salespayment);
    url.pathname = `${url.pathname}_created`;
    const sink = new MysqlSourceSink('salespayment', url.toString());
    const reader = new MysqlSourceReader('salespayment', url.toString());
    try {
      await sink.createTables();
      expect(await drain(reader, sourceTable('t_trade'))).toBe(0);
    } finally {
      await reader.close();
      await sink.close();
      const { host, port, user, password, database } = parseMysqlUrl(url.toString());
      const conn = await mysql.createConnection({ host, port, user, password });
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    }
  });
});
