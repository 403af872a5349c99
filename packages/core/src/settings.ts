/**
 * Settings: every threshold of the design's Parameter Store reference (seed Appendix B) plus the
 * product's own, named in lowerCamelCase. Loaded from defaults ← `recon.config.json` ← `RECON_*`
 * environment variables, validated with zod; a bad value fails with an error naming the key and
 * where it came from. Decimal thresholds stay strings (exact), so they bind into SQL unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { SettingsError } from './errors.ts';

const DECIMAL_RE = /^-?\d{1,12}(\.\d{1,6})?$/;

/** A non-negative decimal kept as its exact text (e.g. "0.01"). */
const decimalText = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => DECIMAL_RE.test(v) && !v.startsWith('-'), {
    message: 'must be a non-negative decimal number such as 0.01',
  });

const positiveInt = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .positive('must be greater than 0');
const nonNegativeInt = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more');
/** An EventBridge schedule expression, as the AWS stacks use the schedule settings' defaults. */
const scheduleExpression = z
  .string()
  .trim()
  .regex(/^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, {
    message: 'must be an EventBridge schedule expression such as cron(0 7 * * ? *) or rate(1 hour)',
  });

const booleanText = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The settings schema with defaults (seed Appendix B; SPEC §5–6, §11). */
export const settingsSchema = z
  .object({
    // Matching tolerances (dollars, exact)
    l1AmountTolerance: decimalText.default('0.01'),
    l2AmountTolerance: decimalText.default('0.05'),
    l3AmountTolerance: decimalText.default('1.00'),
    l3VarianceTolerancePct: decimalText.default('2.0'),
    accountingGapTolerance: decimalText.default('0.50'),
    // Match-rate thresholds (percent)
    l1MatchRateCritical: decimalText.default('90'),
    l1MatchRateWarning: decimalText.default('95'),
    l2MatchRateCritical: decimalText.default('95'),
    l3MatchRateWarning: decimalText.default('50'),
    // Stripe fee band (dollars)
    stripeFeeMin: decimalText.default('2.00'),
    stripeFeeMax: decimalText.default('8.00'),
    stripeFeeAvg: decimalText.default('4.66'),
    // Anomaly ladders (hours)
    paymentDelayWarningHours: positiveInt.default(2),
    paymentDelayCriticalHours: positiveInt.default(24),
    refundStuckThresholdHours: positiveInt.default(72),
    orphanTradeAgeHours: positiveInt.default(4),
    syncDelayWarningHours: positiveInt.default(6),
    syncDelayCriticalHours: positiveInt.default(24),
    anomalySpikeMultiplier: decimalText.default('2.0'),
    // Data quality
    dqNullRateMaxPct: decimalText.default('1.0'),
    dqDuplicateRateMaxPct: decimalText.default('0.1'),
    dqRowCountWarnPct: decimalText.default('5'),
    dqRowCountFailPct: decimalText.default('20'),
    dqAmountMax: decimalText.default('10000'),
    dqFreshnessWarnHours: positiveInt.default(6),
    dqFreshnessFailHours: positiveInt.default(24),
    // Pipeline configuration
    pipelineSlaWarningMin: positiveInt.default(70),
    pipelineSlaCriticalMin: positiveInt.default(90),
    anomalyScanSlaMin: positiveInt.default(15),
    extractionLookbackDays: nonNegativeInt.default(3),
    extractionOverlapMinutes: nonNegativeInt.default(60),
    extractionSliceHours: positiveInt.default(24),
    deadLetterRetentionDays: positiveInt.default(30),
    runLeaseMinutes: positiveInt.max(1440, 'must be at most 1440 (a day)').default(60),
    mvRefreshSchedule: scheduleExpression.default('cron(0 7 * * ? *)'),
    reportSchedule: scheduleExpression.default('cron(0 8 * * ? *)'),
    backfillMaxDays: positiveInt.default(90),
    businessTimeZone: z
      .string()
      .refine(isValidTimeZone, { message: 'must be an IANA time zone such as America/New_York' })
      .default('America/New_York'),
    // Alerting and AI (non-secret parts; webhook URLs are secrets, read from the environment)
    emailRecipients: z.string().default('finance-ops@luckincoffeeusa.com'),
    // Seed Appendix B's AI settings. ML scoring is not part of this version: every anomaly carries
    // its rule's own confidence_score, so turning it on is refused rather than silently ignored.
    enableMlScoring: booleanText
      .refine((on) => !on, {
        message:
          "is not available in this version: anomalies carry their detection rule's confidence_score and no model is called; leave it false",
      })
      .default(false),
    modelEndpoint: z.string().default(''),
    confidenceThreshold: decimalText
      .refine((v) => new Decimal(v).lessThanOrEqualTo(1), { message: 'must be a confidence from 0 to 1' })
      .default('0.7'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.paymentDelayCriticalHours < s.paymentDelayWarningHours) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentDelayCriticalHours'],
        message: 'must be at least paymentDelayWarningHours',
      });
    }
    if (s.syncDelayCriticalHours < s.syncDelayWarningHours) {
      ctx.addIssue({
        code: 'custom',
        path: ['syncDelayCriticalHours'],
        message: 'must be at least syncDelayWarningHours',
      });
    }
    if (Number(s.stripeFeeMax) < Number(s.stripeFeeMin)) {
      ctx.addIssue({ code: 'custom', path: ['stripeFeeMax'], message: 'must be at least stripeFeeMin' });
    }
  });

export type Settings = z.output<typeof settingsSchema>;
export type SettingKey = keyof Settings;

/** Every setting key, in declaration order. */
export const SETTING_KEYS = Object.keys(settingsSchema.parse({})) as SettingKey[];

/** `l1AmountTolerance` → `RECON_L1_AMOUNT_TOLERANCE`. */
export function envNameOf(key: string): string {
  return `RECON_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Environment variables with the RECON_ prefix that are not settings (connections, secrets, tooling). */
const NON_SETTING_ENV = new Set([
  'RECON_SALESORDER_URL',
  'RECON_SALESPAYMENT_URL',
  'RECON_IFIACCOUNTING_URL',
  'RECON_IUNIFIEDRECONCILE_URL',
  'RECON_WAREHOUSE_URL',
  'RECON_STAGING_URL',
  'RECON_HOME',
  'RECON_CONFIG',
  'RECON_LOG_LEVEL',
  'RECON_WECOM_WARNING_WEBHOOK',
  'RECON_WECOM_CRITICAL_WEBHOOK',
  // Report delivery (From address, dashboard link), deployment (stage file) and bundles (SQL models).
  'RECON_REPORT_SENDER',
  'RECON_DASHBOARD_URL',
  'RECON_STAGE_CONFIG',
  'RECON_SQL_ROOT',
]);
const NON_SETTING_ENV_PREFIXES = ['RECON_TEST_', 'RECON_BENCH_'];

export interface LoadSettingsOptions {
  /** Directory holding `recon.config.json` (default: the current directory). */
  cwd?: string;
  /** Environment to read `RECON_*` from (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Values that win over everything (used by tests and the demo). */
  overrides?: Partial<Record<SettingKey, unknown>>;
}

/**
 * Load settings: defaults ← `recon.config.json` (or the file `RECON_CONFIG` names) ← `RECON_*`
 * environment variables ← explicit overrides.
 * @throws SettingsError naming the bad key, its source and what is wrong.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configPath = env.RECON_CONFIG ? resolve(cwd, env.RECON_CONFIG) : resolve(cwd, 'recon.config.json');
  const sources = new Map<string, string>();
  const raw: Record<string, unknown> = {};

  if (existsSync(configPath)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (error) {
      throw new SettingsError(
        `recon.config.json is not valid JSON (${configPath}): ${(error as Error).message}`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SettingsError(`recon.config.json must hold a JSON object of settings (${configPath})`);
    }
    for (const [key, value] of Object.entries(parsed)) {
      raw[key] = value;
      sources.set(key, 'recon.config.json');
    }
  } else if (env.RECON_CONFIG) {
    throw new SettingsError(`RECON_CONFIG names a file that does not exist: ${env.RECON_CONFIG}`);
  }

  const envToKey = new Map(SETTING_KEYS.map((k) => [envNameOf(k), k]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('RECON_') || value === undefined) continue;
    const key = envToKey.get(name);
    if (key) {
      raw[key] = value;
      sources.set(key, `environment variable ${name}`);
    } else if (!NON_SETTING_ENV.has(name) && !NON_SETTING_ENV_PREFIXES.some((p) => name.startsWith(p))) {
      throw new SettingsError(
        `unknown setting in environment variable ${name}; settings are named like ${envNameOf('l1AmountTolerance')}`,
      );
    }
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    raw[key] = value;
    sources.set(key, 'override');
  }

  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new SettingsError(`unknown setting "${key}" in ${sources.get(key) ?? 'settings'}`);
    }
    const key = String(issue.path[0] ?? '');
    const from = sources.get(key) ?? 'default';
    throw new SettingsError(`invalid setting ${key} (from ${from}): ${issue.message}`, {
      context: { key, from },
    });
  }
  return result.data;
}
