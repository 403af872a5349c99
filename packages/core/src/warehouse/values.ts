/**
 * Value normalization shared by the PostgreSQL and PGlite adapters (the contract of types.ts):
 * results — NUMERIC/BIGINT as exact strings, TIMESTAMP/DATE as their text, TIMESTAMPTZ as ISO
 * text; parameters — everything bound as text so no engine or driver converts through floats or
 * the process time zone.
 */
import { compileNamed, isSafeIdentifier, namedParams, SqlParamError } from '@recon/sql';
import { WarehouseError } from '../errors.ts';
import type { SqlParams } from './types.ts';

/** PostgreSQL type OIDs the adapters parse specially. */
export const PG_OID = {
  INT8: 20,
  NUMERIC: 1700,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  BOOL: 16,
} as const;

const identity = (value: string): string => value;

/**
 * `2024-03-10 07:00:00.5+00` (PostgreSQL text with TimeZone=UTC) → `2024-03-10T07:00:00.5Z`;
 * other offsets become `±HH:MM`. Infinity and other non-matching text pass through unchanged.
 */
export function timestamptzToIso(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?( BC)?$/.exec(
    text,
  );
  if (!m || m[6] !== undefined) return text;
  const [, date, time, hours, minutes = '00'] = m;
  const offset = hours === '+00' && minutes === '00' ? 'Z' : `${hours}:${minutes}`;
  return `${date}T${time}${offset}`;
}

/** Result parsers by type OID, for both drivers. */
export const RESULT_PARSERS: Readonly<Record<number, (value: string) => unknown>> = {
  [PG_OID.INT8]: identity,
  [PG_OID.NUMERIC]: identity,
  [PG_OID.DATE]: identity,
  [PG_OID.TIMESTAMP]: identity,
  [PG_OID.TIMESTAMPTZ]: timestamptzToIso,
};

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC — how a JS Date is bound (never the process time zone). */
export function dateToUtcText(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new WarehouseError('cannot bind an invalid Date');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Convert one parameter value to what is bound: null, or text. Strings pass unchanged; numbers
 * must be finite; bigint and boolean become their text; Dates become UTC timestamp text; objects
 * with their own `toString` (decimal.js `Decimal`) bind as that text. Anything else is rejected.
 */
export function toBindValue(value: unknown, name: string): string | null {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new WarehouseError(`parameter ${name} is not a finite number`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      throw new WarehouseError(`parameter ${name} is undefined`);
    case 'object': {
      if (value instanceof Date) return dateToUtcText(value);
      const ownToString = (value as { toString?: unknown }).toString;
      if (typeof ownToString === 'function' && ownToString !== Object.prototype.toString) {
        return String(value);
      }
      throw new WarehouseError(`parameter ${name} has an unsupported object type`);
    }
    default:
      throw new WarehouseError(`parameter ${name} has unsupported type ${typeof value}`);
  }
}

/** A statement ready for a driver: positional text and bound text values. */
export interface PreparedStatement {
  text: string;
  values: (string | null)[];
}

/**
 * Compile named parameters (or take positional ones) and convert every value with
 * {@link toBindValue}. Errors become {@link WarehouseError}s naming the parameter.
 */
export function prepareStatement(sql: string, params: SqlParams | undefined): PreparedStatement {
  if (params === undefined) return { text: sql, values: [] };
  if (Array.isArray(params)) {
    return { text: sql, values: params.map((v, i) => toBindValue(v, `$${i + 1}`)) };
  }
  try {
    const compiled = compileNamed(sql, params as Readonly<Record<string, unknown>>);
    const names = namedParams(sql);
    return {
      text: compiled.text,
      values: compiled.values.map((v, i) => toBindValue(v, `:${names[i] ?? String(i + 1)}`)),
    };
  } catch (error) {
    if (error instanceof SqlParamError) {
      throw new WarehouseError(error.message, { cause: error, context: { param: error.param } });
    }
    throw error;
  }
}

/**
 * The text of a COPY column list / table name, validated: only plain (optionally
 * schema-qualified) identifiers are accepted, since they are spliced into the statement.
 */
export function copyTarget(table: string, columns: readonly string[]): string {
  if (!isSafeIdentifier(table)) throw new WarehouseError(`unsafe COPY table name ${JSON.stringify(table)}`);
  if (columns.length === 0) throw new WarehouseError(`COPY into ${table} needs at least one column`);
  for (const c of columns) {
    if (!isSafeIdentifier(c) || c.includes('.')) {
      throw new WarehouseError(`unsafe COPY column name ${JSON.stringify(c)}`);
    }
  }
  return `${table} (${columns.join(', ')})`;
}
