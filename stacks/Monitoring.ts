import { ArnFormat, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type StackContext, Topic } from 'sst/constructs';
import {
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  SERVICE_DIMENSION,
  STAGE_DIMENSION,
} from '../packages/core/src/metrics.ts';
import { type Settings, settingsSchema } from '../packages/core/src/settings.ts';

/** The stage that owns the unprefixed names of seed §13. */
const PRODUCTION_STAGE = 'prod';

export { METRIC_NAMESPACE, METRICS, STAGE_DIMENSION } from '../packages/core/src/metrics.ts';

/** Alert routing levels of seed §13.3. */
export type AlertLevel = 'critical' | 'warning' | 'info';

/** Every alert level, in order of urgency. */
export const ALERT_LEVELS: readonly AlertLevel[] = ['critical', 'warning', 'info'];

/**
 * A stage's name for a seed resource: the seed name in production, `<stage>-<name>` elsewhere so
 * stages can share an account (SNS topic and alarm names are unique per account and region).
 */
export function stagedName(stage: string, name: string): string {
  return stage === PRODUCTION_STAGE ? name : `${stage}-${name}`;
}

/** Name of a stage's alert topic, e.g. `recon-alerts-critical` in prod (seed §13.3). */
export function topicName(stage: string, level: AlertLevel): string {
  return stagedName(stage, `recon-alerts-${level}`);
}

/** One CloudWatch alarm of seed §13.2, described as data. */
export interface AlarmSpec {
  /** Alarm name before the stage prefix, e.g. `recon-pipeline-duration-critical`. */
  readonly name: string;
  /** Topic its alarm action publishes to. */
  readonly level: Exclude<AlertLevel, 'info'>;
  /** Metric in {@link METRIC_NAMESPACE}. */
  readonly metricName: (typeof METRICS)[keyof typeof METRICS];
  /** Dimensions besides `stage`. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: 'Maximum' | 'Minimum' | 'Sum';
  readonly period: Duration;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly missingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

/** An alarm on a metric AWS publishes (Step Functions, SQS), any value above 0 in 5 minutes. */
export interface AwsAlarmSpec {
  readonly name: string;
  readonly level: Exclude<AlertLevel, 'info'>;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly description: string;
}

/**
 * Alarms on what AWS counts for the pipeline: failed executions of the state machine (named
 * `recon-daily-pipeline` by the Pipeline stack) and failure events the recorder never took (its
 * dead-letter queue).
 */
export function awsAlarmSpecs(stage: string, stateMachineArn: string): AwsAlarmSpec[] {
  return [
    {
      name: 'recon-executions-failed',
      level: 'critical',
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensions: { StateMachineArn: stateMachineArn },
      description: 'An execution of the pipeline failed (counted by Step Functions)',
    },
    {
      name: 'recon-failure-records-undelivered',
      level: 'warning',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: stagedName(stage, 'recon-failed-executions-dlq') },
      description: 'A failed execution could not be recorded: see the failed-executions dead-letter queue',
    },
  ];
}

const DAY = Duration.days(1);
const HOUR = Duration.hours(1);
const { GREATER_THAN_THRESHOLD: ABOVE, LESS_THAN_THRESHOLD: BELOW } = cloudwatch.ComparisonOperator;
const { BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;

/**
 * The alarms of seed §13.2 (plus the product's dead-letter, DQ, failure and L2/L3 rate alarms), with
 * thresholds taken from the settings (seed Appendix B): SLA minutes become seconds, rates percent.
 *
 * Missing data: only the critical duration alarm treats it as breaching, so a day without a run
 * pages once (critical) rather than twice; rates and counts are only judged when a run emitted them.
 */
export function alarmSpecs(settings: Settings): AlarmSpec[] {
  const rate = (level: 'L1' | 'L2' | 'L3', severity: AlarmSpec['level'], threshold: string): AlarmSpec => ({
    name: `recon-${level.toLowerCase()}-match-rate-${severity}`,
    level: severity,
    metricName: METRICS.matchRate,
    dimensions: { Level: level },
    statistic: 'Minimum',
    period: DAY,
    threshold: Number(threshold),
    comparison: BELOW,
    missingData: NOT_BREACHING,
    description: `${level} match rate below ${threshold}% (${severity})`,
  });
  const count = (
    name: string,
    metricName: AlarmSpec['metricName'],
    level: AlarmSpec['level'],
    description: string,
  ): AlarmSpec => ({
    name,
    level,
    metricName,
    dimensions: {},
    statistic: 'Sum',
    period: HOUR,
    threshold: 0,
    comparison: ABOVE,
    missingData: NOT_BREACHING,
    description,
  });
  return [
    {
      name: 'recon-pipeline-duration-critical',
      level: 'critical',
      metricName: METRICS.pipelineDuration,
      dimensions: {},
      statistic: 'Maximum',
      period: DAY,
      threshold: settings.pipelineSlaCriticalMin * 60,
      comparison: ABOVE,
      missingData: BREACHING,
      description: `Pipeline ran longer than ${settings.pipelineSlaCriticalMin} min, or did not finish today`,
    },
    {
      name: 'recon-pipeline-duration-warning',
      level: 'warning',
      metricName: METRICS.pipelineDuration,
      dimensions: {},
      statistic: 'Maximum',
      period: DAY,
      threshold: settings.pipelineSlaWarningMin * 60,
      comparison: ABOVE,
      missingData: NOT_BREACHING,
      description: `Pipeline ran longer than ${settings.pipelineSlaWarningMin} min`,
    },
    {
      name: 'recon-anomaly-scan-duration',
      level: 'warning',
      metricName: METRICS.phaseDuration,
      dimensions: { Phase: 'anomalies' },
      statistic: 'Maximum',
      period: DAY,
      threshold: settings.anomalyScanSlaMin * 60,
      comparison: ABOVE,
      missingData: NOT_BREACHING,
      description: `Anomaly scan ran longer than ${settings.anomalyScanSlaMin} min`,
    },
    rate('L1', 'critical', settings.l1MatchRateCritical),
    rate('L1', 'warning', settings.l1MatchRateWarning),
    rate('L2', 'critical', settings.l2MatchRateCritical),
    rate('L3', 'warning', settings.l3MatchRateWarning),
    {
      ...count(
        'recon-anomaly-critical-detected',
        METRICS.anomalyCount,
        'critical',
        'CRITICAL anomalies detected',
      ),
      dimensions: { Severity: 'CRITICAL' },
      period: DAY,
    },
    count('recon-pipeline-failed', METRICS.pipelineFailed, 'critical', 'A pipeline run failed'),
    count(
      'recon-dead-letters',
      METRICS.deadLetterCount,
      'warning',
      'Records were sent to the dead letter prefix',
    ),
    count('recon-dq-checks-failed', METRICS.dqChecksFailed, 'warning', 'Data quality checks failed'),
  ];
}

/** What later stacks use from `use(Monitoring)`. */
export interface MonitoringOutputs {
  /** SST topics per alert level: alarms publish to critical/warning; reports may publish to info. */
  readonly topics: Readonly<Record<AlertLevel, Topic>>;
  /** The alarms, keyed by their unprefixed name. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
}

/**
 * Monitoring stack: the alert topics of seed §13.3 and the CloudWatch alarms of §13.2 on the
 * `Recon/Pipeline` metrics of this stage. Thresholds are the settings' defaults at deploy time; a
 * value tuned later in Parameter Store does not move an alarm until its default changes here.
 *
 * Subscriptions (WeCom forwarder, PagerDuty, email) are not created here: email subscriptions need
 * confirmation by their recipients and the WeCom webhooks are out-of-band secrets.
 */
export function Monitoring({ stack, app }: StackContext): MonitoringOutputs {
  const topics = Object.fromEntries(
    ALERT_LEVELS.map((level) => [
      level,
      new Topic(stack, `Alerts-${level}`, { cdk: { topic: { topicName: topicName(app.stage, level) } } }),
    ]),
  ) as Record<AlertLevel, Topic>;

  const alarms: Record<string, cloudwatch.Alarm> = {};
  for (const spec of alarmSpecs(settingsSchema.parse({}))) {
    const metric = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: spec.metricName,
      dimensionsMap: {
        [SERVICE_DIMENSION]: METRIC_SERVICE,
        [STAGE_DIMENSION]: app.stage,
        ...spec.dimensions,
      },
      statistic: spec.statistic,
      period: spec.period,
    });
    const alarm = new cloudwatch.Alarm(stack, `Alarm-${spec.name}`, {
      alarmName: stagedName(app.stage, spec.name),
      alarmDescription: spec.description,
      metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: 1,
      treatMissingData: spec.missingData,
    });
    alarm.addAlarmAction(new SnsAction(topics[spec.level].cdk.topic));
    alarms[spec.name] = alarm;
  }

  // Beside the product's own metrics: what AWS itself counts, so a failure is seen even when the
  // failure recorder cannot write (its PipelineFailed metric) or never receives the event.
  for (const spec of awsAlarmSpecs(
    app.stage,
    stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stagedName(app.stage, 'recon-daily-pipeline'),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  )) {
    const alarm = new cloudwatch.Alarm(stack, `Alarm-${spec.name}`, {
      alarmName: stagedName(app.stage, spec.name),
      alarmDescription: spec.description,
      metric: new cloudwatch.Metric({
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensionsMap: spec.dimensions,
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ABOVE,
      evaluationPeriods: 1,
      treatMissingData: NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topics[spec.level].cdk.topic));
    alarms[spec.name] = alarm;
  }

  stack.addOutputs(
    Object.fromEntries(
      ALERT_LEVELS.map((level) => [
        `Alerts${level[0]!.toUpperCase()}${level.slice(1)}TopicArn`,
        topics[level].topicArn,
      ]),
    ),
  );

  return { topics, alarms };
}
