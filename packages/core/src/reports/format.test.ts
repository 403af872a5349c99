/**
 * Report formatting: exact money with thousands separators and two decimals, counts, rates,
 * changes with their sign, and the option checks of the report commands.
 */
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../time.ts';
import {
  countChange,
  escapeHtml,
  formatAmount,
  formatCount,
  formatMoney,
  formatRate,
  markdownText,
  minutesOf,
  moneyChange,
  rateChange,
  weightedRate,
} from './format.ts';
import {
  dashboardUrlFromEnv,
  mondayOf,
  monthBounds,
  parseMonthArg,
  previousBusinessDate,
} from './options.ts';

describe('formatting', () => {
  it('formats money exactly, with separators and two decimals', () => {
    expect(formatMoney('1234567.5')).toBe('$1,234,567.50');
    expect(formatMoney('0.1')).toBe('$0.10');
    expect(formatMoney('-1234.005')).toBe('-$1,234.01');
    expect(formatMoney('-0.001')).toBe('$0.00');
    expect(formatMoney('90071992547409.93')).toBe('$90,071,992,547,409.93'); // beyond float precision
    expect(formatMoney(null)).toBe('—');
    expect(formatAmount('999.999')).toBe('1,000.00');
  });

  it('formats counts, rates and minutes', () => {
    expect(formatCount('1234567')).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
    expect(formatCount('-1000')).toBe('-1,000');
    expect(formatRate('97.2500')).toBe('97.25%');
    expect(formatRate(null)).toBe('—');
    expect(minutesOf('200')).toBe('3.3');
    expect(minutesOf(null)).toBeNull();
  });

  it('signs changes', () => {
    expect(rateChange('97.25', '96.90')).toBe('+0.35 pp');
    expect(rateChange('90.00', '91.20')).toBe('-1.20 pp');
    expect(rateChange('90.00', '90.0000')).toBe('0.00 pp');
    expect(rateChange(null, '90')).toBeNull();
    expect(moneyChange('100.00', '1334.10')).toBe('-$1,234.10');
    expect(countChange('12', '2')).toBe('+10');
    expect(weightedRate('2', '3')).toBe('66.67');
    expect(weightedRate('1', '0')).toBeNull();
  });

  it('makes free text safe for one markdown line and HTML', () => {
    expect(markdownText('a <font>\n*b* `c` [d]', 100)).toBe('a ‹font› b c d');
    expect(markdownText('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('report options', () => {
  it('checks months and computes their bounds', () => {
    expect(monthBounds('2026-12')).toEqual({
      monthStart: '2026-12-01',
      nextMonthStart: '2027-01-01',
      previousMonth: '2026-11',
    });
    expect(monthBounds('2026-01').previousMonth).toBe('2025-12');
    expect(() => parseMonthArg('2026-13')).toThrow(
      'invalid --month "2026-13": expected a month YYYY-MM such as 2026-03',
    );
    expect(() => parseMonthArg('2026-3')).toThrow(/invalid --month/);
  });

  it('finds the Monday of a week and yesterday in the business time zone', () => {
    expect(mondayOf('2026-03-08')).toBe('2026-03-02'); // Sunday
    expect(mondayOf('2026-03-02')).toBe('2026-03-02');
    const ny = new BusinessCalendar('America/New_York');
    // 03:00 UTC on the 10th is still the 9th in New York: yesterday is the 8th.
    expect(previousBusinessDate(ny, Date.parse('2026-03-10T03:00:00Z'))).toBe('2026-03-08');
  });

  it('reads the dashboard link, naming the variable when it is malformed', () => {
    expect(dashboardUrlFromEnv({})).toBeNull();
    expect(dashboardUrlFromEnv({ RECON_DASHBOARD_URL: 'https://grafana.example.com/d/recon-exec' })).toBe(
      'https://grafana.example.com/d/recon-exec',
    );
    expect(() => dashboardUrlFromEnv({ RECON_DASHBOARD_URL: 'grafana' })).toThrow(
      /RECON_DASHBOARD_URL is not a valid URL/,
    );
    expect(() => dashboardUrlFromEnv({ RECON_DASHBOARD_URL: 'javascript:alert(1)' })).toThrow(
      /must be an http\(s\):\/\/ URL/,
    );
  });
});
