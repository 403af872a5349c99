/**
 * The floor: the cost of moving the bytes and nothing else. Every source table is streamed out
 * of MariaDB (`SELECT *`, rows as arrays, no buffering) and piped as COPY text into a PostgreSQL
 * table of the same width, four tables at a time (the pipeline's extraction concurrency). No
 * parsing, standardizing, staging or matching: a lower bound for any pipeline that reads the
 * rows from the sources and writes them to the warehouse.
 */
import { performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mysql from 'mysql2';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SOURCE_IDS, type SourceId } from '../packages/core/src/sources/spec.ts';

/** How the floor went: seconds and rows moved per table. */
export interface FloorResult {
  seconds: number;
  rows: number;
  byTable: Record<string, number>;
}

/** A value as COPY text: `\N` for NULL, backslash, tab and line breaks escaped. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    value instanceof Date
      ? value.toISOString()
      : Buffer.isBuffer(value)
        ? value.toString('hex')
        : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function moveTable(
  sourceUrl: string,
  table: string,
  warehouseUrl: string,
  target: string,
): Promise<number> {
  const source = mysql.createConnection({ uri: sourceUrl, rowsAsArray: true, dateStrings: true });
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    // The table's width, to create a target of text columns.
    const [cols] = await source
      .promise()
      .query<mysql.RowDataPacket[]>(
        'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table],
      );
    const names = (cols as unknown as unknown[][]).map((r) => String(r[0]));
    await client.query(`CREATE TABLE ${target} (${names.map((n) => `"${n}" TEXT`).join(', ')})`);
    let rows = 0;
    const toLines = new Transform({
      writableObjectMode: true,
      transform(row: unknown[], _enc, done) {
        rows++;
        done(null, `${row.map(copyText).join('\t')}\n`);
      },
    });
    const copy = client.query(copyFrom(`COPY ${target} FROM STDIN`));
    const query = source.query(`SELECT * FROM \`${table}\``);
    await pipeline(query.stream({ highWaterMark: 1000 }), toLines, copy);
    return rows;
  } finally {
    await new Promise<void>((resolve) => source.end(() => resolve()));
    await client.end();
  }
}

/**
 * Move every table of `tables` (source → table names) from the MariaDB sources into the
 * PostgreSQL database `warehouseUrl`, `concurrency` tables at a time.
 */
export async function measureFloor(
  sourceUrls: Record<SourceId, string>,
  tables: Record<SourceId, readonly string[]>,
  warehouseUrl: string,
  concurrency = 4,
): Promise<FloorResult> {
  const jobs = SOURCE_IDS.flatMap((s) => tables[s].map((t) => ({ source: s, table: t })));
  const byTable: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      byTable[`${job.source}.${job.table}`] = await moveTable(
        sourceUrls[job.source],
        job.table,
        warehouseUrl,
        `floor_${job.source}_${job.table}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rows: Object.values(byTable).reduce((a, b) => a + b, 0), byTable };
}
