/**
 * Source access behind small interfaces: a `SourceReader` streams one partition (table × time
 * slice) in bounded memory; a `SourceSink` writes rows (used by the synthetic generator and tests).
 */
import type { SourceId, SourceTableSpec } from './spec.ts';

/** One value as read from a source: exact text for DECIMAL/BIGINT/DATETIME/DATE, number for INT. */
export type RawValue = string | number | bigint | null;

/** A source row: values in the order of `SourceTableSpec.columns` (only the named columns). */
export type RawRow = RawValue[];

/**
 * What one partition read selects: the rows whose watermark column is in [from, to), and, when
 * `invalidWatermarks` is set, also the rows whose watermark no window can hold (NULL, a zero date
 * `0000-00-00` or any instant before `MIN_TIMESTAMP`, the first timestamp standardization accepts).
 * Those rows are read so that standardization
 * dead-letters them; otherwise they would be neither reconciled nor counted.
 */
export interface ReadWindow {
  /** Inclusive lower bound, 'YYYY-MM-DD HH:MM:SS' UTC. */
  from: string;
  /** Exclusive upper bound, 'YYYY-MM-DD HH:MM:SS' UTC. */
  to: string;
  /** Also read the rows with a NULL, zero or pre-1970 watermark (one partition per table). */
  invalidWatermarks?: boolean;
}

/** One unit of extraction work: one table, one half-open window [from, to) of its watermark. */
export interface Partition extends ReadWindow {
  source: SourceId;
  table: string;
  /** Position of this partition in the plan (stable file naming). */
  index: number;
}

export interface SourceReader {
  /** Which source this reader serves. */
  readonly source: SourceId;
  /**
   * Stream the rows of `spec` whose watermark column is in [from, to) (and, with
   * `invalidWatermarks`, those whose watermark is NULL, zero or before 1970), including
   * soft-deleted and non-USD rows (standardization classifies them), in batches of at most
   * `batchSize` rows.
   * Only the columns of `spec.columns` are selected; memory stays bounded by the batch size.
   * @throws SourceConnectionError on transient connection failures, SourceQueryError otherwise.
   */
  readPartition(
    spec: SourceTableSpec,
    window: ReadWindow,
    options?: { batchSize?: number },
  ): AsyncIterable<RawRow[]>;
  /** Release connections. */
  close(): Promise<void>;
}

export interface SourceSink {
  readonly source: SourceId;
  /** Create the source's tables if missing (DDL derived from the specs). */
  createTables(): Promise<void>;
  /** Delete every row of the source's tables. */
  truncateAll(): Promise<void>;
  /** Insert rows (values in `spec.columns` order; strings for DECIMAL/DATETIME/DATE). */
  insert(spec: SourceTableSpec, rows: RawRow[]): Promise<void>;
  /**
   * Apply updates: each row replaces the row with the same primary key (full column list).
   * Used to model late status changes (soft deletes, refund completion).
   */
  upsert(spec: SourceTableSpec, rows: RawRow[]): Promise<void>;
  close(): Promise<void>;
}
