import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError } from './errors.ts';
import { envNameOf, loadSettings, SETTING_KEYS } from './settings.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'recon-settings-'));

describe('settings', () => {
  it('has every threshold of the design with its default', () => {
    const s = loadSettings({ cwd: dir(), env: {} });
    expect(s.l1AmountTolerance).toBe('0.01');
    expect(s.l2AmountTolerance).toBe('0.05');
    expect(s.l3AmountTolerance).toBe('1.00');
    expect(s.l3VarianceTolerancePct).toBe('2.0');
    expect(s.stripeFeeMin).toBe('2.00');
    expect(s.stripeFeeMax).toBe('8.00');
    expect(s.stripeFeeAvg).toBe('4.66');
    expect(s.paymentDelayWarningHours).toBe(2);
    expect(s.paymentDelayCriticalHours).toBe(24);
    expect(s.refundStuckThresholdHours).toBe(72);
    expect(s.anomalySpikeMultiplier).toBe('2.0');
    expect(s.dqNullRateMaxPct).toBe('1.0');
    expect(s.dqDuplicateRateMaxPct).toBe('0.1');
    expect(s.orphanTradeAgeHours).toBe(4);
    expect(s.syncDelayWarningHours).toBe(6);
    expect(s.syncDelayCriticalHours).toBe(24);
    expect(s.accountingGapTolerance).toBe('0.50');
    expect(s.pipelineSlaWarningMin).toBe(70);
    expect(s.pipelineSlaCriticalMin).toBe(90);
    expect(s.anomalyScanSlaMin).toBe(15);
    expect(s.extractionLookbackDays).toBe(3);
    expect(s.deadLetterRetentionDays).toBe(30);
    expect(s.backfillMaxDays).toBe(90);
    expect(s.l1MatchRateCritical).toBe('90');
    expect(s.l1MatchRateWarning).toBe('95');
    expect(s.l2MatchRateCritical).toBe('95');
    expect(s.l3MatchRateWarning).toBe('50');
    expect(s.mvRefreshSchedule).toBe('cron(0 7 * * ? *)');
    expect(s.reportSchedule).toBe('cron(0 8 * * ? *)');
    expect(s.confidenceThreshold).toBe('0.7');
    expect(s.enableMlScoring).toBe(false);
    expect(s.businessTimeZone).toBe('America/New_York');
    expect(SETTING_KEYS.length).toBeGreaterThanOrEqual(35);
  });

  it('layers recon.config.json under RECON_* environment variables', () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'recon.config.json'),
      JSON.stringify({ l1AmountTolerance: 0.02, extractionLookbackDays: 5 }),
    );
    const s = loadSettings({ cwd, env: { RECON_EXTRACTION_LOOKBACK_DAYS: '7' } });
    expect(s.l1AmountTolerance).toBe('0.02');
    expect(s.extractionLookbackDays).toBe(7);
    expect(envNameOf('l1AmountTolerance')).toBe('RECON_L1_AMOUNT_TOLERANCE');
    expect(envNameOf('dqNullRateMaxPct')).toBe('RECON_DQ_NULL_RATE_MAX_PCT');
  });

  it('names the bad key and where it came from', () => {
    expect(() => loadSettings({ cwd: dir(), env: { RECON_L1_AMOUNT_TOLERANCE: 'abc' } })).toThrow(
      /invalid setting l1AmountTolerance \(from environment variable RECON_L1_AMOUNT_TOLERANCE\)/,
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_PAYMENT_DELAY_WARNING_HOURS: '2.5' } })).toThrow(
      /paymentDelayWarningHours.*whole number/,
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_BUSINESS_TIME_ZONE: 'Mars/Olympus' } })).toThrow(
      /businessTimeZone.*IANA/,
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_ENABLE_ML_SCORING: 'true' } })).toThrow(
      /enableMlScoring.*is not available in this version.*leave it false/,
    );
    expect(loadSettings({ cwd: dir(), env: { RECON_ENABLE_ML_SCORING: 'false' } }).enableMlScoring).toBe(
      false,
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_CONFIDENCE_THRESHOLD: '1.5' } })).toThrow(
      /confidenceThreshold.*must be a confidence from 0 to 1/,
    );
    expect(loadSettings({ cwd: dir(), env: { RECON_CONFIDENCE_THRESHOLD: '1' } }).confidenceThreshold).toBe(
      '1',
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_MV_REFRESH_SCHEDULE: '0 7 * * *' } })).toThrow(
      /mvRefreshSchedule.*EventBridge schedule expression/,
    );
    expect(loadSettings({ cwd: dir(), env: { RECON_REPORT_SCHEDULE: 'rate(2 hours)' } }).reportSchedule).toBe(
      'rate(2 hours)',
    );
    expect(() => loadSettings({ cwd: dir(), env: { RECON_L1_AMOUNT_TOLERENCE: '0.01' } })).toThrow(
      /unknown setting in environment variable RECON_L1_AMOUNT_TOLERENCE/,
    );
    const cwd = dir();
    writeFileSync(join(cwd, 'recon.config.json'), JSON.stringify({ stripeFeeMaxx: 9 }));
    expect(() => loadSettings({ cwd, env: {} })).toThrow(
      /unknown setting "stripeFeeMaxx" in recon.config.json/,
    );
    writeFileSync(join(cwd, 'recon.config.json'), '{ not json');
    expect(() => loadSettings({ cwd, env: {} })).toThrow(SettingsError);
    expect(() =>
      loadSettings({
        cwd: dir(),
        env: { RECON_PAYMENT_DELAY_WARNING_HOURS: '30', RECON_PAYMENT_DELAY_CRITICAL_HOURS: '24' },
      }),
    ).toThrow(/paymentDelayCriticalHours.*at least paymentDelayWarningHours/);
  });

  it('ignores connection variables and secrets, which are not settings', () => {
    const s = loadSettings({
      cwd: dir(),
      env: {
        RECON_WAREHOUSE_URL: 'postgres://x',
        RECON_WECOM_CRITICAL_WEBHOOK: 'https://example.invalid/hook',
        RECON_REPORT_SENDER: 'recon@example.com',
        RECON_DASHBOARD_URL: 'https://grafana.example/d/recon-exec-overview',
        RECON_STAGE_CONFIG: 'stages/prod.json',
        RECON_SQL_ROOT: '/var/task/sql',
      },
    });
    expect(s.l1AmountTolerance).toBe('0.01');
  });
});
