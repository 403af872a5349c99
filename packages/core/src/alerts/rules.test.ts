/**
 * The alert rules at their thresholds: each rule is raised just past its threshold and not at it
 * (rates strictly below, durations strictly over), with the defaults of seed Appendix B and with
 * other settings; a measure raises its warning or its critical alert, never both.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../settings.ts';
import { truncateBytes } from './send.ts';
import { ALERT_RULES, type AlertRule, evaluateRules, RULE_LEVELS, type RunAlertInputs } from './rules.ts';

const settings = loadSettings({ env: {}, cwd: '/nonexistent' });

/** A healthy run: nothing is raised. */
function run(overrides: Partial<RunAlertInputs> = {}): RunAlertInputs {
  return {
    runId: 'r1',
    reconDate: '2026-03-10',
    status: 'SUCCEEDED',
    failedStep: null,
    errorMessage: null,
    durationSeconds: '600',
    anomalyScanSeconds: '42.5',
    anomalyScanError: null,
    l1MatchRate: '99.5000',
    l2MatchRate: '99.0000',
    l3MatchRate: '90.0000',
    anomaliesDetected: '3',
    anomalyAverage30d: '3.0000',
    anomalySpike: false,
    deadLetters: '0',
    openCritical: { count: 0, amount: '0.00', top: [] },
    dqFailures: [],
    ...overrides,
  };
}

function raised(inputs: RunAlertInputs, s = settings): AlertRule[] {
  return evaluateRules(inputs, s)
    .filter((e) => e.raised)
    .map((e) => e.rule);
}

describe('alert rules', () => {
  it('evaluates every rule, in order, and raises nothing for a healthy run', () => {
    const all = evaluateRules(run(), settings);
    expect(all.map((e) => e.rule)).toEqual([...ALERT_RULES]);
    expect(all.every((e) => e.level === RULE_LEVELS[e.rule])).toBe(true);
    expect(raised(run())).toEqual([]);
  });

  it.each([
    // [L1 rate, rules raised] with l1MatchRateCritical 90, l1MatchRateWarning 95
    ['95.0000', []],
    ['94.9900', ['L1_MATCH_RATE_WARNING']],
    ['90.0000', ['L1_MATCH_RATE_WARNING']],
    ['89.9900', ['L1_MATCH_RATE_CRITICAL']],
    ['0.0000', ['L1_MATCH_RATE_CRITICAL']],
  ])('L1 match rate %s raises %j', (l1, rules) => {
    expect(raised(run({ l1MatchRate: l1 }))).toEqual(rules);
  });

  it('uses the L1 thresholds of the settings', () => {
    const s = { ...settings, l1MatchRateCritical: '97.5', l1MatchRateWarning: '99' };
    expect(raised(run({ l1MatchRate: '97.5000' }), s)).toEqual(['L1_MATCH_RATE_WARNING']);
    expect(raised(run({ l1MatchRate: '97.4999' }), s)).toEqual(['L1_MATCH_RATE_CRITICAL']);
    expect(raised(run({ l1MatchRate: '99.0000' }), s)).toEqual([]);
  });

  it.each([
    ['L2', 'l2MatchRate', '95.0000', '94.9900', 'L2_MATCH_RATE_CRITICAL'],
    ['L3', 'l3MatchRate', '50.0000', '49.9900', 'L3_MATCH_RATE_WARNING'],
  ] as const)('%s match rate raises %s just below its threshold only', (_l, key, at, below, rule) => {
    expect(raised(run({ [key]: at }))).toEqual([]);
    expect(raised(run({ [key]: below }))).toEqual([rule]);
  });

  it.each([
    // [seconds, rules] with pipelineSlaWarningMin 70 (4,200 s), pipelineSlaCriticalMin 90 (5,400 s)
    ['4200', []],
    ['4201', ['PIPELINE_SLA_WARNING']],
    ['5400', ['PIPELINE_SLA_WARNING']],
    ['5401', ['PIPELINE_SLA_CRITICAL']],
  ])('a run of %s s raises %j', (seconds, rules) => {
    expect(raised(run({ durationSeconds: seconds }))).toEqual(rules);
  });

  it('uses the SLA minutes of the settings', () => {
    const s = { ...settings, pipelineSlaWarningMin: 10, pipelineSlaCriticalMin: 20 };
    expect(raised(run({ durationSeconds: '600' }), s)).toEqual([]);
    expect(raised(run({ durationSeconds: '601' }), s)).toEqual(['PIPELINE_SLA_WARNING']);
    expect(raised(run({ durationSeconds: '1201' }), s)).toEqual(['PIPELINE_SLA_CRITICAL']);
  });

  it('raises ANOMALY_SCAN_SLA when the anomaly scan took longer than anomalyScanSlaMin, not at it', () => {
    // anomalyScanSlaMin 15 (900 s) by default.
    expect(raised(run({ anomalyScanSeconds: '900' }))).toEqual([]);
    expect(raised(run({ anomalyScanSeconds: '900.001' }))).toEqual(['ANOMALY_SCAN_SLA']);
    expect(raised(run({ anomalyScanSeconds: null }))).toEqual([]);
    const s = { ...settings, anomalyScanSlaMin: 1 };
    expect(raised(run({ anomalyScanSeconds: '60' }), s)).toEqual([]);
    const late = evaluateRules(run({ anomalyScanSeconds: '95.2' }), s).find(
      (e) => e.rule === 'ANOMALY_SCAN_SLA',
    );
    expect(late).toEqual({
      rule: 'ANOMALY_SCAN_SLA',
      level: 'warning',
      raised: true,
      message: 'Anomaly scan took 1.6 min, over the 1-minute SLA (anomalyScanSlaMin)',
    });
    expect(
      evaluateRules(run({ anomalyScanSeconds: null }), s).find((e) => e.rule === 'ANOMALY_SCAN_SLA')?.message,
    ).toBe('the run did not scan for anomalies');
    expect(
      raised(run({ anomalyScanSeconds: null, anomalyScanError: 'run r1: phase_durations is not JSON: x' })),
    ).toEqual(['ANOMALY_SCAN_SLA']);
  });

  it('raises the spike, critical-anomaly and dead-letter rules from the first occurrence', () => {
    expect(raised(run({ anomalySpike: true, anomaliesDetected: '7', anomalyAverage30d: '3.0000' }))).toEqual([
      'ANOMALY_SPIKE',
    ]);
    expect(raised(run({ anomalySpike: null }))).toEqual([]);
    expect(
      raised(
        run({
          openCritical: {
            count: 1,
            amount: '5.00',
            top: [
              {
                anomaly_id: 'ANO-02:1',
                anomaly_name: 'AMOUNT_MISMATCH',
                shop_id: '3',
                affected_amount: '5.00',
              },
            ],
          },
        }),
      ),
    ).toEqual(['CRITICAL_ANOMALIES']);
    expect(raised(run({ deadLetters: '1' }))).toEqual(['DEAD_LETTERS']);
  });

  it('raises PIPELINE_FAILED and DQ_FAILED from the run status only', () => {
    const failed = run({
      status: 'FAILED',
      failedStep: 'MatchLevels',
      errorMessage: 'boom',
      l1MatchRate: null,
      l2MatchRate: null,
      l3MatchRate: null,
      anomalySpike: null,
    });
    expect(raised(failed)).toEqual(['PIPELINE_FAILED']);
    const halted = run({ status: 'FAILED_DQ', l1MatchRate: null, l2MatchRate: null, l3MatchRate: null });
    expect(raised(halted)).toEqual(['DQ_FAILED']);
    const messages = evaluateRules(failed, settings);
    expect(messages.find((e) => e.rule === 'L1_MATCH_RATE_CRITICAL')!.message).toBe(
      'no L1 match rate in this run',
    );
  });

  it('explains a rule that is not raised', () => {
    const l1 = evaluateRules(run({ l1MatchRate: '89.0000' }), settings).find(
      (e) => e.rule === 'L1_MATCH_RATE_WARNING',
    )!;
    expect(l1).toMatchObject({
      raised: false,
      message: 'L1 match rate 89.00%: L1_MATCH_RATE_CRITICAL is raised instead',
    });
    const sla = evaluateRules(run(), settings).find((e) => e.rule === 'PIPELINE_SLA_CRITICAL')!;
    expect(sla.message).toBe('Pipeline run took 10.0 min, within the 90-minute SLA (pipelineSlaCriticalMin)');
  });
});

describe('truncateBytes', () => {
  it('cuts at a character boundary within the byte budget', () => {
    expect(truncateBytes('abc', 3)).toBe('abc');
    const cut = truncateBytes('对'.repeat(10), 10);
    expect(cut).toBe('对对…');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10);
  });
});
