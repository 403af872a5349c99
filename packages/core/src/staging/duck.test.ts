import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  csvToParquet,
  duck,
  duckMemoryLimitMb,
  duckTempDirectory,
  readParquet,
  selectToCsv,
  selectToParquet,
} from './duck.ts';

const columns = [
  { name: 'id', kind: 'bigint', sqlType: 'BIGINT' },
  { name: 'amount', kind: 'money', sqlType: 'DECIMAL(12,2)' },
  { name: 'note', kind: 'text', sqlType: 'VARCHAR(64)' },
  { name: 'at', kind: 'timestamp', sqlType: 'TIMESTAMP' },
] as const;

describe('Parquet conversion through DuckDB', () => {
  it('round-trips exact values, NULL, empty and "\\N" text, in a directory with unusual characters', async () => {
    const dir = mkdtempSync(join(tmpdir(), "recon josé (work) ~'x-"));
    const csv = join(dir, 'in.csv');
    writeFileSync(
      csv,
      '9223372036854775807,9999999999.99,"a,""b"";\n",2026-03-08 07:30:00\n' +
        '2,0.01,"",\\N\n' +
        '3,-0.10,"\\N",2026-11-01 05:59:59\n' +
        '4,1.10,\\N,2026-11-01 06:00:00\n',
    );
    await csvToParquet(csv, join(dir, 'out.parquet'), columns);
    const n = await selectToCsv(
      `SELECT * FROM ${readParquet([join(dir, 'out.parquet')])}`,
      join(dir, 'back.csv'),
    );
    expect(n).toBe(4);
    expect(readFileSync(join(dir, 'back.csv'), 'utf8')).toBe(
      '"9223372036854775807","9999999999.99","a,""b"";\n","2026-03-08 07:30:00"\n' +
        '"2","0.01","",\\N\n' +
        '"3","-0.10","\\N","2026-11-01 05:59:59"\n' +
        '"4","1.10",\\N,"2026-11-01 06:00:00"\n',
    );
  });

  it('refuses a value that does not fit its type instead of truncating it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-duck-'));
    writeFileSync(join(dir, 'in.csv'), '1,10000000000.00,"x",2026-01-01 00:00:00\n');
    await expect(csvToParquet(join(dir, 'in.csv'), join(dir, 'out.parquet'), columns)).rejects.toThrow(
      /could not write Parquet/,
    );
  });

  it('writes a SELECT as one Parquet file with exactly the given columns and exact types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-duck-'));
    const out = join(dir, 'load.parquet');
    const n = await selectToParquet(
      "SELECT 1 AS id, '9999999999.99' AS amount, NULL AS note, '2026-03-08 07:30:00.000001' AS at, false AS _deleted " +
        'UNION ALL SELECT 2, NULL, NULL, NULL, true',
      out,
      [...columns, { name: '_deleted', kind: 'boolean', sqlType: 'BOOLEAN' }],
    );
    expect(n).toBe(2);
    const db = await duck();
    const rows = (
      await db.runAndReadAll(
        `SELECT id, amount::VARCHAR, note, "at"::VARCHAR, _deleted FROM read_parquet('${out}') ORDER BY id`,
      )
    ).getRows();
    expect(rows).toEqual([
      [1n, '9999999999.99', null, '2026-03-08 07:30:00.000001', false],
      [2n, null, null, null, true],
    ]);
    const types = (
      await db.runAndReadAll(
        `SELECT name, type, converted_type FROM parquet_schema('${out}') WHERE name <> 'duckdb_schema'`,
      )
    ).getRows();
    expect(types).toEqual([
      ['id', 'INT64', 'INT_64'],
      ['amount', 'INT64', 'DECIMAL'],
      ['note', 'BYTE_ARRAY', 'UTF8'],
      ['at', 'INT64', 'TIMESTAMP_MICROS'],
      ['_deleted', 'BOOLEAN', null],
    ]);
    await expect(
      selectToParquet("SELECT 1 AS id, '1e12' AS amount, NULL AS note, NULL AS at", out, columns),
    ).rejects.toThrow(/could not write Parquet/);
  });
});

describe('DuckDB limits', () => {
  it('spills under the OS temp directory, never the working directory (read-only in Lambda)', async () => {
    const db = await duck();
    const reader = await db.runAndReadAll(
      "SELECT current_setting('temp_directory') AS dir, current_setting('memory_limit') AS mem",
    );
    const [row] = reader.getRowObjectsJS() as { dir: string; mem: string }[];
    expect(row!.dir).toBe(duckTempDirectory());
    expect(row!.dir.startsWith(tmpdir())).toBe(true);
    expect(row!.mem).toMatch(/MiB|MB|GiB/);
  });

  it('sizes memory to 40 % of a Lambda function, 128 MB elsewhere', () => {
    expect(duckMemoryLimitMb({})).toBe(128);
    expect(duckMemoryLimitMb({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' })).toBe(819);
    expect(duckMemoryLimitMb({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256' })).toBe(128);
  });
});
