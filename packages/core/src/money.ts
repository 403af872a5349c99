/**
 * Exact money conversions. Amounts travel as decimal strings with exactly two fractional digits
 * ("12.50"); integer cents are converted with string/BigInt arithmetic, never binary floats.
 */
import { Decimal } from 'decimal.js';

/** Largest absolute value DECIMAL(12,2) holds, in cents. */
export const MAX_CENTS = 999_999_999_999n;

export class MoneyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyFormatError';
  }
}

const INT_RE = /^-?\d+$/;
const DEC_RE = /^(-?)(\d+)(?:\.(\d*))?$/;

/**
 * Integer cents (BIGINT as string, number or bigint) → dollars "D.CC", exact.
 * @throws MoneyFormatError when the value is not an integer or does not fit DECIMAL(12,2).
 */
export function centsToDollars(cents: string | number | bigint): string {
  let c: bigint;
  if (typeof cents === 'bigint') c = cents;
  else if (typeof cents === 'number') {
    if (!Number.isSafeInteger(cents))
      throw new MoneyFormatError(`cents value ${cents} is not an exact integer`);
    c = BigInt(cents);
  } else {
    const t = cents.trim();
    if (!INT_RE.test(t)) throw new MoneyFormatError(`cents value "${cents}" is not an integer`);
    c = BigInt(t);
  }
  if (c > MAX_CENTS || c < -MAX_CENTS)
    throw new MoneyFormatError(`cents value ${c} does not fit DECIMAL(12,2)`);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  const whole = abs / 100n;
  const frac = abs % 100n;
  return `${neg ? '-' : ''}${whole}.${frac.toString().padStart(2, '0')}`;
}

/**
 * A dollars value from a DECIMAL column (string or exact number) → normalized "D.CC".
 * @throws MoneyFormatError for non-numbers, more than two decimals (other than trailing zeros)
 *   or values outside DECIMAL(12,2).
 */
export function normalizeDollars(value: string | number | bigint): string {
  const text = typeof value === 'string' ? value.trim() : String(value);
  const m = DEC_RE.exec(text);
  if (!m) throw new MoneyFormatError(`amount "${value}" is not a decimal number`);
  const [, sign, intPart, fracRaw = ''] = m;
  const frac = fracRaw.replace(/0+$/, '');
  if (frac.length > 2) throw new MoneyFormatError(`amount "${value}" has more than 2 decimal places`);
  const intNorm = intPart!.replace(/^0+(?=\d)/, '');
  if (intNorm.length > 10) throw new MoneyFormatError(`amount "${value}" does not fit DECIMAL(12,2)`);
  const cents = frac.padEnd(2, '0');
  const isZero = /^0+$/.test(intNorm) && cents === '00';
  return `${sign && !isZero ? '-' : ''}${intNorm}.${cents}`;
}

/** a − b on exact decimal strings, two decimals. */
export function subtractDollars(a: string, b: string): string {
  return new Decimal(a).minus(new Decimal(b)).toFixed(2);
}

/** Sum of exact decimal strings, two decimals. */
export function sumDollars(values: Iterable<string>): string {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(new Decimal(v));
  return total.toFixed(2);
}

/** True when the decimal string is negative (and not zero). */
export function isNegative(amount: string): boolean {
  return new Decimal(amount).isNegative() && !new Decimal(amount).isZero();
}
