/**
 * The CSV interchange format between standardization, Parquet conversion and warehouse COPY:
 * RFC 4180, no header, NULL as unquoted `\N`, every text value quoted (so an empty string and a
 * literal "\N" stay distinct from NULL).
 */
import type { StagingColumn } from '../sources/spec.ts';
import type { StagingValue } from '../standardize/standardize.ts';

export const CSV_NULL = '\\N';

/** Encode one text value, quoted. */
export function quoteCsv(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** Build a line encoder for a column list (text kinds quoted, others raw). */
export function csvLineEncoder(
  columns: readonly StagingColumn[],
): (values: readonly StagingValue[]) => string {
  const quoted = columns.map((c) => c.kind === 'text');
  return (values) => {
    let line = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (i > 0) line += ',';
      line += v === null || v === undefined ? CSV_NULL : quoted[i] ? quoteCsv(v) : v;
    }
    return `${line}\n`;
  };
}
