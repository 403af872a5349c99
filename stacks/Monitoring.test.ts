import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../packages/core/src/settings.ts';
import { alarmSpecs, Monitoring, topicName } from './Monitoring.ts';
import { failedExecutionsDlqName } from './Pipeline.ts';
import { synthStack } from './synth.ts';

/** What each alarm must look like in the template (stage `test`). */
interface ExpectedAlarm {
  readonly name: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly period: number;
  readonly threshold: number;
  readonly operator: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly missing: 'breaching' | 'notBreaching';
  readonly topic: 'critical' | 'warning';
}

/** Seed §13.2 alarms and the product's additions, with thresholds from the settings defaults. */
const EXPECTED: readonly ExpectedAlarm[] = [
  {
    name: 'recon-pipeline-duration-critical',
    metric: 'PipelineDuration',
    dimensions: {},
    statistic: 'Maximum',
    period: 86400,
    threshold: 5400,
    operator: 'GreaterThanThreshold',
    missing: 'breaching',
    topic: 'critical',
  },
  {
    name: 'recon-pipeline-duration-warning',
    metric: 'PipelineDuration',
    dimensions: {},
    statistic: 'Maximum',
    period: 86400,
    threshold: 4200,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
  {
    name: 'recon-anomaly-scan-duration',
    metric: 'PhaseDuration',
    dimensions: { Phase: 'anomalies' },
    statistic: 'Maximum',
    period: 86400,
    threshold: 900,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
  {
    name: 'recon-l1-match-rate-critical',
    metric: 'MatchRate',
    dimensions: { Level: 'L1' },
    statistic: 'Minimum',
    period: 86400,
    threshold: 90,
    operator: 'LessThanThreshold',
    missing: 'notBreaching',
    topic: 'critical',
  },
  {
    name: 'recon-l1-match-rate-warning',
    metric: 'MatchRate',
    dimensions: { Level: 'L1' },
    statistic: 'Minimum',
    period: 86400,
    threshold: 95,
    operator: 'LessThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
  {
    name: 'recon-l2-match-rate-critical',
    metric: 'MatchRate',
    dimensions: { Level: 'L2' },
    statistic: 'Minimum',
    period: 86400,
    threshold: 95,
    operator: 'LessThanThreshold',
    missing: 'notBreaching',
    topic: 'critical',
  },
  {
    name: 'recon-l3-match-rate-warning',
    metric: 'MatchRate',
    dimensions: { Level: 'L3' },
    statistic: 'Minimum',
    period: 86400,
    threshold: 50,
    operator: 'LessThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
  {
    name: 'recon-anomaly-critical-detected',
    metric: 'AnomalyCount',
    dimensions: { Severity: 'CRITICAL' },
    statistic: 'Sum',
    period: 86400,
    threshold: 0,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'critical',
  },
  {
    name: 'recon-pipeline-failed',
    metric: 'PipelineFailed',
    dimensions: {},
    statistic: 'Sum',
    period: 3600,
    threshold: 0,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'critical',
  },
  {
    name: 'recon-dead-letters',
    metric: 'DeadLetterCount',
    dimensions: {},
    statistic: 'Sum',
    period: 3600,
    threshold: 0,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
  {
    name: 'recon-dq-checks-failed',
    metric: 'DQChecksFailed',
    dimensions: {},
    statistic: 'Sum',
    period: 3600,
    threshold: 0,
    operator: 'GreaterThanThreshold',
    missing: 'notBreaching',
    topic: 'warning',
  },
];

/** CloudWatch lists dimensions sorted by name; `stage` is always one of them. */
function dimensionsOf(
  stage: string,
  extra: Readonly<Record<string, string>>,
): { Name: string; Value: string }[] {
  // Powertools Metrics publishes every metric with the service dimension too.
  return Object.entries({ service: 'recon-pipeline', stage, ...extra })
    .map(([Name, Value]) => ({ Name, Value }))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

describe('Monitoring stack', () => {
  let template: Template;
  let prod: Template;
  /** Logical id of each topic, by level. */
  const topicIds: Record<string, string> = {};

  beforeAll(async () => {
    template = await synthStack('test', Monitoring);
    prod = await synthStack('prod', Monitoring);
    for (const [id, resource] of Object.entries(template.findResources('AWS::SNS::Topic'))) {
      const name = (resource as { Properties: { TopicName: string } }).Properties.TopicName;
      topicIds[name] = id;
    }
  });

  describe('alert topics (seed §13.3)', () => {
    it('creates recon-alerts-critical, -warning and -info, prefixed by the stage outside prod', () => {
      template.resourceCountIs('AWS::SNS::Topic', 3);
      expect(Object.keys(topicIds).sort()).toEqual([
        'test-recon-alerts-critical',
        'test-recon-alerts-info',
        'test-recon-alerts-warning',
      ]);
      for (const level of ['critical', 'warning', 'info'] as const) {
        prod.hasResourceProperties('AWS::SNS::Topic', { TopicName: `recon-alerts-${level}` });
        expect(topicName('prod', level)).toBe(`recon-alerts-${level}`);
      }
    });
  });

  describe('alarms (seed §13.2)', () => {
    it('creates exactly the expected alarms (and two on metrics AWS publishes)', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', EXPECTED.length + 2);
      expect(alarmSpecs(settingsSchema.parse({})).map((s) => s.name)).toEqual(EXPECTED.map((e) => e.name));
    });

    for (const alarm of EXPECTED) {
      it(`${alarm.name}: ${alarm.metric} ${alarm.operator} ${alarm.threshold} → ${alarm.topic} topic`, () => {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `test-${alarm.name}`,
          Namespace: 'Recon/Pipeline',
          MetricName: alarm.metric,
          Dimensions: dimensionsOf('test', alarm.dimensions),
          Statistic: alarm.statistic,
          Period: alarm.period,
          Threshold: alarm.threshold,
          ComparisonOperator: alarm.operator,
          EvaluationPeriods: 1,
          TreatMissingData: alarm.missing,
          AlarmActions: [{ Ref: topicIds[`test-recon-alerts-${alarm.topic}`] }],
        });
      });
    }

    it('alarms on failed executions counted by Step Functions and on undelivered failure events', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'test-recon-executions-failed',
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [
          {
            Name: 'StateMachineArn',
            Value: Match.objectLike({
              'Fn::Join': Match.arrayWith([
                Match.arrayWith([
                  Match.stringLikeRegexp(':states:.*:stateMachine:test-recon-daily-pipeline$'),
                ]),
              ]),
            }),
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: topicIds['test-recon-alerts-critical'] }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'test-recon-failure-records-undelivered',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: 'test-recon-failed-executions-dlq' }],
        AlarmActions: [{ Ref: topicIds['test-recon-alerts-warning'] }],
      });
      expect(failedExecutionsDlqName('test')).toBe('test-recon-failed-executions-dlq');
    });

    it('uses the seed alarm names unprefixed in prod, with the prod stage dimension', () => {
      prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'recon-pipeline-duration-critical',
        Dimensions: [
          { Name: 'service', Value: 'recon-pipeline' },
          { Name: 'stage', Value: 'prod' },
        ],
        Threshold: 5400,
      });
    });

    it('sends nothing to the info topic (it is for reports)', () => {
      const infoRef = { Ref: topicIds['test-recon-alerts-info'] };
      template.resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { AlarmActions: Match.arrayWith([infoRef]) },
        0,
      );
    });

    it('derives thresholds from the settings: SLA minutes in seconds, rates in percent', () => {
      const specs = alarmSpecs(
        settingsSchema.parse({
          pipelineSlaCriticalMin: 120,
          pipelineSlaWarningMin: 100,
          l1MatchRateCritical: '85',
          anomalyScanSlaMin: 5,
        }),
      );
      const byName = new Map(specs.map((s) => [s.name, s.threshold]));
      expect(byName.get('recon-anomaly-scan-duration')).toBe(300);
      expect(byName.get('recon-pipeline-duration-critical')).toBe(7200);
      expect(byName.get('recon-pipeline-duration-warning')).toBe(6000);
      expect(byName.get('recon-l1-match-rate-critical')).toBe(85);
    });
  });
});
