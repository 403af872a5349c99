import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsToDollars, MAX_CENTS, MoneyFormatError, normalizeDollars, subtractDollars } from './money.ts';

describe('CENTS → DOLLARS', () => {
  it('is exact for every BIGINT cents value that fits DECIMAL(12,2)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_CENTS, max: MAX_CENTS }), (cents) => {
        const dollars = centsToDollars(cents.toString());
        // Round trip through exact decimal arithmetic: dollars × 100 = cents.
        expect(new Decimal(dollars).times(100).toFixed(0)).toBe(cents.toString());
        expect(dollars).toMatch(/^-?\d+\.\d{2}$/);
        expect(centsToDollars(cents)).toBe(dollars);
      }),
      { numRuns: 20_000 },
    );
  });

  it('converts edge values exactly', () => {
    expect(centsToDollars('0')).toBe('0.00');
    expect(centsToDollars('1')).toBe('0.01');
    expect(centsToDollars('-1')).toBe('-0.01');
    expect(centsToDollars('8950')).toBe('89.50');
    expect(centsToDollars('999999999999')).toBe('9999999999.99');
    expect(centsToDollars(12345)).toBe('123.45');
  });

  it('refuses values outside DECIMAL(12,2) and non-integers', () => {
    expect(() => centsToDollars('1000000000000')).toThrow(MoneyFormatError);
    expect(() => centsToDollars('12.5')).toThrow(MoneyFormatError);
    expect(() => centsToDollars('abc')).toThrow(MoneyFormatError);
    expect(() => centsToDollars(2 ** 60)).toThrow(MoneyFormatError);
  });
});

describe('DOLLARS normalization', () => {
  it('normalizes to two decimals without changing the value', () => {
    expect(normalizeDollars('12.5')).toBe('12.50');
    expect(normalizeDollars('12')).toBe('12.00');
    expect(normalizeDollars('0012.500')).toBe('12.50');
    expect(normalizeDollars('-0.00')).toBe('0.00');
    expect(normalizeDollars(' 7.10 ')).toBe('7.10');
  });

  it('dead-letters more than two decimals, junk and overflow', () => {
    expect(() => normalizeDollars('1.005')).toThrow(/more than 2 decimal/);
    expect(() => normalizeDollars('1e3')).toThrow(MoneyFormatError);
    expect(() => normalizeDollars('')).toThrow(MoneyFormatError);
    expect(() => normalizeDollars('12345678901.00')).toThrow(/DECIMAL\(12,2\)/);
  });

  it('subtracts exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_CENTS }), fc.bigInt({ min: 0n, max: MAX_CENTS }), (a, b) => {
        expect(subtractDollars(centsToDollars(a), centsToDollars(b))).toBe(
          new Decimal((a - b).toString()).div(100).toFixed(2),
        );
      }),
    );
  });
});
