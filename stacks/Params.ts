import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { StackContext } from 'sst/constructs';
import { SETTING_KEYS, type SettingKey, settingsSchema } from '../packages/core/src/settings.ts';

/** The stage whose parameters live directly under `/recon` (seed Appendix B). */
const PRODUCTION_STAGE = 'prod';

/** Parameter Store folders of seed Appendix B, below the `/recon` prefix. */
export type ParameterGroup = 'thresholds' | 'config' | 'alerting' | 'ai';

/**
 * The folder of every setting. A `Record` over `SettingKey`, so a new setting does not compile until
 * it is placed here. Seed Appendix B names most of them; the product's own settings follow its logic:
 * tolerances and DQ limits under `thresholds`, pipeline knobs under `config`.
 */
export const PARAMETER_GROUPS: Readonly<Record<SettingKey, ParameterGroup>> = {
  l1AmountTolerance: 'thresholds',
  l2AmountTolerance: 'thresholds',
  l3AmountTolerance: 'thresholds',
  l3VarianceTolerancePct: 'thresholds',
  accountingGapTolerance: 'thresholds',
  l1MatchRateCritical: 'thresholds',
  l1MatchRateWarning: 'thresholds',
  l2MatchRateCritical: 'thresholds',
  l3MatchRateWarning: 'thresholds',
  stripeFeeMin: 'thresholds',
  stripeFeeMax: 'thresholds',
  stripeFeeAvg: 'thresholds',
  paymentDelayWarningHours: 'thresholds',
  paymentDelayCriticalHours: 'thresholds',
  refundStuckThresholdHours: 'thresholds',
  orphanTradeAgeHours: 'thresholds',
  syncDelayWarningHours: 'thresholds',
  syncDelayCriticalHours: 'thresholds',
  anomalySpikeMultiplier: 'thresholds',
  dqNullRateMaxPct: 'thresholds',
  dqDuplicateRateMaxPct: 'thresholds',
  dqRowCountWarnPct: 'thresholds',
  dqRowCountFailPct: 'thresholds',
  dqAmountMax: 'thresholds',
  dqFreshnessWarnHours: 'thresholds',
  dqFreshnessFailHours: 'thresholds',
  pipelineSlaWarningMin: 'config',
  pipelineSlaCriticalMin: 'config',
  anomalyScanSlaMin: 'config',
  extractionLookbackDays: 'config',
  extractionOverlapMinutes: 'config',
  extractionSliceHours: 'config',
  deadLetterRetentionDays: 'config',
  runLeaseMinutes: 'config',
  mvRefreshSchedule: 'config',
  reportSchedule: 'config',
  backfillMaxDays: 'config',
  businessTimeZone: 'config',
  emailRecipients: 'alerting',
  enableMlScoring: 'ai',
  modelEndpoint: 'ai',
  confidenceThreshold: 'ai',
};

/**
 * Secrets of seed Appendix B (SecureString). CloudFormation cannot create SecureString parameters,
 * so this stack never does: an operator creates them once per stage, out of band, e.g.
 * `aws ssm put-parameter --type SecureString --name <path> --value <url>`.
 */
export const SECURE_PARAMETERS = ['wecom_warning_webhook', 'wecom_critical_webhook'] as const;

/** How many parameters CloudFormation may create at once (SSM throttles bursts of PutParameter). */
const CREATE_CONCURRENCY = 5;

/** `l1AmountTolerance` → `l1_amount_tolerance`: the last path segment, mapped back by the runtime. */
export function snakeCaseOf(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Root of a stage's parameters: `/recon` in production (seed Appendix B), `/<stage>/recon`
 * elsewhere, so stages can share an account and a recursive read of one root never sees another's.
 */
export function parameterRoot(stage: string): string {
  return stage === PRODUCTION_STAGE ? '/recon' : `/${stage}/recon`;
}

/** Full parameter name of a setting, e.g. `/recon/thresholds/l1_amount_tolerance` in prod. */
export function parameterName(stage: string, key: SettingKey): string {
  return `${parameterRoot(stage)}/${PARAMETER_GROUPS[key]}/${snakeCaseOf(key)}`;
}

/** Full names of the out-of-band SecureString parameters (WeCom webhooks) of a stage. */
export function secureParameterNames(stage: string): string[] {
  return SECURE_PARAMETERS.map((name) => `${parameterRoot(stage)}/alerting/${name}`);
}

/** Every setting with its default rendered as Parameter Store text (`false`, `0.01`, `cron(…)`). */
export function defaultParameterValues(): Record<SettingKey, string> {
  const defaults = settingsSchema.parse({});
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, String(defaults[key])])) as Record<
    SettingKey,
    string
  >;
}

/** What later stacks use from `use(Params)`. */
export interface ParamsOutputs {
  /** Root of this stage's parameters (`/recon` in prod). */
  readonly root: string;
  /** The String parameter of each setting whose default is not empty. */
  readonly parameters: Readonly<Partial<Record<SettingKey, ssm.StringParameter>>>;
  /** Settings left uncreated because their default is empty (Parameter Store rejects empty values). */
  readonly unset: readonly SettingKey[];
  /** Names of the SecureString webhooks an operator creates out of band. */
  readonly secureParameterNames: readonly string[];
  /** IAM resource ARNs covering the root and everything under it (GetParametersByPath needs both). */
  readonly parameterPathArns: readonly string[];
  /** Lets a grantee read every parameter of this stage, including the SecureString webhooks. */
  readonly grantRead: (grantee: iam.IGrantable) => iam.Grant;
}

/**
 * Params stack: one SSM String parameter per setting, holding its default (seed Appendix B), named
 * `<root>/<group>/<snake_case key>`. The runtime reads the root recursively and maps the last segment
 * back to the setting key; values an operator tunes with `aws ssm put-parameter --overwrite` stay
 * until the default in code changes.
 *
 * Not created here: the SecureString WeCom webhooks (CloudFormation cannot create SecureString; see
 * {@link SECURE_PARAMETERS}) and settings whose default is empty (`modelEndpoint`): Parameter Store
 * rejects an empty value, and an absent parameter leaves the setting at its default.
 */
export function Params({ stack, app }: StackContext): ParamsOutputs {
  const root = parameterRoot(app.stage);
  const values = defaultParameterValues();
  const parameters: Partial<Record<SettingKey, ssm.StringParameter>> = {};
  const unset: SettingKey[] = [];
  const created: ssm.StringParameter[] = [];

  for (const key of SETTING_KEYS) {
    const value = values[key];
    if (value === '') {
      unset.push(key);
      continue;
    }
    const parameter = new ssm.StringParameter(stack, `Setting-${key}`, {
      parameterName: parameterName(app.stage, key),
      stringValue: value,
      description: `Revenue Reconciliation setting ${key} (default ${value})`,
      tier: ssm.ParameterTier.STANDARD,
    });
    // CREATE_CONCURRENCY chains instead of ~40 parallel creations, which SSM throttles.
    const previous = created[created.length - CREATE_CONCURRENCY];
    if (previous) parameter.node.addDependency(previous);
    created.push(parameter);
    parameters[key] = parameter;
  }

  const rootArn = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: root.slice(1),
  });
  const parameterPathArns = [rootArn, `${rootArn}/*`];

  const grantRead = (grantee: iam.IGrantable): iam.Grant =>
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resourceArns: parameterPathArns,
    });

  stack.addOutputs({ ParameterRoot: root });

  return {
    root,
    parameters,
    unset,
    secureParameterNames: secureParameterNames(app.stage),
    parameterPathArns,
    grantRead,
  };
}
