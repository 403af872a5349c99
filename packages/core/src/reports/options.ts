/**
 * What the reports are asked for: dates, months, weeks, the dashboard link — validated with errors
 * naming the option or variable that is wrong.
 */
import { ReconError, UsageError } from '../errors.ts';
import { addDays, type BusinessCalendar, isValidDate, weekdayOf } from '../time.ts';

/** A report cannot be built (nothing to report for the period asked). */
export class ReportError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'ReportError';
  }
}

/**
 * Environment variable of the dashboard link at the end of the daily report (the executive
 * dashboard, e.g. `https://grafana.example.com/d/recon-exec-overview`). Unset: the report has no link.
 */
export const DASHBOARD_URL_ENV = 'RECON_DASHBOARD_URL';

/** Environment variables of the reports that are not settings (see settings.ts NON_SETTING_ENV). */
export const REPORT_ENV_VARS = ['RECON_DASHBOARD_URL', 'RECON_REPORT_SENDER'] as const;

/**
 * Check a business date given for a report.
 * @throws UsageError naming `option` and the value.
 */
export function checkReportDate(value: string, option: string): string {
  if (!isValidDate(value)) {
    throw new UsageError(`invalid ${option} "${value}": expected a calendar date YYYY-MM-DD`);
  }
  return value;
}

/**
 * Check a month 'YYYY-MM'.
 * @throws UsageError naming `option` and the value.
 */
export function parseMonthArg(value: string, option = '--month'): string {
  if (!/^\d{4}-\d{2}$/.test(value) || !isValidDate(`${value}-01`)) {
    throw new UsageError(`invalid ${option} "${value}": expected a month YYYY-MM such as 2026-03`);
  }
  return value;
}

/** The business dates of a month: first day, first day of the next month, and the month before. */
export function monthBounds(month: string): {
  monthStart: string;
  nextMonthStart: string;
  previousMonth: string;
} {
  parseMonthArg(month);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const previous = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return { monthStart: `${month}-01`, nextMonthStart: `${next}-01`, previousMonth: previous };
}

/** The Monday starting the (ISO) week of `date`, as `DATE_TRUNC('week', …)` gives it. */
export function mondayOf(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** The business date before today's (what the scheduled reports cover by default). */
export function previousBusinessDate(calendar: BusinessCalendar, nowMs = Date.now()): string {
  return addDays(calendar.dateOf(nowMs), -1);
}

/** The month before the current business date's month ('YYYY-MM'). */
export function previousMonth(calendar: BusinessCalendar, nowMs = Date.now()): string {
  return monthBounds(calendar.dateOf(nowMs).slice(0, 7)).previousMonth;
}

/**
 * The dashboard link from `RECON_DASHBOARD_URL` (http or https, at most 500 characters).
 * @throws UsageError naming the variable when it is malformed.
 */
export function dashboardUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const value = env[DASHBOARD_URL_ENV]?.trim();
  if (!value) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${DASHBOARD_URL_ENV} is not a valid URL; expected https://host/path`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`${DASHBOARD_URL_ENV} must be an http(s):// URL`);
  }
  if (value.length > 500) throw new UsageError(`${DASHBOARD_URL_ENV} is longer than 500 characters`);
  return value;
}
