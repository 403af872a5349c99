/**
 * Extraction high-watermarks (SPEC §4 steps 1–2): where the next incremental extraction of a
 * table starts. A watermark only moves forward, and only after the load that read up to it
 * committed (pass the load's transaction as the executor to advance it in the same commit).
 * In AWS the store is a DynamoDB table (coming with the deployment work); locally and in tests
 * it is `recon.etl_watermarks`.
 */
import { WarehouseError } from '../errors.ts';
import { modelSteps } from './model.ts';
import type { SqlExecutor } from './types.ts';
import { dateToUtcText } from './values.ts';

/** One table's stored watermark. */
export interface Watermark {
  source: string;
  table: string;
  /** 'YYYY-MM-DD HH:MM:SS[.ffffff]' UTC: everything up to here has been extracted and loaded. */
  lastExtractedAt: string;
  lastRunId: string;
  /** Rows loaded by the run that set it (exact integer text). */
  rowCount: string;
  /** When it was last moved, UTC text. */
  updatedAt: string;
}

/** Where watermarks are kept. */
export interface WatermarkStore {
  /** The watermark of one table, or undefined before its first load. */
  get(source: string, table: string): Promise<Watermark | undefined>;
  /** Every stored watermark, ordered by source then table. */
  getAll(): Promise<Watermark[]>;
  /**
   * Move the watermark of a table to `to` ('YYYY-MM-DD HH:MM:SS[.ffffff]' UTC) if that is later
   * than the stored one (or none is stored). Never moves it backwards or sideways.
   * @returns whether it moved.
   */
  advance(
    source: string,
    table: string,
    to: string,
    runId: string,
    rowCount: number | bigint | string,
  ): Promise<boolean>;
}

interface WatermarkRow {
  source_name: string;
  table_name: string;
  last_extracted_at: string;
  last_run_id: string;
  row_count: string;
  updated_at: string;
  [key: string]: unknown;
}

/** The watermark model. */
export const WATERMARKS_MODEL = 'staging/etl_watermarks.sql';

/** One named step of the watermark model. */
function sql(name: 'get_all' | 'get_one' | 'advance_existing' | 'insert_first'): string {
  return modelSteps(WATERMARKS_MODEL)(name);
}

const TIMESTAMP_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/;

function toWatermark(row: WatermarkRow): Watermark {
  return {
    source: row.source_name,
    table: row.table_name,
    lastExtractedAt: row.last_extracted_at,
    lastRunId: row.last_run_id,
    rowCount: String(row.row_count),
    updatedAt: row.updated_at,
  };
}

/** {@link WatermarkStore} over `recon.etl_watermarks` in the warehouse (or a transaction of it). */
export class WarehouseWatermarkStore implements WatermarkStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(source: string, table: string): Promise<Watermark | undefined> {
    const rows = await this.db.query<WatermarkRow>(sql('get_one'), { source, table });
    const row = rows[0];
    return row === undefined ? undefined : toWatermark(row);
  }

  async getAll(): Promise<Watermark[]> {
    const rows = await this.db.query<WatermarkRow>(sql('get_all'));
    return rows.map(toWatermark);
  }

  async advance(
    source: string,
    table: string,
    to: string,
    runId: string,
    rowCount: number | bigint | string,
  ): Promise<boolean> {
    if (!TIMESTAMP_TEXT.test(to))
      throw new RangeError(`watermark must be 'YYYY-MM-DD HH:MM:SS[.ffffff]', got ${to}`);
    const params = {
      source,
      table,
      to,
      runId,
      rowCount: typeof rowCount === 'string' ? rowCount : rowCount.toString(),
      updatedAt: dateToUtcText(this.now()),
    };
    const update = (): Promise<number> => this.db.execute(sql('advance_existing'), params);
    if ((await update()) > 0) return true;
    // No row moved: either none exists yet (insert it) or the stored one is not older (keep it).
    let inserted: number;
    try {
      inserted = await this.db.execute(sql('insert_first'), params);
    } catch (error) {
      // A concurrent first advance inserted the row between our UPDATE and INSERT (the primary
      // key refused the duplicate): compete through the UPDATE instead. Inside a transaction
      // the failed INSERT has aborted it, so the retry fails and the original error is thrown.
      if (!(error instanceof WarehouseError) || error.context['sqlstate'] !== '23505') throw error;
      try {
        return (await update()) > 0;
      } catch {
        throw error;
      }
    }
    if (inserted > 0) return true;
    // The row exists: it was stored already, or a concurrent first advance committed it after
    // our UPDATE looked. The row now exists, so this UPDATE decides.
    return (await update()) > 0;
  }
}
