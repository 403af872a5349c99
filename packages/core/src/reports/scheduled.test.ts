import { describe, expect, it } from 'vitest';
import { addDays, BusinessCalendar } from '../time.ts';
import {
  isBusinessDay,
  nthBusinessDayOfMonth,
  parseScheduledReportEvent,
  planScheduledReport,
  type ScheduledReportEvent,
} from './scheduled.ts';

const newYork = new BusinessCalendar('America/New_York');

describe('business days', () => {
  it('are Monday to Friday', () => {
    // 2026-11-20 is a Friday.
    expect(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'].map(isBusinessDay)).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it.each([
    ['2026-04', '2026-04-02'], // the 1st is a Wednesday
    ['2026-05', '2026-05-04'], // the 1st is a Friday: Friday, then Monday
    ['2026-08', '2026-08-04'], // the 1st is a Saturday: Monday the 3rd, Tuesday the 4th
    ['2026-11', '2026-11-03'], // the 1st is a Sunday
  ])('the 2nd business day of %s is %s', (month, expected) => {
    expect(nthBusinessDayOfMonth(month, 2)).toBe(expected);
  });

  it('the 2nd business day always falls on days 2–4, so cron(0 9 1-4 * ? *) reaches it every month', () => {
    for (let year = 2024; year <= 2050; year++) {
      for (let m = 1; m <= 12; m++) {
        const month = `${year}-${String(m).padStart(2, '0')}`;
        const day = Number(nthBusinessDayOfMonth(month, 2).slice(8));
        expect(day, month).toBeGreaterThanOrEqual(2);
        expect(day, month).toBeLessThanOrEqual(4);
        // Exactly one of the four scheduled mornings sends the report.
        const sends = [1, 2, 3, 4].filter(
          (d) =>
            !(
              'skipped' in
              planScheduledReport({ kind: 'monthly', scheduledTime: `${month}-0${d}T09:00:00Z` }, newYork)
            ),
        );
        expect(sends, month).toEqual([day]);
      }
    }
  });

  it('refuses a business day outside 1..20', () => {
    expect(() => nthBusinessDayOfMonth('2026-04', 0)).toThrow(/business day 0 is not 1\.\.20/);
  });
});

describe('planScheduledReport', () => {
  const plan = (event: ScheduledReportEvent, calendar = newYork) => planScheduledReport(event, calendar);

  it('daily at 08:00 UTC reports the previous business date in the business time zone', () => {
    expect(plan({ kind: 'daily', scheduledTime: '2026-04-01T08:00:00Z' })).toEqual({
      kind: 'daily',
      date: '2026-03-31',
    });
    // Where 08:00 UTC is already the next local day, that day's yesterday is reported.
    expect(
      plan(
        { kind: 'daily', scheduledTime: '2026-04-01T13:00:00Z' },
        new BusinessCalendar('Pacific/Auckland'),
      ),
    ).toEqual({ kind: 'daily', date: '2026-04-01' });
  });

  it('weekly on Monday reports the 4 weeks ending with the week that ended on Sunday', () => {
    // 2026-04-06 is a Monday.
    expect(plan({ kind: 'weekly', scheduledTime: '2026-04-06T09:00:00Z' })).toEqual({
      kind: 'weekly',
      date: '2026-04-05',
    });
  });

  it('monthly sends last month on the 2nd business day and skips the other mornings', () => {
    expect(plan({ kind: 'monthly', scheduledTime: '2026-04-02T09:00:00Z' })).toEqual({
      kind: 'monthly',
      month: '2026-03',
    });
    expect(plan({ kind: 'monthly', scheduledTime: '2026-04-01T09:00:00Z' })).toEqual({
      kind: 'monthly',
      skipped: '2026-04-01 is not business day 2 of its month (2026-04-02 is)',
    });
    // January's report covers December of the year before.
    expect(plan({ kind: 'monthly', scheduledTime: '2027-01-04T09:00:00Z' })).toEqual({
      kind: 'monthly',
      month: '2026-12',
    });
  });

  it('takes the period of a manual invocation as given, without the business-day guard', () => {
    expect(plan({ kind: 'monthly', month: '2026-02', scheduledTime: '2026-04-01T09:00:00Z' })).toEqual({
      kind: 'monthly',
      month: '2026-02',
    });
    expect(plan({ kind: 'monthly', date: '2026-02-17' })).toEqual({ kind: 'monthly', month: '2026-02' });
    expect(plan({ kind: 'daily', date: '2026-02-17' })).toEqual({ kind: 'daily', date: '2026-02-17' });
  });

  it('without a scheduled time uses the current instant', () => {
    const now = Date.parse('2026-06-10T12:00:00Z');
    expect(planScheduledReport({ kind: 'daily' }, newYork, now)).toEqual({
      kind: 'daily',
      date: addDays('2026-06-10', -1),
    });
  });
});

describe('parseScheduledReportEvent', () => {
  it('accepts what the schedules send', () => {
    expect(parseScheduledReportEvent({ kind: 'weekly', scheduledTime: '2026-04-06T09:00:00Z' })).toEqual({
      kind: 'weekly',
      scheduledTime: '2026-04-06T09:00:00Z',
    });
  });

  it.each([
    [{}, /kind: /],
    [{ kind: 'hourly' }, /kind: /],
    [{ kind: 'daily', date: '2026-02-30' }, /date: must be a calendar date YYYY-MM-DD/],
    [{ kind: 'daily', month: '2026-02' }, /month: only the monthly report takes a month/],
    [{ kind: 'monthly', month: '2026-13' }, /month: must be a month YYYY-MM/],
    [{ kind: 'monthly', month: '2026-02', date: '2026-02-01' }, /give either month or date, not both/],
    [{ kind: 'daily', scheduledTime: 'yesterday' }, /scheduledTime: must be an ISO 8601 instant/],
    [{ kind: 'daily', extra: 1 }, /Unrecognized key/],
    ['daily', /\(event\): /],
  ])('%j is refused naming the field', (event, message) => {
    expect(() => parseScheduledReportEvent(event)).toThrow(message);
    expect(() => parseScheduledReportEvent(event)).toThrow(/^invalid report event: /);
  });
});
