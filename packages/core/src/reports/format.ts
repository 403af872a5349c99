/**
 * Formatting of report figures. Every amount and rate arrives as exact decimal text from the
 * warehouse and is formatted with decimal.js or string arithmetic only: money with a thousands
 * separator and two decimals ("$12,345.60"), counts with a thousands separator, rates as given
 * (DECIMAL(5,2) text) with a percent sign, changes of rates in percentage points.
 */
import { Decimal } from 'decimal.js';

/** Value of a nullable warehouse column. */
export type Maybe = string | number | bigint | null | undefined;

/** Shown where a figure does not exist (no result, no previous day). */
export const NONE = '—';

function groupDigits(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function decimalOf(value: Maybe): Decimal | null {
  if (value === null || value === undefined || value === '') return null;
  return new Decimal(typeof value === 'bigint' ? value.toString() : value);
}

/** "1234567.5" → "1,234,567.50" (two decimals, half-up); null → "—". */
export function formatAmount(value: Maybe): string {
  const d = decimalOf(value);
  if (d === null) return NONE;
  const fixed = d.toFixed(2, Decimal.ROUND_HALF_UP);
  const negative = fixed.startsWith('-') && !/^-0\.00$/.test(fixed);
  const [int, frac] = fixed.replace(/^-/, '').split('.') as [string, string];
  return `${negative ? '-' : ''}${groupDigits(int)}.${frac}`;
}

/** "1234.5" → "$1,234.50"; negative → "-$1,234.50"; null → "—". */
export function formatMoney(value: Maybe): string {
  const text = formatAmount(value);
  if (text === NONE) return NONE;
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** "1234567" → "1,234,567"; null → "—". Integers only (counts). */
export function formatCount(value: Maybe): string {
  if (value === null || value === undefined || value === '') return NONE;
  const text = String(value);
  if (!/^-?\d+$/.test(text)) return formatAmount(text);
  return text.startsWith('-') ? `-${groupDigits(text.slice(1))}` : groupDigits(text);
}

/** A rate as stored ("97.25") → "97.25%"; null → "—". */
export function formatRate(value: Maybe): string {
  const d = decimalOf(value);
  return d === null ? NONE : `${d.toFixed(2, Decimal.ROUND_HALF_UP)}%`;
}

/** Sign in front of a formatted change: "+" for positive, "-" for negative, none for zero. */
function signed(d: Decimal, body: string): string {
  if (d.isZero()) return body;
  return d.isNegative() ? `-${body}` : `+${body}`;
}

/** Change of a rate in percentage points ("+0.35 pp"); null when either side is missing. */
export function rateChange(current: Maybe, previous: Maybe): string | null {
  const a = decimalOf(current);
  const b = decimalOf(previous);
  if (a === null || b === null) return null;
  const d = a.minus(b);
  return `${signed(d, d.abs().toFixed(2))} pp`;
}

/** Change of an amount ("+$1,200.00", "-$3.10", "$0.00"); null when either side is missing. */
export function moneyChange(current: Maybe, previous: Maybe): string | null {
  const a = decimalOf(current);
  const b = decimalOf(previous);
  if (a === null || b === null) return null;
  const d = a.minus(b);
  return signed(d, formatMoney(d.abs().toString()));
}

/** Change of a count ("+12", "-3", "0"); null when either side is missing. */
export function countChange(current: Maybe, previous: Maybe): string | null {
  const a = decimalOf(current);
  const b = decimalOf(previous);
  if (a === null || b === null) return null;
  const d = a.minus(b);
  return signed(d, formatCount(d.abs().toFixed(0)));
}

/** Seconds → minutes with one decimal ("3.2"); null → null. */
export function minutesOf(seconds: Maybe): string | null {
  const d = decimalOf(seconds);
  return d === null ? null : d.dividedBy(60).toFixed(1, Decimal.ROUND_HALF_UP);
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Free text (an anomaly description) for one WeCom markdown line: line breaks and markup
 * characters that would change the rendering (`<`, `>`, `*`, `` ` ``, `[`, `]`) become plain,
 * and the text is cut to `max` characters.
 */
export function markdownText(text: string, max = 100): string {
  const plain = text
    .replace(/\s+/g, ' ')
    .replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'))
    .replace(/[*`[\]]/g, '')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

/** A weighted rate (matched × 100 / total) rounded to 2 decimals half-up, as the views compute it. */
export function weightedRate(matched: Maybe, total: Maybe): string | null {
  const m = decimalOf(matched);
  const t = decimalOf(total);
  if (m === null || t === null || t.isZero()) return null;
  return m.times(100).dividedBy(t).toFixed(2, Decimal.ROUND_HALF_UP);
}
