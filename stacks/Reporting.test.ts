import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from './Monitoring.ts';
import { Params } from './Params.ts';
import { Pipeline } from './Pipeline.ts';
import { bareAddress } from '../packages/core/src/notify/email.ts';
import {
  mvRefreshSchedule,
  REFRESH_VIEWS_FUNCTION,
  REPORT_FUNCTION,
  Reporting,
  reportSchedules,
} from './Reporting.ts';
import { parseStageConfig, STAGE_CONFIG_ENV } from './stage-config.ts';
import { Storage } from './Storage.ts';
import { synthStack } from './synth.ts';
import type { Json } from './template-definition.ts';
import {
  actionsOf,
  asList,
  statementsOf,
  type TemplateResources,
  wildcardOffenders,
  EXAMPLE_STAGE_FILE,
  exampleStageConfig,
} from './template-inspect.ts';

const config = exampleStageConfig();

let template: Template;
let resources: TemplateResources;
let fnId: string;

beforeAll(async () => {
  process.env[STAGE_CONFIG_ENV] = EXAMPLE_STAGE_FILE;
  template = await synthStack('test', Storage, Params, Pipeline, Monitoring, Reporting);
  resources = template.toJSON().Resources;
  const ids = Object.keys(resources).filter(
    (id) => resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith('SendReportFunction'),
  );
  expect(ids).toHaveLength(1);
  fnId = ids[0]!;
}, 300_000);

describe('Reporting stack: the report function', () => {
  it('is an arm64 nodejs22.x function with tracing and 3-month logs', () => {
    expect(resources[fnId]!.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: REPORT_FUNCTION.memoryMb,
      Timeout: REPORT_FUNCTION.timeoutSeconds,
      Handler: 'packages/functions/src/send-report.handler',
    });
    template.hasResourceProperties('Custom::LogRetention', {
      LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ Ref: fnId })])] },
      RetentionInDays: 90,
    });
    expect(resources[fnId]!.Properties.VpcConfig).toBeUndefined();
  });

  it('knows the warehouse, the sender and the dashboard link; never a source secret', () => {
    const env = (resources[fnId]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(env).toMatchObject({
      RECON_STAGE: 'test',
      RECON_PARAMETER_ROOT: '/test/recon',
      RECON_REDSHIFT_WORKGROUP: config.redshift.workgroupArn,
      RECON_REDSHIFT_SECRET_ARN: config.redshift.secretArn,
      RECON_REPORT_SENDER: 'Revenue Reconciliation <recon@example.com>',
      RECON_DASHBOARD_URL: 'https://grafana.example.com/d/recon-exec-overview',
    });
    expect(Object.keys(env).filter((k) => /^RECON_(SALES|IFI|IUNIFIED)/.test(k))).toEqual([]);
  });

  it('is not retried by Lambda after an error (a retry would email a second time)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 0,
    });
  });
});

describe('Reporting stack: schedules', () => {
  it.each([
    ['daily', 'cron(0 8 * * ? *)'],
    ['weekly', 'cron(0 9 ? * MON *)'],
    ['monthly', 'cron(0 9 1-4 * ? *)'],
  ] as const)('%s runs on %s with its kind and the scheduled instant', (kind, expression) => {
    expect(reportSchedules()[kind]).toBe(expression);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: `test-recon-report-${kind}`,
      ScheduleExpression: expression,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          InputTransformer: {
            InputPathsMap: { time: '$.time' },
            InputTemplate: `{"kind":"${kind}","scheduledTime":<time>}`,
          },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it('lets only EventBridge rules of this stack invoke the function', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map(
      (r) => (r as { Properties: Record<string, Json> }).Properties,
    );
    const onReport = permissions.filter((p) => JSON.stringify(p.FunctionName).includes(fnId));
    expect(onReport).toHaveLength(3);
    for (const p of onReport) {
      expect(p.Principal).toBe('events.amazonaws.com');
      expect(JSON.stringify(p.SourceArn)).toMatch(/Report(daily|weekly|monthly)/);
    }
  });

  it('alarms on the warning topic when a report fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-recon-report-failed',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('Alertswarning') })],
    });
  });
});

describe('Reporting stack: the view refresher', () => {
  let refreshId: string;
  beforeAll(() => {
    const ids = Object.keys(resources).filter(
      (id) => resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith('RefreshViewsFunction'),
    );
    expect(ids).toHaveLength(1);
    refreshId = ids[0]!;
  });

  it('runs the refresh-views handler on the mvRefreshSchedule default, an hour after the run', () => {
    expect(mvRefreshSchedule()).toBe('cron(0 7 * * ? *)');
    expect(resources[refreshId]!.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: REFRESH_VIEWS_FUNCTION.memoryMb,
      Timeout: REFRESH_VIEWS_FUNCTION.timeoutSeconds,
      Handler: 'packages/functions/src/refresh-views.handler',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'test-recon-mv-refresh',
      ScheduleExpression: 'cron(0 7 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [refreshId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it('reads and refreshes the warehouse through the Data API and reads its settings; nothing else', () => {
    const statements = statementsOf(resources, refreshId);
    const execute = statements.filter((st) => actionsOf(st).includes('redshift-data:ExecuteStatement'));
    expect(execute.flatMap((st) => asList(st.Resource))).toEqual([config.redshift.workgroupArn]);
    const services = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['redshift-data', 'secretsmanager', 'ssm', 'xray']);
    const env = (resources[refreshId]!.Properties.Environment as { Variables: Record<string, Json> })
      .Variables;
    expect(Object.keys(env).filter((k) => /^RECON_(SALES|IFI|IUNIFIED)/.test(k))).toEqual([]);
  });

  it('alarms on the warning topic when a refresh fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'test-recon-mv-refresh-failed',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: refreshId } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('Alertswarning') })],
    });
  });
});

describe('Reporting stack: least privilege', () => {
  it('has no Action "*" and no Resource "*" except the listed AWS limitations', () => {
    expect(wildcardOffenders(resources)).toEqual([]);
  });

  it('sends email only as the configured sender', () => {
    const ses = statementsOf(resources, fnId).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(JSON.stringify(ses[0]!.Resource)).toContain(':identity/*');
    expect(ses[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'recon@example.com' } });
  });

  it('reads the warehouse through the Data API on the workgroup, and the stage parameters; nothing else', () => {
    const statements = statementsOf(resources, fnId);
    const execute = statements.filter((s) => actionsOf(s).includes('redshift-data:ExecuteStatement'));
    expect(execute.flatMap((s) => asList(s.Resource))).toEqual([config.redshift.workgroupArn]);
    const secrets = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(secrets.flatMap((s) => asList(s.Resource))).toEqual([config.redshift.secretArn]);
    const ssm = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')));
    expect(JSON.stringify(ssm.map((s) => s.Resource))).toMatch(/parameter\/test\/recon/);
    const services = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['redshift-data', 'secretsmanager', 'ses', 'ssm', 'xray']);
  });
});

describe('Reporting stage configuration', () => {
  const base = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;

  it('reads the bare sender address for the SES condition', () => {
    expect(bareAddress('Revenue Reconciliation <recon@example.com>')).toBe('recon@example.com');
    expect(bareAddress('recon@example.com')).toBe('recon@example.com');
  });

  it.each([
    [
      { reports: undefined },
      /reports: is required: \{ "sender": "recon@example.com" \} names the SES-verified From address/,
    ],
    [{ reports: { sender: 'recon' } }, /reports\.sender: must be an email address verified in SES/],
    [
      { reports: { sender: 'recon@example.com', dashboardUrl: 'http://grafana.example.com/d/x' } },
      /reports\.dashboardUrl: must be an https:\/\/ URL/,
    ],
    [{ reports: { sender: 'recon@example.com', cc: 'x@example.com' } }, /reports: Unrecognized key/],
  ])('%j is refused naming the field', (change, message) => {
    expect(() => parseStageConfig({ ...base, ...change }, 'stages/x.json')).toThrow(message);
  });

  it('defaults the schedules to enabled and the dashboard link to none', () => {
    const parsed = parseStageConfig({ ...base, reports: { sender: 'recon@example.com' } }, 'x');
    expect(parsed.reports).toEqual({ sender: 'recon@example.com', schedulesEnabled: true });
  });
});
