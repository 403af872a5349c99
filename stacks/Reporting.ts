import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Function as SstFunction, type StackContext, use } from 'sst/constructs';
import { DASHBOARD_URL_ENV } from '../packages/core/src/reports/options.ts';
import { bareAddress, REPORT_SENDER_ENV } from '../packages/core/src/notify/email.ts';
import type { ScheduledReportKind } from '../packages/core/src/reports/scheduled.ts';
import { settingsSchema } from '../packages/core/src/settings.ts';
import { copyPackageClosure } from './bundle-packages.ts';
import { Monitoring, stagedName } from './Monitoring.ts';
import { Params } from './Params.ts';
import { Pipeline } from './Pipeline.ts';
import { loadStageConfig } from './stage-config.ts';

/** The report function's handler, memory and timeout (the monthly PDF is the largest job). */
export const REPORT_FUNCTION = { handler: 'send-report', memoryMb: 1024, timeoutSeconds: 600 } as const;

/** Packages installed beside the report handler instead of bundled into it. */
export const REPORT_FUNCTION_PACKAGES = ['pdfkit'] as const;

/** The package that depends on them. */
const CORE_DIR = fileURLToPath(new URL('../packages/core', import.meta.url));

/**
 * The report schedules (seed phase 4 §7), all in UTC. The monthly report runs on days 1–4, which
 * always contain the 2nd business day; the function sends it only on that day.
 */
export function reportSchedules(): Readonly<Record<ScheduledReportKind, string>> {
  return {
    // The daily report follows the daily run (06:00 UTC); its default is the reportSchedule setting.
    daily: settingsSchema.parse({}).reportSchedule,
    weekly: 'cron(0 9 ? * MON *)',
    monthly: 'cron(0 9 1-4 * ? *)',
  };
}

/** The view refresher's handler, memory and timeout (three REFRESH statements, minutes at most). */
export const REFRESH_VIEWS_FUNCTION = {
  handler: 'refresh-views',
  memoryMb: 256,
  timeoutSeconds: 900,
} as const;

/**
 * When the reporting views are refreshed on their own (UTC): the `mvRefreshSchedule` setting's
 * default, `cron(0 7 * * ? *)` — an hour after the daily run. A deploy-time value, like the report
 * schedules: a tuned parameter does not move the rule.
 */
export function mvRefreshSchedule(): string {
  return settingsSchema.parse({}).mvRefreshSchedule;
}

/** Physical name of a report schedule's rule, e.g. `recon-report-daily` in prod. */
export function reportRuleName(stage: string, kind: ScheduledReportKind): string {
  return stagedName(stage, `recon-report-${kind}`);
}

/**
 * Reporting stack: the report function (daily to WeCom and by email, weekly CSV and monthly PDF
 * by email through SES) and its three schedules, plus an alarm when a report fails.
 *
 * Deliveries are not retried by Lambda (a retry after a partial delivery would send the email a
 * second time); the WeCom client retries on its own, and a failure raises
 * `recon-report-failed` on the warning topic so the report can be resent by hand.
 */
export function Reporting({ stack, app }: StackContext) {
  const config = loadStageConfig(app.stage);
  const params = use(Params);
  const { warehouseFunction, warehouseGrants } = use(Pipeline);
  const { topics } = use(Monitoring);

  const sendReport = new SstFunction(stack, 'SendReportFunction', {
    ...warehouseFunction,
    environment: {
      ...warehouseFunction.environment,
      [REPORT_SENDER_ENV]: config.reports.sender,
      ...(config.reports.dashboardUrl ? { [DASHBOARD_URL_ENV]: config.reports.dashboardUrl } : {}),
    },
    handler: `packages/functions/src/${REPORT_FUNCTION.handler}.handler`,
    memorySize: REPORT_FUNCTION.memoryMb,
    timeout: REPORT_FUNCTION.timeoutSeconds,
    retryAttempts: 0,
    description: 'Revenue Reconciliation: sends the daily, weekly and monthly reports',
    // pdfkit is installed beside the handler, not bundled: it reads its standard fonts' metrics
    // through its own package imports at run time, which a bundle does not carry.
    nodejs: {
      ...warehouseFunction.nodejs,
      esbuild: {
        ...warehouseFunction.nodejs?.esbuild,
        external: [...(warehouseFunction.nodejs?.esbuild?.external ?? []), ...REPORT_FUNCTION_PACKAGES],
      },
    },
    hooks: {
      afterBuild: async (_props, out) => {
        for (const name of REPORT_FUNCTION_PACKAGES) copyPackageClosure(out, name, CORE_DIR);
      },
    },
  });
  // Settings and the SecureString webhooks under the stage's parameter root.
  params.grantRead(sendReport);
  sendReport.attachPermissions([
    // Reports refresh the reporting views, then read them.
    ...warehouseGrants,
    // Email only as the configured sender, from this account's SES identities.
    new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
      conditions: { StringEquals: { 'ses:FromAddress': bareAddress(config.reports.sender) } },
    }),
  ]);

  const schedules = reportSchedules();
  const rules = {} as Record<ScheduledReportKind, events.Rule>;
  for (const kind of Object.keys(schedules) as ScheduledReportKind[]) {
    const rule = new events.Rule(stack, `Report-${kind}`, {
      ruleName: reportRuleName(app.stage, kind),
      description: `Send the ${kind} reconciliation report`,
      schedule: events.Schedule.expression(schedules[kind]),
      enabled: config.reports.schedulesEnabled,
    });
    rule.addTarget(
      new targets.LambdaFunction(sendReport, {
        event: events.RuleTargetInput.fromObject({ kind, scheduledTime: events.EventField.time }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(2),
      }),
    );
    rules[kind] = rule;
  }

  /** An alarm on the warning topic as soon as `fn` fails once. */
  const onErrors = (name: string, fn: SstFunction, description: string): cloudwatch.Alarm => {
    const alarm = new cloudwatch.Alarm(stack, `Alarm-${name}`, {
      alarmName: stagedName(app.stage, name),
      alarmDescription: description,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topics.warning.cdk.topic));
    return alarm;
  };
  const failed = onErrors(
    'recon-report-failed',
    sendReport,
    'A scheduled report was not delivered (see the report function log; resend with recon report … --send)',
  );

  // The reporting materialized views, refreshed on their own schedule for dashboards that read
  // them directly (Grafana): triage done since the run shows without waiting for the next one.
  const refreshViews = new SstFunction(stack, 'RefreshViewsFunction', {
    ...warehouseFunction,
    handler: `packages/functions/src/${REFRESH_VIEWS_FUNCTION.handler}.handler`,
    memorySize: REFRESH_VIEWS_FUNCTION.memoryMb,
    timeout: REFRESH_VIEWS_FUNCTION.timeoutSeconds,
    description: 'Revenue Reconciliation: refreshes the reporting materialized views',
  });
  params.grantRead(refreshViews);
  refreshViews.attachPermissions([...warehouseGrants]);
  const refreshRule = new events.Rule(stack, 'MvRefresh', {
    ruleName: stagedName(app.stage, 'recon-mv-refresh'),
    description: 'Refresh the reporting materialized views',
    schedule: events.Schedule.expression(mvRefreshSchedule()),
    enabled: config.scheduleEnabled,
  });
  refreshRule.addTarget(
    new targets.LambdaFunction(refreshViews, {
      event: events.RuleTargetInput.fromObject({ scheduledTime: events.EventField.time }),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    }),
  );
  const refreshFailed = onErrors(
    'recon-mv-refresh-failed',
    refreshViews,
    'The reporting views were not refreshed (see the RefreshViews function log); dashboards show them as the last run left them',
  );

  stack.addOutputs({ ReportFunctionName: sendReport.functionName });
  return { sendReport, rules, failed, refreshViews, refreshRule, refreshFailed };
}
