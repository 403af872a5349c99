/**
 * Reading IAM out of a synthesized template, for the stacks' least-privilege tests: the
 * statements of a function's role, and the wildcard resources AWS leaves no choice about.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStageConfig, STAGE_CONFIG_ENV, type StageConfig } from './stage-config.ts';
import type { Json } from './template-definition.ts';

/** `stages/example.json`: the stage configuration the stack tests synthesize. */
export const EXAMPLE_STAGE_FILE = path.join(
  fileURLToPath(new URL('..', import.meta.url)),
  'stages/example.json',
);

/** The example stage's configuration, validated. */
export function exampleStageConfig(): StageConfig {
  return loadStageConfig('example', { [STAGE_CONFIG_ENV]: EXAMPLE_STAGE_FILE });
}

/** A resource of a synthesized template. */
export type TemplateResources = Record<string, { Type: string; Properties: Record<string, Json> }>;

/** One IAM policy statement as the template holds it. */
export interface Statement {
  Action: string | string[];
  Resource: Json;
  Effect: string;
  Condition?: Json;
}

/** Wildcard resources AWS leaves no choice about, each with the reason. */
export const ALLOWED_STAR: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions',
  'redshift-data:DescribeStatement':
    'Data API statement reads take no resource ARN (callers see only their own)',
  'redshift-data:GetStatementResult':
    'Data API statement reads take no resource ARN (callers see only their own)',
  'redshift-data:CancelStatement':
    'Data API statement cancel takes no resource ARN (callers see only their own)',
  'logs:CreateLogDelivery':
    'Step Functions log delivery: CloudWatch Logs vended-log actions take no resource',
  'logs:GetLogDelivery': 'as above',
  'logs:UpdateLogDelivery': 'as above',
  'logs:DeleteLogDelivery': 'as above',
  'logs:ListLogDeliveries': 'as above',
  'logs:PutResourcePolicy': 'as above',
  'logs:DescribeResourcePolicies': 'as above',
  'logs:DescribeLogGroups': 'as above',
  'logs:PutRetentionPolicy': 'CDK log-retention custom resource: log groups it creates are named at run time',
  'logs:DeleteRetentionPolicy': 'as above',
};

/** The actions of a statement, as a list. */
export const actionsOf = (s: { Action: string | string[] }): string[] =>
  Array.isArray(s.Action) ? s.Action : [s.Action];

/** A statement's resource(s), as a list. */
export const asList = (r: Json): Json[] => (Array.isArray(r) ? r : [r]);

/** The inline policy statements of a function's role. */
export function statementsOf(resources: TemplateResources, fnId: string): Statement[] {
  const role = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === role),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as unknown as { Statement: Statement[] }).Statement);
}

/** Every `Action: '*'` (or `service:*`) and every `Resource: '*'` not in {@link ALLOWED_STAR}. */
export function wildcardOffenders(resources: TemplateResources): string[] {
  const offenders: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const s of (r.Properties.PolicyDocument as unknown as { Statement: Statement[] }).Statement) {
      for (const a of actionsOf(s)) {
        if (a === '*' || a.endsWith(':*')) offenders.push(`${id}: action ${a}`);
        if (asList(s.Resource).includes('*') && !(a in ALLOWED_STAR)) offenders.push(`${id}: ${a} on *`);
      }
    }
  }
  return offenders;
}
