/**
 * The scheduled reports (seed phase 4 §7): which period a scheduled invocation covers and sending
 * it. The deployed report function is invoked by three EventBridge schedules with
 * `{ kind, scheduledTime }`:
 * - daily, 08:00 UTC: the previous business date, to WeCom (`wecom-warning`) and by email;
 * - weekly, Monday 09:00 UTC: the 4 weeks ending with last week, by email (CSV);
 * - monthly, 09:00 UTC on days 1–4: only on the month's 2nd business day (Monday to Friday, in
 *   the business time zone), last month, by email (PDF). Days 1–4 always contain that day.
 * An invocation may name the period instead (`date`, or `month` for the monthly report) to resend
 * one; the business-day guard then does not apply.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { type EmailClient, parseRecipients } from '../notify/email.ts';
import { NotifyConfigError, NotifyError } from '../notify/errors.ts';
import { WECOM_CHANNEL_NAMES, WECOM_WEBHOOK_PARAMETERS } from '../notify/webhook-url.ts';
import type { WecomPostOptions } from '../notify/wecom.ts';
import type { Runtime } from '../pipeline/runtime.ts';
import { addDays, type BusinessCalendar, isValidDate, weekdayOf } from '../time.ts';
import { buildDailyReport } from './daily.ts';
import { deliverReport, type ReportChannels, type ReportDelivery } from './deliver.ts';
import { buildMonthlyReport } from './monthly.ts';
import { monthBounds, previousBusinessDate, previousMonth } from './options.ts';
import type { BuiltReport } from './types.ts';
import { buildWeeklyReport } from './weekly.ts';

/** The report kinds that are scheduled. */
export const SCHEDULED_REPORT_KINDS = ['daily', 'weekly', 'monthly'] as const;
export type ScheduledReportKind = (typeof SCHEDULED_REPORT_KINDS)[number];

/** The business day of the month the monthly report is sent on (seed phase 4 §7.3). */
export const MONTHLY_REPORT_BUSINESS_DAY = 2;

const dateField = z.string().refine(isValidDate, 'must be a calendar date YYYY-MM-DD');

/** What a scheduled (or manual) invocation of the report function carries. */
export const scheduledReportEventSchema = z
  .object({
    kind: z.enum(SCHEDULED_REPORT_KINDS),
    /** The schedule's instant (EventBridge `<aws.events.event.time>`), ISO 8601. */
    scheduledTime: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 instant')
      .optional(),
    /** The business date reported (daily), or a date of the last week reported (weekly). */
    date: dateField.optional(),
    /** The month reported 'YYYY-MM' (monthly). */
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
      .optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.month !== undefined && e.kind !== 'monthly') {
      ctx.addIssue({ code: 'custom', path: ['month'], message: `only the monthly report takes a month` });
    }
    if (e.month !== undefined && e.date !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['month'], message: 'give either month or date, not both' });
    }
  });

export type ScheduledReportEvent = z.infer<typeof scheduledReportEventSchema>;

/**
 * Validate an invocation's event.
 * @throws UsageError naming every invalid field.
 */
export function parseScheduledReportEvent(value: unknown): ScheduledReportEvent {
  const result = scheduledReportEventSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
  throw new UsageError(`invalid report event: ${problems.join('; ')}`);
}

/** Whether `date` is a business day: Monday to Friday (public holidays are not modelled). */
export function isBusinessDay(date: string): boolean {
  const day = weekdayOf(date);
  return day !== 0 && day !== 6;
}

/** The `n`-th business day (1-based) of month 'YYYY-MM'. */
export function nthBusinessDayOfMonth(month: string, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new RangeError(`business day ${n} is not 1..20`);
  let date = monthBounds(month).monthStart;
  let count = 0;
  for (;;) {
    if (isBusinessDay(date) && ++count === n) return date;
    date = addDays(date, 1);
  }
}

/** The period one invocation covers, or why it sends nothing. */
export type ScheduledReportPlan =
  | { kind: 'daily'; date: string }
  | { kind: 'weekly'; date: string }
  | { kind: 'monthly'; month: string }
  | { kind: ScheduledReportKind; skipped: string };

/**
 * The period of an invocation: the event's own `date`/`month` when given, otherwise from its
 * `scheduledTime` (or `nowMs`) in the business time zone.
 */
export function planScheduledReport(
  event: ScheduledReportEvent,
  calendar: BusinessCalendar,
  nowMs: number = Date.now(),
): ScheduledReportPlan {
  const at = event.scheduledTime !== undefined ? Date.parse(event.scheduledTime) : nowMs;
  const yesterday = previousBusinessDate(calendar, at);
  switch (event.kind) {
    case 'daily':
      return { kind: 'daily', date: event.date ?? yesterday };
    case 'weekly':
      // Run on Monday: the last week reported is the one that ended yesterday (Sunday).
      return { kind: 'weekly', date: event.date ?? yesterday };
    case 'monthly': {
      if (event.month !== undefined) return { kind: 'monthly', month: event.month };
      if (event.date !== undefined) return { kind: 'monthly', month: event.date.slice(0, 7) };
      const today = calendar.dateOf(at);
      const sendOn = nthBusinessDayOfMonth(today.slice(0, 7), MONTHLY_REPORT_BUSINESS_DAY);
      if (today !== sendOn) {
        return {
          kind: 'monthly',
          skipped: `${today} is not business day ${MONTHLY_REPORT_BUSINESS_DAY} of its month (${sendOn} is)`,
        };
      }
      return { kind: 'monthly', month: previousMonth(calendar, at) };
    }
  }
}

/** What sending a scheduled report needs besides the runtime. */
export interface ScheduledReportDeps {
  /** The SES client. */
  emailClient: EmailClient;
  /** The verified SES sender (`RECON_REPORT_SENDER`). */
  sender: string;
  /** The dashboard link of the daily report (`RECON_DASHBOARD_URL`), or none. */
  dashboardUrl: string | null;
  /** Options of the WeCom client (transport, retries). */
  wecom?: WecomPostOptions;
}

/** The outcome of one invocation. */
export type ScheduledReportOutcome =
  | { kind: ScheduledReportKind; skipped: string }
  | { kind: ScheduledReportKind; period: string; delivered: ReportDelivery };

/**
 * Build and send the report an invocation asks for: the daily one to the `wecom-warning` webhook
 * and by email, weekly and monthly by email, to the `emailRecipients` setting. A channel that is
 * not configured does not stop the others: the report goes wherever it can, then the call fails
 * naming what was delivered and what is missing.
 * @throws NotifyConfigError before any work when no channel is configured, after delivering when
 *   one is missing; ReportError when the period has nothing to report; NotifyError when a channel failed.
 */
export async function sendScheduledReport(
  rt: Runtime,
  event: ScheduledReportEvent,
  deps: ScheduledReportDeps,
  nowMs: number = Date.now(),
): Promise<ScheduledReportOutcome> {
  const plan = planScheduledReport(event, rt.calendar, nowMs);
  if ('skipped' in plan) return plan;
  const missing: string[] = [];
  let to: string[] | undefined;
  try {
    to = parseRecipients(rt.settings.emailRecipients);
  } catch (error) {
    if (!(error instanceof NotifyConfigError)) throw error;
    missing.push(`email: ${error.message}`);
  }
  let wecomUrl: string | undefined;
  if (plan.kind === 'daily') {
    wecomUrl = (await rt.webhooks()).warning;
    if (wecomUrl === undefined) {
      missing.push(
        `WeCom: the ${WECOM_CHANNEL_NAMES.warning} webhook is not configured (SecureString parameter ${WECOM_WEBHOOK_PARAMETERS.warning} under the stage's parameter root)`,
      );
    }
  }
  const channels: ReportChannels = {
    ...(to !== undefined ? { email: { client: deps.emailClient, from: deps.sender, to } } : {}),
    ...(wecomUrl !== undefined
      ? { wecom: { url: wecomUrl, ...(deps.wecom ? { options: deps.wecom } : {}) } }
      : {}),
  };
  if (!channels.email && !channels.wecom) {
    throw new NotifyConfigError(`the ${plan.kind} report cannot be sent anywhere: ${missing.join('; ')}`);
  }
  let report: BuiltReport;
  switch (plan.kind) {
    case 'daily':
      report = await buildDailyReport(rt.warehouse, { date: plan.date, dashboardUrl: deps.dashboardUrl });
      break;
    case 'weekly':
      report = await buildWeeklyReport(rt.warehouse, { date: plan.date });
      break;
    case 'monthly':
      report = await buildMonthlyReport(rt.warehouse, rt.settings, { month: plan.month });
      break;
  }
  let delivered: ReportDelivery;
  try {
    delivered = await deliverReport(report, channels);
  } catch (error) {
    if (missing.length === 0 || !(error instanceof NotifyError)) throw error;
    throw new NotifyError(`${error.message}; not configured: ${missing.join('; ')}`, { cause: error });
  }
  if (missing.length > 0) {
    const sent = [delivered.wecom ? 'WeCom' : null, delivered.email ? 'email' : null].filter(Boolean);
    throw new NotifyConfigError(
      `the ${plan.kind} report ${report.period} was delivered only by ${sent.join(' and ')}; not configured: ${missing.join('; ')}`,
    );
  }
  return { kind: plan.kind, period: report.period, delivered };
}
