/**
 * The floor: the cost of moving the bytes and nothing else. Every partition the measured run
 * extracted is streamed out of MariaDB with the product's own query (rows as arrays, no
 * buffering) and piped as COPY text into a PostgreSQL table of the same width, four partitions at
 * a time (the pipeline's extraction concurrency). No
 * parsing, standardizing, staging or matching: a lower bound for any pipeline that reads the
 * rows from the sources and writes them to the warehouse.
 */
import { performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mysql from 'mysql2';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { mysqlConnectionOptions, mysqlSelectSql, parseMysqlUrl } from '../packages/core/src/sources/mysql.ts';
import { type SourceId, sourceTable } from '../packages/core/src/sources/spec.ts';
import type { Partition } from '../packages/core/src/sources/types.ts';

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

async function movePartition(sourceUrl: string, partition: Partition, warehouseUrl: string): Promise<number> {
  const spec = sourceTable(partition.table);
  // The product reader's connection options: the floor decodes values exactly as it does.
  const source = mysql.createConnection({
    ...mysqlConnectionOptions(parseMysqlUrl(sourceUrl)),
    rowsAsArray: true,
  });
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    let rows = 0;
    const toLines = new Transform({
      writableObjectMode: true,
      transform(row: unknown[], _enc, done) {
        rows++;
        done(null, `${row.map(copyText).join('\t')}\n`);
      },
    });
    const copy = client.query(copyFrom(`COPY ${floorTable(partition)} FROM STDIN`));
    // The product's own query text and bounds: the very rows the pipeline extracted.
    const query = source.query(mysqlSelectSql(spec), [partition.from, partition.to]);
    await pipeline(query.stream({ highWaterMark: 1000 }), toLines, copy);
    return rows;
  } finally {
    await new Promise<void>((resolve) => source.end(() => resolve()));
    await client.end();
  }
}

/** The floor's target table of a partition's source table. */
function floorTable(partition: Pick<Partition, 'source' | 'table'>): string {
  return `floor_${partition.source}_${partition.table}`;
}

/**
 * Move the rows of every partition the measured run extracted (the product's extraction query
 * and bounds) from the MariaDB sources into the PostgreSQL database `warehouseUrl`, into tables of
 * text columns, `concurrency` partitions at a time.
 */
export async function measureFloor(
  sourceUrls: Record<SourceId, string>,
  partitions: readonly Partition[],
  warehouseUrl: string,
  concurrency = 4,
): Promise<FloorResult> {
  const client = new pg.Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    for (const p of new Map(partitions.map((x) => [floorTable(x), x])).values()) {
      const spec = sourceTable(p.table);
      await client.query(
        `CREATE TABLE ${floorTable(p)} (${spec.columns.map((c) => `"${c.name}" TEXT`).join(', ')})`,
      );
    }
  } finally {
    await client.end();
  }
  const byTable: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < partitions.length) {
      const p = partitions[next++]!;
      const moved = await movePartition(sourceUrls[p.source], p, warehouseUrl);
      byTable[`${p.source}.${p.table}`] = (byTable[`${p.source}.${p.table}`] ?? 0) + moved;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, partitions.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rows: Object.values(byTable).reduce((a, b) => a + b, 0), byTable };
}
