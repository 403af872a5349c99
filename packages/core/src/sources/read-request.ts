/**
 * Checks shared by every SourceReader and SourceSink before touching a database.
 */
import { SourceQueryError } from '../errors.ts';
import type { SourceId, SourceTableSpec } from './spec.ts';
import type { ReadWindow } from './types.ts';

/** Default rows per batch when reading a partition. */
export const DEFAULT_BATCH_SIZE = 10_000;

const WINDOW_BOUND_RE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,6})?)?$/;

/** The table must belong to the source the reader or sink serves. */
export function checkSpec(source: SourceId, spec: SourceTableSpec): void {
  if (spec.source !== source) {
    throw new SourceQueryError(`table ${spec.table} belongs to source ${spec.source}, not ${source}`, {
      context: { source, table: spec.table },
    });
  }
}

/**
 * Validate a partition read (table of this source, 'YYYY-MM-DD HH:MM:SS' bounds, a boolean
 * invalidWatermarks flag, positive batch size) and return the batch size to use.
 */
export function checkReadRequest(
  source: SourceId,
  spec: SourceTableSpec,
  window: ReadWindow,
  options: { batchSize?: number },
): number {
  checkSpec(source, spec);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new SourceQueryError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  for (const bound of [window.from, window.to]) {
    if (!WINDOW_BOUND_RE.test(bound)) {
      throw new SourceQueryError(
        `invalid window bound "${bound}" for ${spec.table}; expected 'YYYY-MM-DD HH:MM:SS'`,
        { context: { source, table: spec.table } },
      );
    }
  }
  if (window.invalidWatermarks !== undefined && typeof window.invalidWatermarks !== 'boolean') {
    throw new SourceQueryError(
      `invalidWatermarks must be true or false for ${spec.table}, got ${JSON.stringify(window.invalidWatermarks)}`,
      { context: { source, table: spec.table } },
    );
  }
  return batchSize;
}
