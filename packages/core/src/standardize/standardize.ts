/**
 * Standardization (seed §3, SPEC §2–3): one source row in, one of
 * - a staging row (values as exact text, in staging column order),
 * - a tombstone (soft-deleted or non-USD row: removes any earlier version from staging),
 * - a dead letter (the row cannot be standardized; the reason says why).
 * Driven entirely by the declarative specs in `sources/spec.ts`.
 */
import { centsToDollars, MoneyFormatError, normalizeDollars, subtractDollars } from '../money.ts';
import type { Derivation, SourceTableSpec, StagingColumn } from '../sources/spec.ts';
import type { RawRow, RawValue } from '../sources/types.ts';
import { type BusinessCalendar, canonicalTimestamp, isValidDate, parseSourceTimestamp } from '../time.ts';

/** A staging value: exact text, or null. */
export type StagingValue = string | null;

export type StandardizeResult =
  | { kind: 'row'; values: StagingValue[] }
  | { kind: 'tombstone'; pk: string; version: string; reason: 'SOFT_DELETED' | 'NON_USD' }
  | { kind: 'dead'; pk: string | null; version: string | null; reason: string };

const ID_RE = /^\d{1,19}$/;
const INT_RE = /^-?\d{1,10}$/;
const BIGINT_RE = /^-?\d{1,19}$/;
/** DECIMAL(8,6) as a source may hold it: up to 2 integer digits, any scale (trailing zeros allowed). */
const RATE_RE = /^(-?)(\d+)(?:\.(\d*))?$/;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

class RowError extends Error {}

/**
 * The canonical decimal text of a BIGINT ('0042' → '42'): a source whose id column is text can
 * hold padded ids, but an id's text form (order_id_str, joined with receipts' order_id) is that
 * of the number, as `CAST(id AS CHAR)` of the BIGINT column writes it.
 */
function canonicalBigint(t: string): string {
  // Almost every id is canonical already: no sign, no leading zero. Only the rest pays for BigInt.
  const c = t.charCodeAt(0);
  if (c >= 49 && c <= 57) return t;
  return BigInt(t).toString();
}

/**
 * A DECIMAL(8,6) rate as exact text with 6 decimals, or null when it is not one: trailing zeros
 * beyond the 6th decimal (a wider source scale, '0.02900000') are dropped, real digits are not.
 */
export function normalizeRate(t: string): string | null {
  const m = RATE_RE.exec(t);
  if (!m) return null;
  const [, sign, intRaw, fracRaw = ''] = m;
  const int = intRaw!.replace(/^0+(?=\d)/, '');
  const frac = fracRaw.replace(/0+$/, '');
  if (int.length > 2 || frac.length > 6) return null;
  const zero = /^0+$/.test(int) && frac === '';
  return `${sign && !zero ? '-' : ''}${int}.${frac.padEnd(6, '0')}`;
}

function text(v: RawValue): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

/** A compiled standardizer for one source table. */
export class Standardizer {
  readonly spec: SourceTableSpec;
  private readonly idx: Map<string, number>;
  private readonly pkIdx: number;
  private readonly wmIdx: number;
  private readonly delIdx: number;
  private readonly curIdx: number;
  private readonly columns: readonly StagingColumn[];
  private readonly calendar: BusinessCalendar;

  constructor(spec: SourceTableSpec, calendar: BusinessCalendar) {
    this.spec = spec;
    this.calendar = calendar;
    this.idx = new Map(spec.columns.map((c, i) => [c.name, i]));
    this.pkIdx = this.col(spec.primaryKey);
    this.wmIdx = this.col(spec.watermark);
    this.delIdx = this.col(spec.softDeleteColumn);
    this.curIdx = spec.currencyColumn ? this.col(spec.currencyColumn) : -1;
    this.columns = spec.staging.columns;
  }

  private col(name: string): number {
    const i = this.idx.get(name);
    if (i === undefined) throw new Error(`spec ${this.spec.table} has no column ${name}`);
    return i;
  }

  /** Standardize one source row (values in `spec.columns` order). Never throws for bad data. */
  standardize(raw: RawRow): StandardizeResult {
    const pkText = text(raw[this.pkIdx] ?? null)?.trim() ?? null;
    if (pkText === null || pkText === '') {
      return {
        kind: 'dead',
        pk: null,
        version: null,
        reason: `null or empty primary key ${this.spec.primaryKey}`,
      };
    }
    if (!ID_RE.test(pkText) || BigInt(pkText) > MAX_BIGINT) {
      return {
        kind: 'dead',
        pk: pkText,
        version: null,
        reason: `primary key ${this.spec.primaryKey} is not a BIGINT`,
      };
    }
    const pk = canonicalBigint(pkText);
    const wmRaw = text(raw[this.wmIdx] ?? null);
    const wm = wmRaw === null ? null : canonicalTimestamp(wmRaw);
    if (wm === null) {
      return {
        kind: 'dead',
        pk,
        version: null,
        reason: `invalid ${this.spec.watermark} "${wmRaw ?? 'NULL'}"`,
      };
    }
    const version = wm.text;
    const del = text(raw[this.delIdx] ?? null);
    if (del !== null && del !== '0') {
      return { kind: 'tombstone', pk, version, reason: 'SOFT_DELETED' };
    }
    if (this.curIdx >= 0) {
      const cur = text(raw[this.curIdx] ?? null)
        ?.trim()
        .toUpperCase();
      if (cur !== 'USD') return { kind: 'tombstone', pk, version, reason: 'NON_USD' };
    }
    try {
      const values: StagingValue[] = new Array(this.columns.length);
      for (let i = 0; i < this.columns.length; i++) values[i] = this.derive(this.columns[i]!, raw);
      return { kind: 'row', values };
    } catch (error) {
      if (error instanceof RowError || error instanceof MoneyFormatError) {
        return { kind: 'dead', pk, version, reason: error.message };
      }
      throw error;
    }
  }

  private get(raw: RawRow, column: string): RawValue {
    return raw[this.idx.get(column)!] ?? null;
  }

  private derive(col: StagingColumn, raw: RawRow): StagingValue {
    const d: Derivation = col.derive;
    let value: StagingValue;
    switch (d.op) {
      case 'cents': {
        const v = this.get(raw, d.column);
        value = v === null ? null : centsToDollars(typeof v === 'number' ? String(v) : v);
        break;
      }
      case 'dollars': {
        const v = this.get(raw, d.column);
        value = v === null ? null : normalizeDollars(v);
        break;
      }
      case 'difference': {
        const a = this.get(raw, d.minuend);
        const b = this.get(raw, d.subtrahend);
        // The result must fit DECIMAL(12,2) too (e.g. 9999999999.99 − (−0.01) does not).
        value =
          a === null || b === null
            ? null
            : normalizeDollars(subtractDollars(normalizeDollars(a), normalizeDollars(b)));
        break;
      }
      case 'text': {
        // The text form of an id: canonical when it is a BIGINT (a non-BIGINT id dead-letters the
        // row through its BIGINT column or the primary-key check).
        const t = text(this.get(raw, d.column));
        value = t !== null && BIGINT_RE.test(t.trim()) ? canonicalBigint(t.trim()) : t;
        break;
      }
      case 'businessDate': {
        const t = text(this.get(raw, d.column));
        const ms = t === null ? null : parseSourceTimestamp(t);
        if (ms === null) throw new RowError(`invalid ${d.column} "${t ?? 'NULL'}"`);
        value = this.calendar.dateOf(ms);
        break;
      }
      case 'copy':
        // Only USD rows get here, however the source wrote the code ('usd', 'USD '): staged as
        // the code itself, which is what matching and DQ-04 compare with.
        value =
          d.column === this.spec.currencyColumn
            ? 'USD'
            : this.convert(col, d.column, this.get(raw, d.column));
        break;
    }
    if (value === null) {
      if (!col.nullable) throw new RowError(`${col.name} is NULL`);
      return null;
    }
    if (col.kind === 'money' && col.nonNegative && value.startsWith('-')) {
      throw new RowError(`negative amount ${value} in ${col.name}`);
    }
    return value;
  }

  private convert(col: StagingColumn, source: string, v: RawValue): StagingValue {
    if (v === null) return null;
    const t = (typeof v === 'string' ? v : String(v)).trim();
    switch (col.kind) {
      case 'bigint':
        if (!BIGINT_RE.test(t) || BigInt(t) > MAX_BIGINT || BigInt(t) < -MAX_BIGINT) {
          throw new RowError(`${source} "${t}" is not a BIGINT`);
        }
        return canonicalBigint(t);
      case 'int':
        if (!INT_RE.test(t) || Math.abs(Number(t)) > 2_147_483_647)
          throw new RowError(`${source} "${t}" is not an INTEGER`);
        return String(Number(t));
      case 'rate': {
        const rate = normalizeRate(t);
        if (rate === null) throw new RowError(`${source} "${t}" is not a DECIMAL(8,6)`);
        return rate;
      }
      case 'timestamp': {
        const ts = canonicalTimestamp(t);
        if (ts === null) {
          // MySQL zero dates in optional columns mean "not set".
          if (col.nullable && t.startsWith('0000-00-00')) return null;
          throw new RowError(`invalid ${source} "${t}"`);
        }
        return ts.text;
      }
      case 'date':
        if (!isValidDate(t.slice(0, 10)) || (t.length > 10 && !/^\d{4}-\d{2}-\d{2}[ T]00:00:00/.test(t))) {
          throw new RowError(`invalid ${source} "${t}"`);
        }
        return t.slice(0, 10);
      case 'text': {
        const value = typeof v === 'string' ? v : t;
        // Redshift VARCHAR(n) counts bytes, not characters.
        const max = Number(/\((\d+)\)/.exec(col.sqlType)?.[1] ?? '65535');
        if (Buffer.byteLength(value, 'utf8') > max)
          throw new RowError(`${source} is longer than ${max} bytes`);
        if (value.includes('\u0000')) throw new RowError(`${source} contains a NUL character`);
        return value;
      }
      default:
        return t;
    }
  }
}
