/**
 * `recon report daily|weekly|monthly` (SPEC §9, §12; seed phase 4 §7): builds a scheduled report
 * from the warehouse (refreshing the reporting views first, so triage done since the run shows)
 * and either writes its files (`--out`, default `<RECON_HOME>/reports/`) and prints their paths,
 * or, with `--send`, posts the daily markdown to the `wecom-warning` webhook and emails the report
 * through SES (recipients: setting `emailRecipients`; sender: `RECON_REPORT_SENDER`).
 */
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type App, openApp } from '../app.ts';
import { UsageError } from '../errors.ts';
import { defaultEmailClient, type EmailClient, parseRecipients, senderFromEnv } from '../notify/email.ts';
import { checkWebhookUrl, WECOM_WEBHOOK_ENV } from '../notify/webhook-url.ts';
import type { WecomPostOptions } from '../notify/wecom.ts';
import { buildDailyReport } from '../reports/daily.ts';
import { deliverReport, type ReportChannels, writeReportFiles } from '../reports/deliver.ts';
import { buildMonthlyReport } from '../reports/monthly.ts';
import {
  checkReportDate,
  dashboardUrlFromEnv,
  parseMonthArg,
  previousBusinessDate,
  previousMonth,
  REPORT_ENV_VARS,
} from '../reports/options.ts';
import type { BuiltReport, ReportFormat } from '../reports/types.ts';
import { buildWeeklyReport } from '../reports/weekly.ts';
import type { Io } from './main.ts';
import { EXIT } from './run-commands.ts';

/** What the report commands use from outside (injected by tests). */
export interface ReportCommandDeps {
  /** The SES client for `--send` (default: the SDK's region and credentials). */
  emailClient?: () => EmailClient;
  /** Options of the WeCom client (transport, retries). */
  wecom?: WecomPostOptions;
}

interface ReportOpts {
  date?: string;
  month?: string;
  out?: string;
  send?: boolean;
  format?: ReportFormat[];
}

function dateArg(option: string) {
  return (value: string) => {
    try {
      return checkReportDate(value, option);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function monthArg(value: string): string {
  try {
    return parseMonthArg(value, '--month');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function formatsArg(allowed: readonly ReportFormat[]) {
  return (value: string): ReportFormat[] => {
    const parts = value
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter((p) => p !== '');
    const bad = parts.filter((p) => !(allowed as readonly string[]).includes(p));
    if (parts.length === 0 || bad.length > 0) {
      throw new InvalidArgumentError(
        `--format must be one or more of ${allowed.join(', ')} (comma-separated)${bad.length ? `, got ${bad.join(', ')}` : ''}`,
      );
    }
    return [...new Set(parts)] as ReportFormat[];
  };
}

/**
 * The environment openApp reads settings from, without the report variables: they are not
 * settings, and the settings loader refuses RECON_* variables it does not know.
 */
function settingsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of REPORT_ENV_VARS) delete out[name];
  return out;
}

/** Register `recon report …` on `program`; each action reports its exit code through `setExit`. */
export function registerReportCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  deps: ReportCommandDeps = {},
): Command {
  const report = program
    .command('report')
    .description('Build the daily, weekly or monthly report; write its files or send it (--send).');

  const run = async (
    kind: BuiltReport['kind'],
    opts: ReportOpts,
    build: (ctx: { app: App; dashboardUrl: string | null }) => Promise<BuiltReport>,
  ) => {
    const dashboardUrl = dashboardUrlFromEnv(io.env);
    // Check everything --send needs before any work, so a missing variable costs nothing.
    let from: string | undefined;
    let wecomUrl: string | undefined;
    if (opts.send) {
      from = senderFromEnv(io.env);
      if (kind === 'daily') {
        const name = WECOM_WEBHOOK_ENV.warning;
        wecomUrl = io.env[name]?.trim();
        if (!wecomUrl) {
          throw new UsageError(
            `--send posts the daily report to WeCom and needs ${name} (the wecom-warning webhook URL)`,
          );
        }
        checkWebhookUrl(wecomUrl, name);
      }
    }
    const app = await openApp({ env: settingsEnv(io.env) });
    try {
      const built = await build({ app, dashboardUrl });
      if (opts.send) {
        const to = parseRecipients(app.settings.emailRecipients);
        const channels: ReportChannels = {
          email: { client: (deps.emailClient ?? defaultEmailClient)(), from: from!, to },
          ...(wecomUrl ? { wecom: { url: wecomUrl, ...(deps.wecom ? { options: deps.wecom } : {}) } } : {}),
        };
        const delivered = await deliverReport(built, channels);
        const parts = [
          delivered.wecom
            ? `WeCom wecom-warning (${delivered.wecom.attempts} attempt${delivered.wecom.attempts === 1 ? '' : 's'})`
            : null,
          delivered.email
            ? `email to ${delivered.email.to.join(', ')}${delivered.email.messageId ? ` (SES message ${delivered.email.messageId})` : ''}`
            : null,
        ].filter(Boolean);
        io.out(`Sent the ${kind} report ${built.period}: ${parts.join('; ')}\n`);
      }
      if (!opts.send || opts.out) {
        const dir = opts.out ?? join(app.home, 'reports');
        const paths = await writeReportFiles(built, dir, opts.format);
        io.out(`Wrote the ${kind} report ${built.period}:\n${paths.map((p) => `  ${p}\n`).join('')}`);
      }
      setExit(EXIT.OK);
    } finally {
      await app.close();
    }
  };

  const common = (cmd: Command, formats: readonly ReportFormat[]) =>
    cmd
      .option(
        '--out <dir>',
        'directory for the files (default: <RECON_HOME>/reports; with --send, only when given)',
      )
      .option('--send', 'send the report (daily: WeCom wecom-warning + email; weekly, monthly: email)')
      .addOption(
        new Option(
          '--format <formats>',
          `files to write: ${formats.join(', ')} (comma-separated; default all)`,
        ).argParser(formatsArg(formats)),
      );

  common(
    report
      .command('daily')
      .description(
        'Daily reconciliation report: pipeline status, match rates with day-over-day change, revenue, anomalies, top open CRITICAL anomalies.',
      )
      .option('--date <date>', 'business date YYYY-MM-DD (default: yesterday)', dateArg('--date')),
    ['markdown', 'html', 'csv'],
  ).action(async (opts: ReportOpts) => {
    await run('daily', opts, ({ app, dashboardUrl }) =>
      buildDailyReport(app.warehouse, {
        date: opts.date ?? previousBusinessDate(app.runtime.calendar),
        dashboardUrl,
      }),
    );
  });

  common(
    report
      .command('weekly')
      .description(
        'Weekly finance summary: the 4 weeks (Monday–Sunday) ending with the week of --date, as CSV.',
      )
      .option('--date <date>', 'a date of the last week YYYY-MM-DD (default: yesterday)', dateArg('--date')),
    ['csv', 'html'],
  ).action(async (opts: ReportOpts) => {
    await run('weekly', opts, ({ app }) =>
      buildWeeklyReport(app.warehouse, { date: opts.date ?? previousBusinessDate(app.runtime.calendar) }),
    );
  });

  common(
    report
      .command('monthly')
      .description(
        'Monthly reconciliation report (PDF): summary, month over month, top anomaly categories, shop ranking, fee analysis.',
      )
      .option('--month <month>', 'month YYYY-MM (default: last month)', monthArg)
      .option('--date <date>', 'any date of the month YYYY-MM-DD (instead of --month)', dateArg('--date')),
    ['pdf', 'html'],
  ).action(async (opts: ReportOpts) => {
    if (opts.month && opts.date) throw new UsageError('give either --month or --date, not both');
    await run('monthly', opts, ({ app }) =>
      buildMonthlyReport(app.warehouse, app.settings, {
        month: opts.month ?? opts.date?.slice(0, 7) ?? previousMonth(app.runtime.calendar),
      }),
    );
  });
  return report;
}
