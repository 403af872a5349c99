/**
 * The alert rules evaluated at the end of a pipeline run (SPEC §9; seed phase 4 §8.3 and phase 2
 * §10.3), as pure functions of the run's figures and the settings. Each rule has a level, and the
 * level decides the WeCom channel: critical → `wecom-critical`, warning → `wecom-warning`.
 *
 * | rule | raised when | level |
 * |---|---|---|
 * | PIPELINE_FAILED | the run is FAILED | critical |
 * | DQ_FAILED | the run is FAILED_DQ (a data-quality FAIL halted it) | critical |
 * | L1_MATCH_RATE_CRITICAL | L1 rate < l1MatchRateCritical | critical |
 * | L1_MATCH_RATE_WARNING | l1MatchRateCritical ≤ L1 rate < l1MatchRateWarning | warning |
 * | L2_MATCH_RATE_CRITICAL | L2 rate < l2MatchRateCritical (DQ-07's L2 threshold) | critical |
 * | L3_MATCH_RATE_WARNING | L3 rate < l3MatchRateWarning | warning |
 * | PIPELINE_SLA_CRITICAL | duration > pipelineSlaCriticalMin minutes | critical |
 * | PIPELINE_SLA_WARNING | pipelineSlaWarningMin < duration ≤ pipelineSlaCriticalMin minutes | warning |
 * | ANOMALY_SCAN_SLA | the anomaly scan took more than anomalyScanSlaMin minutes (or its time is unreadable) | warning |
 * | CRITICAL_ANOMALIES | an OPEN/INVESTIGATING CRITICAL anomaly exists for the run's date | critical |
 * | ANOMALY_SPIKE | the run record's spike flag (count > anomalySpikeMultiplier × 30-day average) | warning |
 * | DEAD_LETTERS | the run dead-lettered rows | warning |
 *
 * The warning rule of a measure is not raised when its critical rule is (one alert per measure,
 * no storm). Comparisons are exact (decimal.js): a rate equal to its threshold raises nothing.
 */
import { Decimal } from 'decimal.js';
import { formatCount, formatMoney, formatRate, minutesOf } from '../reports/format.ts';
import type { Settings } from '../settings.ts';

/** An alert's level, which is also its WeCom channel. */
export type AlertLevel = 'critical' | 'warning';

/** Every rule, in the order alerts are listed. */
export const ALERT_RULES = [
  'PIPELINE_FAILED',
  'DQ_FAILED',
  'L1_MATCH_RATE_CRITICAL',
  'L1_MATCH_RATE_WARNING',
  'L2_MATCH_RATE_CRITICAL',
  'L3_MATCH_RATE_WARNING',
  'PIPELINE_SLA_CRITICAL',
  'PIPELINE_SLA_WARNING',
  'ANOMALY_SCAN_SLA',
  'CRITICAL_ANOMALIES',
  'ANOMALY_SPIKE',
  'DEAD_LETTERS',
] as const;

/** The name of a rule. */
export type AlertRule = (typeof ALERT_RULES)[number];

/** Level of each rule. */
export const RULE_LEVELS: Readonly<Record<AlertRule, AlertLevel>> = {
  PIPELINE_FAILED: 'critical',
  DQ_FAILED: 'critical',
  L1_MATCH_RATE_CRITICAL: 'critical',
  L1_MATCH_RATE_WARNING: 'warning',
  L2_MATCH_RATE_CRITICAL: 'critical',
  L3_MATCH_RATE_WARNING: 'warning',
  PIPELINE_SLA_CRITICAL: 'critical',
  PIPELINE_SLA_WARNING: 'warning',
  ANOMALY_SCAN_SLA: 'warning',
  CRITICAL_ANOMALIES: 'critical',
  ANOMALY_SPIKE: 'warning',
  DEAD_LETTERS: 'warning',
};

/** Title of each rule in messages. */
export const RULE_TITLES: Readonly<Record<AlertRule, string>> = {
  PIPELINE_FAILED: 'Pipeline failed',
  DQ_FAILED: 'Data quality FAIL',
  L1_MATCH_RATE_CRITICAL: 'L1 match rate critical',
  L1_MATCH_RATE_WARNING: 'L1 match rate warning',
  L2_MATCH_RATE_CRITICAL: 'L2 match rate critical',
  L3_MATCH_RATE_WARNING: 'L3 match rate warning',
  PIPELINE_SLA_CRITICAL: 'Pipeline SLA breach',
  PIPELINE_SLA_WARNING: 'Pipeline SLA warning',
  ANOMALY_SCAN_SLA: 'Anomaly scan SLA breach',
  CRITICAL_ANOMALIES: 'Critical anomalies',
  ANOMALY_SPIKE: 'Anomaly spike',
  DEAD_LETTERS: 'Dead letters',
};

/** An open CRITICAL anomaly named in the CRITICAL_ANOMALIES message. */
export interface AlertAnomaly {
  anomaly_id: string;
  anomaly_name: string;
  shop_id: string | null;
  affected_amount: string;
}

/** A data-quality check that FAILed in the run. */
export interface AlertDqFailure {
  check_id: string;
  check_name: string;
  table_name: string;
  detail: string;
}

/** What the rules look at: the run record and the warehouse figures around it. */
export interface RunAlertInputs {
  runId: string;
  reconDate: string;
  /** SUCCEEDED | FAILED | FAILED_DQ. */
  status: string;
  failedStep: string | null;
  errorMessage: string | null;
  /** Start to end of the run, whole seconds; null when unknown. */
  durationSeconds: string | null;
  /** Seconds the anomaly scan took (the run record's `anomalies` phase); null when it did not run. */
  anomalyScanSeconds: string | null;
  /** Why the run record's phase durations could not be read, if they could not. */
  anomalyScanError: string | null;
  /** Match rates of the business date in percent (exact text), null when not computed. */
  l1MatchRate: string | null;
  l2MatchRate: string | null;
  l3MatchRate: string | null;
  anomaliesDetected: string | null;
  anomalyAverage30d: string | null;
  anomalySpike: boolean | null;
  /** Rows of the run that went to the dead-letter store. */
  deadLetters: string;
  openCritical: { count: number; amount: string; top: AlertAnomaly[] };
  dqFailures: AlertDqFailure[];
}

/** The verdict of one rule: raised or not, and the message (the alert, or why it was not raised). */
export interface RuleEvaluation {
  rule: AlertRule;
  level: AlertLevel;
  raised: boolean;
  message: string;
}

type Thresholds = Pick<
  Settings,
  | 'l1MatchRateCritical'
  | 'l1MatchRateWarning'
  | 'l2MatchRateCritical'
  | 'l3MatchRateWarning'
  | 'pipelineSlaCriticalMin'
  | 'pipelineSlaWarningMin'
  | 'anomalyScanSlaMin'
  | 'anomalySpikeMultiplier'
>;

const below = (value: string | null, threshold: string) =>
  value !== null && new Decimal(value).lessThan(new Decimal(threshold));

function rateRule(
  level: string,
  rate: string | null,
  threshold: string,
  setting: string,
  raised: boolean,
  suppressedBy?: string,
): string {
  if (rate === null) return `no ${level} match rate in this run`;
  if (raised) return `${level} match rate ${formatRate(rate)} is below ${threshold}% (${setting})`;
  if (suppressedBy) return `${level} match rate ${formatRate(rate)}: ${suppressedBy} is raised instead`;
  return `${level} match rate ${formatRate(rate)} is not below ${threshold}% (${setting})`;
}

/** Evaluate every rule of {@link ALERT_RULES} for one run. */
export function evaluateRules(inputs: RunAlertInputs, settings: Thresholds): RuleEvaluation[] {
  const out: RuleEvaluation[] = [];
  const add = (rule: AlertRule, raised: boolean, message: string) =>
    out.push({ rule, level: RULE_LEVELS[rule], raised, message });

  add(
    'PIPELINE_FAILED',
    inputs.status === 'FAILED',
    inputs.status === 'FAILED'
      ? `Pipeline run ${inputs.runId} for ${inputs.reconDate} FAILED in ${inputs.failedStep ?? 'an unknown step'}: ${(inputs.errorMessage ?? 'no cause recorded').slice(0, 400)}`
      : `the run is ${inputs.status}`,
  );

  const dq = inputs.dqFailures
    .slice(0, 5)
    .map((f) => `${f.check_id} ${f.check_name} on ${f.table_name}: ${f.detail.slice(0, 120)}`)
    .join('; ');
  add(
    'DQ_FAILED',
    inputs.status === 'FAILED_DQ',
    inputs.status === 'FAILED_DQ'
      ? `Data-quality checks FAILED for ${inputs.reconDate}; the run halted before matching${dq ? `: ${dq}` : ''}${inputs.dqFailures.length > 5 ? ` (and ${inputs.dqFailures.length - 5} more)` : ''}`
      : `the run is ${inputs.status}`,
  );

  const l1Critical = below(inputs.l1MatchRate, settings.l1MatchRateCritical);
  const l1Warning = !l1Critical && below(inputs.l1MatchRate, settings.l1MatchRateWarning);
  add(
    'L1_MATCH_RATE_CRITICAL',
    l1Critical,
    rateRule('L1', inputs.l1MatchRate, settings.l1MatchRateCritical, 'l1MatchRateCritical', l1Critical),
  );
  add(
    'L1_MATCH_RATE_WARNING',
    l1Warning,
    rateRule(
      'L1',
      inputs.l1MatchRate,
      settings.l1MatchRateWarning,
      'l1MatchRateWarning',
      l1Warning,
      l1Critical ? 'L1_MATCH_RATE_CRITICAL' : undefined,
    ),
  );
  const l2Critical = below(inputs.l2MatchRate, settings.l2MatchRateCritical);
  add(
    'L2_MATCH_RATE_CRITICAL',
    l2Critical,
    rateRule('L2', inputs.l2MatchRate, settings.l2MatchRateCritical, 'l2MatchRateCritical', l2Critical),
  );
  const l3Warning = below(inputs.l3MatchRate, settings.l3MatchRateWarning);
  add(
    'L3_MATCH_RATE_WARNING',
    l3Warning,
    rateRule('L3', inputs.l3MatchRate, settings.l3MatchRateWarning, 'l3MatchRateWarning', l3Warning),
  );

  const seconds = inputs.durationSeconds === null ? null : new Decimal(inputs.durationSeconds);
  const took = `Pipeline run took ${minutesOf(inputs.durationSeconds) ?? '?'} min`;
  const slaCritical = seconds !== null && seconds.greaterThan(settings.pipelineSlaCriticalMin * 60);
  const slaWarning =
    !slaCritical && seconds !== null && seconds.greaterThan(settings.pipelineSlaWarningMin * 60);
  add(
    'PIPELINE_SLA_CRITICAL',
    slaCritical,
    seconds === null
      ? 'the run has no duration'
      : `${took}, ${slaCritical ? 'over' : 'within'} the ${settings.pipelineSlaCriticalMin}-minute SLA (pipelineSlaCriticalMin)`,
  );
  add(
    'PIPELINE_SLA_WARNING',
    slaWarning,
    seconds === null
      ? 'the run has no duration'
      : slaCritical
        ? `${took}: PIPELINE_SLA_CRITICAL is raised instead`
        : `${took}, ${slaWarning ? 'over' : 'within'} the ${settings.pipelineSlaWarningMin}-minute warning threshold (pipelineSlaWarningMin)`,
  );

  const scan = inputs.anomalyScanSeconds === null ? null : new Decimal(inputs.anomalyScanSeconds);
  const scanLate = scan !== null && scan.greaterThan(settings.anomalyScanSlaMin * 60);
  add(
    'ANOMALY_SCAN_SLA',
    scanLate || inputs.anomalyScanError !== null,
    inputs.anomalyScanError !== null
      ? `cannot tell how long the anomaly scan took: ${inputs.anomalyScanError}`
      : scan === null
        ? 'the run did not scan for anomalies'
        : `Anomaly scan took ${minutesOf(inputs.anomalyScanSeconds) ?? '?'} min, ${scanLate ? 'over' : 'within'} the ${settings.anomalyScanSlaMin}-minute SLA (anomalyScanSlaMin)`,
  );

  const c = inputs.openCritical;
  const named = c.top
    .map(
      (a) =>
        `${a.anomaly_id} ${a.anomaly_name} ${formatMoney(a.affected_amount)}${a.shop_id ? ` shop ${a.shop_id}` : ''}`,
    )
    .join('; ');
  add(
    'CRITICAL_ANOMALIES',
    c.count > 0,
    c.count > 0
      ? `${formatCount(c.count)} open CRITICAL anomal${c.count === 1 ? 'y' : 'ies'} for ${inputs.reconDate} (${formatMoney(c.amount)} at stake): ${named}${c.count > c.top.length ? ` and ${formatCount(c.count - c.top.length)} more` : ''}`
      : `no open CRITICAL anomaly for ${inputs.reconDate}`,
  );

  const spike = inputs.anomalySpike === true;
  add(
    'ANOMALY_SPIKE',
    spike,
    spike
      ? `${formatCount(inputs.anomaliesDetected ?? '0')} anomalies for ${inputs.reconDate}, more than ${settings.anomalySpikeMultiplier} × the 30-day average ${inputs.anomalyAverage30d === null ? '?' : new Decimal(inputs.anomalyAverage30d).toFixed(2)}`
      : inputs.anomalySpike === null
        ? 'the run recorded no anomaly figures'
        : `${formatCount(inputs.anomaliesDetected ?? '0')} anomalies: no spike`,
  );

  const dead = new Decimal(inputs.deadLetters);
  add(
    'DEAD_LETTERS',
    dead.greaterThan(0),
    dead.greaterThan(0)
      ? `${formatCount(dead.toFixed(0))} source row${dead.equals(1) ? '' : 's'} could not be standardized and went to the dead-letter store (recon.dwd_recon_dead_letter)`
      : 'no dead letter',
  );
  return out;
}
