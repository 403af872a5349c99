/**
 * Lambda handler of the report function, invoked by the report schedules with
 * `{ kind, scheduledTime }` (or by hand with `{ kind, date | month }`):
 * {@link sendScheduledReport} over the AWS runtime — email through SES from
 * `RECON_REPORT_SENDER`, the daily report also to the `wecom-warning` webhook (SecureString
 * parameter), the dashboard link from `RECON_DASHBOARD_URL`.
 */
import { defaultEmailClient, type EmailClient, senderFromEnv } from '../../core/src/notify/email.ts';
import { dashboardUrlFromEnv } from '../../core/src/reports/options.ts';
import { parseScheduledReportEvent, sendScheduledReport } from '../../core/src/reports/scheduled.ts';
import { SEND_REPORT, taskHandler } from './handler.ts';

let ses: EmailClient | undefined;

export const handler = taskHandler(SEND_REPORT, async (rt, event: unknown) => {
  // Everything configured is checked before the warehouse is read.
  const request = parseScheduledReportEvent(event);
  const sender = senderFromEnv(process.env);
  const dashboardUrl = dashboardUrlFromEnv(process.env);
  return sendScheduledReport(rt, request, {
    emailClient: (ses ??= defaultEmailClient()),
    sender,
    dashboardUrl,
  });
});
