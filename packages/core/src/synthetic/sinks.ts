/**
 * Writing generated data into source sinks (MySQL or the embedded demo sources).
 */
import { type SourceId, sourceTable } from '../sources/spec.ts';
import type { SourceSink } from '../sources/types.ts';
import { GENERATED_TABLES } from './generator.ts';
import type { GeneratedChunk, Generator } from './types.ts';

/** Progress of {@link writeToSinks}, reported after every chunk. */
export interface WriteProgress {
  date: string;
  chunkIndex: number;
  chunkCount: number;
  lastOfDay: boolean;
  /** Rows inserted and updated by this chunk. */
  inserted: number;
  updated: number;
  /** Running totals over the whole write. */
  totalInserted: number;
  totalUpdated: number;
  /** Orders written so far. */
  totalOrders: number;
}

/** Options of {@link writeToSinks}. */
export interface WriteOptions {
  /** Called after every chunk. */
  onProgress?: (progress: WriteProgress) => void;
  /** Called after the last chunk of each date (e.g. to run the pipeline for that date). */
  afterDay?: (date: string, batchEnd: string) => Promise<void> | void;
  /** Run `createTables()` on every sink first (default true). */
  createTables?: boolean;
  /** Run `truncateAll()` on every sink first (default false). */
  truncate?: boolean;
  /** Maximum rows per `insert`/`upsert` call (default 10,000). */
  batchRows?: number;
}

/** Totals of a write. */
export interface WriteSummary {
  inserted: number;
  updated: number;
  orders: number;
  byTable: Record<string, { inserted: number; updated: number }>;
}

/**
 * Write one chunk: its inserts, then its updates, table by table in spec order.
 * @returns rows inserted and updated.
 */
export async function writeChunk(
  chunk: GeneratedChunk,
  sinks: Record<SourceId, SourceSink>,
  options: { batchRows?: number; byTable?: WriteSummary['byTable'] } = {},
): Promise<{ inserted: number; updated: number }> {
  const batch = options.batchRows ?? 10_000;
  let inserted = 0;
  let updated = 0;
  for (const phase of ['inserts', 'updates'] as const) {
    for (const table of GENERATED_TABLES) {
      const rows = chunk[phase].get(table);
      if (!rows || rows.length === 0) continue;
      const spec = sourceTable(table);
      const sink = sinks[spec.source];
      for (let i = 0; i < rows.length; i += batch) {
        const slice = rows.slice(i, i + batch);
        if (phase === 'inserts') await sink.insert(spec, slice);
        else await sink.upsert(spec, slice);
      }
      if (phase === 'inserts') inserted += rows.length;
      else updated += rows.length;
      if (options.byTable) {
        const t = options.byTable[table] ?? { inserted: 0, updated: 0 };
        if (phase === 'inserts') t.inserted += rows.length;
        else t.updated += rows.length;
        options.byTable[table] = t;
      }
    }
  }
  return { inserted, updated };
}

/**
 * Create the source tables and write everything a generator produces, date by date (inserts then
 * updates of each chunk), optionally calling `afterDay` once a date's batch is complete.
 */
export async function writeToSinks(
  generator: Generator,
  sinks: Record<SourceId, SourceSink>,
  options: WriteOptions = {},
): Promise<WriteSummary> {
  const all = Object.values(sinks);
  if (options.createTables ?? true) for (const s of all) await s.createTables();
  if (options.truncate) for (const s of all) await s.truncateAll();
  const summary: WriteSummary = { inserted: 0, updated: 0, orders: 0, byTable: {} };
  for (const chunk of generator.days()) {
    const r = await writeChunk(chunk, sinks, {
      byTable: summary.byTable,
      ...(options.batchRows === undefined ? {} : { batchRows: options.batchRows }),
    });
    summary.inserted += r.inserted;
    summary.updated += r.updated;
    summary.orders += chunk.orders;
    options.onProgress?.({
      date: chunk.date,
      chunkIndex: chunk.chunkIndex,
      chunkCount: chunk.chunkCount,
      lastOfDay: chunk.lastOfDay,
      inserted: r.inserted,
      updated: r.updated,
      totalInserted: summary.inserted,
      totalUpdated: summary.updated,
      totalOrders: summary.orders,
    });
    if (chunk.lastOfDay && options.afterDay) await options.afterDay(chunk.date, chunk.batchEnd);
  }
  return summary;
}
