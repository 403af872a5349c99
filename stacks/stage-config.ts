/**
 * Stage configuration: the existing resources a stage deploys against (source database secrets,
 * the VPC the extraction functions join to reach them, the Redshift Serverless workgroup and its
 * secret, the role Redshift assumes to COPY from the staging bucket). Nothing of the kind is
 * hard-coded in a stack: each stage names its own in `stages/<stage>.json` (or the file named by
 * `RECON_STAGE_CONFIG`), validated here with errors that name the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { checkAddress } from '../packages/core/src/notify/email.ts';
import { SOURCE_IDS, type SourceId } from '../packages/core/src/sources/spec.ts';

/** Repository root (where `stages/` lives). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Environment variable naming a stage configuration file instead of `stages/<stage>.json`. */
export const STAGE_CONFIG_ENV = 'RECON_STAGE_CONFIG';

const arn = (service: string, resource: RegExp, example: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource.source}$`),
      `must be a ${service} ARN such as ${example}`,
    );

/**
 * A secret's complete ARN: its name, then the `-` and 6 characters Secrets Manager appends. IAM
 * compares a grant with the complete ARN, so a grant on a partial ARN (the name alone) would let
 * no function read the secret; the deploy would succeed and every run fail.
 */
const secretArn = arn(
  'secretsmanager',
  /secret:[A-Za-z0-9/_+=.@-]+/,
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon/salesorder-AbCdEf',
).regex(
  /:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/,
  'must be the complete secret ARN, ending in the "-" and 6 characters Secrets Manager adds to the name (such as recon/salesorder-AbCdEf; see the secret\'s ARN in the console): IAM grants on a partial ARN match nothing',
);
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/,
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/recon-redshift-copy',
  );
const stageConfigSchema = z
  .object({
    /** The VPC the extraction functions join to reach the source databases. */
    vpc: z
      .object({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0123456789abcdef0'),
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/)).min(1),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')).min(1),
        securityGroupIds: z
          .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id'))
          .min(1),
      })
      .strict(),
    /** Secrets Manager secret of each source database (RDS format: host, port, username, password, dbname). */
    sources: z
      .object(Object.fromEntries(SOURCE_IDS.map((s) => [s, secretArn])) as Record<SourceId, typeof secretArn>)
      .strict(),
    redshift: z
      .object({
        /** The Redshift Serverless workgroup's ARN (the Data API accepts it as the workgroup name; IAM scopes by it). */
        workgroupArn: arn(
          'redshift-serverless',
          /workgroup\/[0-9a-f-]{36}/,
          'arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0b7d4c1e-2f3a-4b5c-8d9e-0123456789ab',
        ),
        database: z.string().regex(/^[a-z_][a-z0-9_$]{0,126}$/, 'must be a database name'),
        /** Secret holding the warehouse user's credentials (the Data API authenticates with it). */
        secretArn,
        /** Role attached to the workgroup/cluster that COPY assumes to read the staging bucket. */
        copyRoleArn: roleArn,
      })
      .strict(),
    /** EventBridge schedule of the daily run (default `cron(0 6 * * ? *)`, seed §10). */
    schedule: z
      .string()
      .regex(/^(cron|rate)\(.+\)$/, 'must be an EventBridge expression such as cron(0 6 * * ? *)')
      .default('cron(0 6 * * ? *)'),
    /** Whether the schedule is enabled (disable it in stages that only run on demand). */
    scheduleEnabled: z.boolean().default(true),
    /** The scheduled reports (seed phase 4 §7): who sends them, what they link to, whether they run. */
    reports: z
      .object(
        {
          /** The From address of report emails, verified in SES (`Recon <recon@example.com>` or bare). */
          sender: z.string().refine((value) => {
            try {
              checkAddress(value, 'reports.sender');
              return true;
            } catch {
              return false;
            }
          }, 'must be an email address verified in SES, such as recon@example.com or Recon <recon@example.com>'),
          /** The executive dashboard the daily report links to (https). */
          dashboardUrl: z
            .string()
            .url()
            .regex(/^https:\/\//, 'must be an https:// URL')
            .max(500)
            .optional(),
          /** Whether the report schedules are enabled. */
          schedulesEnabled: z.boolean().default(true),
        },
        {
          error: (issue) =>
            issue.input === undefined
              ? 'is required: { "sender": "recon@example.com" } names the SES-verified From address of the reports'
              : undefined,
        },
      )
      .strict(),
  })
  .strict();

/** A stage's validated configuration. */
export type StageConfig = z.infer<typeof stageConfigSchema>;

/** The file a stage's configuration is read from. */
export function stageConfigPath(stage: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[STAGE_CONFIG_ENV]?.trim();
  if (override) return path.resolve(override);
  return path.join(ROOT, 'stages', `${stage}.json`);
}

/**
 * Validate a stage configuration object.
 * @param source names the configuration in errors (a file path)
 * @throws Error naming the source and every invalid field
 */
export function parseStageConfig(value: unknown, source: string): StageConfig {
  const result = stageConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid stage configuration ${source}:\n${problems.join('\n')}`);
}

/**
 * Read and validate the configuration of `stage`.
 * @throws Error naming the file when it is missing, not JSON, or invalid
 */
export function loadStageConfig(stage: string, env: NodeJS.ProcessEnv = process.env): StageConfig {
  const file = stageConfigPath(stage, env);
  const shown = path.relative(ROOT, file) || file;
  if (!existsSync(file)) {
    throw new Error(
      `no stage configuration for stage "${stage}": create ${shown} (see stages/example.json and docs/deploy.md) or set ${STAGE_CONFIG_ENV}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`stage configuration ${shown} is not valid JSON: ${(error as Error).message}`);
  }
  return parseStageConfig(value, shown);
}
