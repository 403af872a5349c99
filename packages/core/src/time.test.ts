import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  BusinessCalendar,
  canonicalTimestamp,
  formatTimestamp,
  isValidDate,
  parseDateArg,
  parseInstantArg,
  parseSourceTimestamp,
} from './time.ts';

const ms = (s: string) => parseSourceTimestamp(s)!;

describe('business date', () => {
  const ny = new BusinessCalendar('America/New_York');

  it('moves evening orders after UTC midnight back to the local day', () => {
    // 2026-11-21 03:30 UTC = 2026-11-20 22:30 EST
    expect(ny.dateOf(ms('2026-11-21 03:30:00'))).toBe('2026-11-20');
    expect(ny.dateOf(ms('2026-11-21 04:59:59'))).toBe('2026-11-20');
    expect(ny.dateOf(ms('2026-11-21 05:00:00'))).toBe('2026-11-21');
    // Summer (EDT, UTC−4)
    expect(ny.dateOf(ms('2026-07-04 03:59:59'))).toBe('2026-07-03');
    expect(ny.dateOf(ms('2026-07-04 04:00:00'))).toBe('2026-07-04');
  });

  it('is right across the spring-forward and fall-back changes', () => {
    // 2026-03-08: clocks jump 02:00 → 03:00 EST→EDT at 07:00 UTC
    expect(ny.dateOf(ms('2026-03-08 06:59:59'))).toBe('2026-03-08');
    expect(ny.dateOf(ms('2026-03-08 07:30:00'))).toBe('2026-03-08');
    expect(ny.dateOf(ms('2026-03-09 03:59:59'))).toBe('2026-03-08');
    expect(ny.dateOf(ms('2026-03-09 04:00:00'))).toBe('2026-03-09');
    // 2026-11-01: clocks fall back 02:00 → 01:00 EDT→EST at 06:00 UTC
    expect(ny.dateOf(ms('2026-11-01 03:59:59'))).toBe('2026-10-31');
    expect(ny.dateOf(ms('2026-11-01 04:00:00'))).toBe('2026-11-01');
    expect(ny.dateOf(ms('2026-11-02 04:59:59'))).toBe('2026-11-01');
    expect(ny.dateOf(ms('2026-11-02 05:00:00'))).toBe('2026-11-02');
  });

  it('knows when each business day starts and ends, DST days being 23 and 25 hours long', () => {
    expect(new Date(ny.startOf('2026-03-08')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(ny.endOf('2026-03-08')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect((ny.endOf('2026-03-08') - ny.startOf('2026-03-08')) / 3_600_000).toBe(23);
    expect((ny.endOf('2026-11-01') - ny.startOf('2026-11-01')) / 3_600_000).toBe(25);
    expect(new Date(ny.startOf('2026-07-01')).toISOString()).toBe('2026-07-01T04:00:00.000Z');
  });

  it('refuses a business date a zone skipped entirely instead of looping', () => {
    expect(() => new BusinessCalendar('Pacific/Apia').startOf('2011-12-30')).toThrow(
      /does not exist in Pacific\/Apia/,
    );
    expect(new Date(new BusinessCalendar('Pacific/Apia').startOf('2011-12-31')).toISOString()).toBe(
      '2011-12-30T10:00:00.000Z',
    );
  });

  it('with UTC reproduces the seed design exactly', () => {
    const utc = new BusinessCalendar('UTC');
    expect(utc.dateOf(ms('2026-11-21 03:30:00'))).toBe('2026-11-21');
    expect(new Date(utc.startOf('2026-11-21')).toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('date and instant parsing', () => {
  it('accepts real dates only', () => {
    expect(isValidDate('2026-02-28')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-13-01')).toBe(false);
    expect(isValidDate('26-01-01')).toBe(false);
    expect(() => parseDateArg("2026-01-01'; DROP TABLE x;--", '--date')).toThrow(/invalid --date/);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('parses source timestamps and rejects zero dates and impossible values', () => {
    expect(parseSourceTimestamp('0000-00-00 00:00:00')).toBeNull();
    expect(parseSourceTimestamp('2026-02-30 10:00:00')).toBeNull();
    expect(parseSourceTimestamp('2026-02-28 24:00:00')).toBeNull();
    expect(parseSourceTimestamp('2026-03-08 02:30:00')).toBe(Date.UTC(2026, 2, 8, 2, 30));
  });

  it('truncates fractional seconds, so an instant never moves onto the next second or business day', () => {
    expect(parseSourceTimestamp('2026-03-09 03:59:59.9996')).toBe(Date.UTC(2026, 2, 9, 3, 59, 59, 999));
    expect(parseSourceTimestamp('2026-03-09 03:59:59.999999')).toBe(Date.UTC(2026, 2, 9, 3, 59, 59, 999));
    expect(parseSourceTimestamp('2026-03-09 03:59:59.5')).toBe(Date.UTC(2026, 2, 9, 3, 59, 59, 500));
    expect(parseSourceTimestamp('2026-03-09 03:59:59.04')).toBe(Date.UTC(2026, 2, 9, 3, 59, 59, 40));
    expect(canonicalTimestamp('2026-03-09 03:59:59.999900')?.text).toBe('2026-03-09 03:59:59');
    // 23:59:59.9999 EDT is still the 8th in New York.
    const ny = new BusinessCalendar('America/New_York');
    expect(ny.dateOf(parseSourceTimestamp('2026-03-09 03:59:59.999900')!)).toBe('2026-03-08');
  });

  it('requires a zone on --as-of', () => {
    expect(parseInstantArg('2026-11-21T06:00:00Z').toISOString()).toBe('2026-11-21T06:00:00.000Z');
    expect(parseInstantArg('2026-11-21T01:00:00-05:00').toISOString()).toBe('2026-11-21T06:00:00.000Z');
    expect(() => parseInstantArg('2026-11-21 06:00')).toThrow(/ISO-8601/);
  });
});

describe('canonicalTimestamp (the fast path of standardizing a timestamp)', () => {
  /** The definition it must agree with. */
  const reference = (s: string) => {
    const ms = parseSourceTimestamp(s);
    return ms === null ? null : { text: formatTimestamp(ms), ms };
  };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  it('agrees with parse-then-format on every shape, valid or not', () => {
    const stamp = fc
      .tuple(
        fc.integer({ min: 1960, max: 2105 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom(' ', 'T', '_'),
        fc.constantFrom('', '.5', '.123456', 'Z', ' '),
      )
      .map(
        ([y, mo, d, h, mi, s, sep, tail]) =>
          `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${tail}`,
      );
    fc.assert(
      fc.property(fc.oneof(stamp, fc.string({ maxLength: 22 })), (s) => {
        expect(canonicalTimestamp(s)).toEqual(reference(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['2024-02-29 23:59:59', '2024-02-29 23:59:59'],
    ['2026-02-29 00:00:00', null],
    ['2100-02-29 00:00:00', null],
    ['2000-02-29 12:00:00', '2000-02-29 12:00:00'],
    ['2026-11-21T06:00:00', '2026-11-21 06:00:00'],
    ['0000-00-00 00:00:00', null],
    ['2026-04-31 10:00:00', null],
    ['2026-11-21 06:00:00.999', '2026-11-21 06:00:00'],
    ['2026-1a-21 06:00:00', null],
  ])('%s → %s', (input, text) => {
    expect(canonicalTimestamp(input)?.text ?? null).toBe(text);
  });
});
