/**
 * Dates and instants. Source timestamps are UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]' strings; a record's
 * business date is its instant in the business time zone (DST-aware, via Intl).
 */
import { UsageError } from './errors.ts';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z?$/;

/** The first year a date or source timestamp may have: anything earlier is invalid. */
export const MIN_YEAR = 1970;
/** The first valid source timestamp ('YYYY-MM-DD HH:MM:SS' UTC); earlier ones, NULL and zero dates are invalid. */
export const MIN_TIMESTAMP = `${MIN_YEAR}-01-01 00:00:00`;

/** True when `s` is a real calendar date 'YYYY-MM-DD'. */
export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s && Number(m[1]) >= MIN_YEAR;
}

/**
 * Validate a 'YYYY-MM-DD' date given by a user.
 * @throws UsageError naming the option and the bad value.
 */
export function parseDateArg(value: string, what = 'date'): string {
  if (!isValidDate(value))
    throw new UsageError(`invalid ${what} "${value}": expected a calendar date YYYY-MM-DD`);
  return value;
}

/**
 * Parse an ISO-8601 instant given by a user ('2026-11-21T06:00:00Z', or a date-time with offset).
 * @throws UsageError when it is not a valid instant with a time zone designator.
 */
export function parseInstantArg(value: string, what = 'instant'): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw new UsageError(
      `invalid ${what} "${value}": expected ISO-8601 with a zone, e.g. 2026-11-21T06:00:00Z`,
    );
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`invalid ${what} "${value}": not a real instant`);
  return d;
}

/**
 * Parse a source DATETIME (UTC) string into epoch milliseconds, or null when it is not a valid
 * timestamp (MySQL zero dates such as '0000-00-00 00:00:00', impossible calendar values).
 */
export function parseSourceTimestamp(value: string): number | null {
  const fast = parseCanonical(value);
  if (fast !== undefined) return fast;
  const m = TS_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (y! < MIN_YEAR || mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || s! > 59) return null;
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const check = new Date(ms);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo! - 1) return null;
  // Fractional seconds are truncated to whole milliseconds, never rounded: rounding would move
  // 23:59:59.9996 onto the next second — and, at a business-day boundary, onto the next day.
  const frac = m[7] ? Number(m[7].slice(1).padEnd(3, '0').slice(0, 3)) : 0;
  return ms + frac;
}

/** `n` decimal digits of `s` from `at`, or -1 when one is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common case of {@link parseSourceTimestamp} without a regular expression or a Date: exactly
 * 'YYYY-MM-DD HH:MM:SS' (or with 'T'). Returns undefined for any other shape (the general parser
 * decides), null for an impossible value.
 */
function parseCanonical(s: string): number | null | undefined {
  if (s.length !== 19) return undefined;
  const sep = s.charCodeAt(10);
  if (
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (sep !== 32 && sep !== 84) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  if (y < MIN_YEAR || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return null;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return null;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/**
 * A source DATETIME as the warehouse TIMESTAMP text 'YYYY-MM-DD HH:MM:SS' (UTC, second precision),
 * or null when it is not a valid timestamp: exactly `formatTimestamp(parseSourceTimestamp(value))`,
 * returning the value itself when it is already in that form (the common case, without a Date).
 */
export function canonicalTimestamp(value: string): { text: string; ms: number } | null {
  const fast = parseCanonical(value);
  if (fast === null) return null;
  if (fast !== undefined && value.charCodeAt(10) === 32) return { text: value, ms: fast };
  const ms = fast ?? parseSourceTimestamp(value);
  return ms === null ? null : { text: formatTimestamp(ms), ms };
}

/** Epoch ms → 'YYYY-MM-DD HH:MM:SS' UTC (the warehouse TIMESTAMP text form, second precision). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch ms → ISO-8601 UTC with Z. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** 'YYYY-MM-DD' ± days. */
export function addDays(date: string, days: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new UsageError(`invalid date "${date}"`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

/** Inclusive list of dates from `from` to `to`. */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Day of week 0 (Sunday) … 6 (Saturday) of a calendar date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * Business-date conversion for one time zone, memoized per 15-minute bucket (every real zone's
 * offset is a multiple of 15 minutes, so a bucket never straddles a local midnight).
 */
export class BusinessCalendar {
  readonly timeZone: string;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, string>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  }

  /** Business date 'YYYY-MM-DD' of a UTC instant (epoch ms). */
  dateOf(ms: number): string {
    const bucket = Math.floor(ms / 900_000);
    let d = this.cache.get(bucket);
    if (d === undefined) {
      d = this.fmt.format(new Date(bucket * 900_000));
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(bucket, d);
    }
    return d;
  }

  /** UTC offset (ms) of the zone at an instant: local wall time − UTC. */
  offsetAt(ms: number): number {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: this.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(ms));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const wall = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    return wall - Math.floor(ms / 1000) * 1000;
  }

  /** The UTC instant (epoch ms) at which business date `date` starts (local midnight, DST-aware). */
  startOf(date: string): number {
    const midnightUtc = Date.parse(`${date}T00:00:00Z`);
    // Local midnight = UTC midnight − offset; iterate once to settle across a DST change.
    let guess = midnightUtc - this.offsetAt(midnightUtc);
    guess = midnightUtc - this.offsetAt(guess);
    // If local midnight does not exist (DST gap at midnight), the day starts at the first instant after.
    for (let i = 0; this.dateOf(guess - 1) === date; i++) {
      if (i > 200) throw new RangeError(`cannot find the start of ${date} in ${this.timeZone}`);
      guess -= 900_000;
    }
    for (let i = 0; this.dateOf(guess) !== date; i++) {
      // A zone can skip a whole calendar day (Pacific/Apia, 2011-12-30).
      if (i > 200) throw new RangeError(`business date ${date} does not exist in ${this.timeZone}`);
      guess += 900_000;
    }
    return guess;
  }

  /** The UTC instant (epoch ms) at which business date `date` ends (exclusive). */
  endOf(date: string): number {
    return this.startOf(addDays(date, 1));
  }
}
