/**
 * Extraction streams: a 1,000,000-row source table is extracted, standardized and written to
 * Parquet by a process that stays under 512 MiB resident memory.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlSourceSink } from '../packages/core/src/sources/mysql.ts';
import { sourceTable } from '../packages/core/src/sources/spec.ts';
import { createTestMysqlSources } from './support/databases.ts';

const run = promisify(execFile);
const ROWS = 1_000_000;

describe('bounded memory', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());

  it('extracts a 1,000,000-row table in under 512 MiB RSS', async () => {
    const sources = await createTestMysqlSources('tm');
    drop = sources.drop;
    const url = sources.urls.salesorder!;
    const sink = new MysqlSourceSink('salesorder', url);
    await sink.createTables();
    await sink.close();
    const conn = await mysql.createConnection(url);
    // MariaDB's SEQUENCE engine makes a million rows server-side in seconds.
    await conn.query(
      `INSERT INTO t_order_pay (id, order_id, trade_no, pay_money, pay_type, pay_status, create_time, update_time, is_del)
       SELECT seq, 9007199254740993 + seq, CONCAT('T', seq), seq % 100000, 1, 1,
              TIMESTAMP('2026-11-20 05:00:00') + INTERVAL (seq % 86400) SECOND,
              TIMESTAMP('2026-11-20 05:00:00') + INTERVAL (seq % 86400) SECOND, 0
       FROM seq_1_to_${ROWS}`,
    );
    await conn.end();
    expect(sourceTable('t_order_pay').staging.name).toBe('stg_recon_payments');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/extract-partition-child.ts',
        url,
        '2026-11-20 05:00:00',
        '2026-11-21 05:00:00',
      ],
      { cwd: process.cwd(), maxBuffer: 1 << 20, timeout: 300_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      rowsRead: number;
      rowsStaged: number;
      maxRssKb: number;
    };
    expect(result.rowsRead).toBe(ROWS);
    expect(result.rowsStaged).toBe(ROWS);
    const mib = result.maxRssKb / 1024;
    console.log(`peak RSS extracting ${ROWS.toLocaleString('en-US')} rows: ${mib.toFixed(0)} MiB`);
    expect(mib).toBeLessThan(512);
  }, 600_000);
});
