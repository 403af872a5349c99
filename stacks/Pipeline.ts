import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Function as SstFunction, type FunctionProps, Script, type StackContext, use } from 'sst/constructs';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../packages/core/src/metrics.ts';
import {
  pipelineDefinition,
  TASK_FUNCTIONS,
  TASK_TIMEOUT_SECONDS,
  type TaskStateName,
} from '../packages/core/src/pipeline/definition.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { stagedName } from './Monitoring.ts';
import { Params } from './Params.ts';
import { loadStageConfig, type StageConfig } from './stage-config.ts';
import { Storage } from './Storage.ts';

/** Repository root. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Prefix of the staging area inside the bucket (seed §9.2). */
export const STAGING_PREFIX = 'staging/reconciliation';

/** What a task needs, beyond reading its settings. */
type Need =
  'sources' | 'stagingWrite' | 'stagingRead' | 'watermarksRead' | 'watermarksWrite' | 'warehouse' | 'duckdb';

/**
 * Per Task state: handler module, memory and what it may touch (least privilege). Its timeout is
 * the state's own `TASK_TIMEOUT_SECONDS` (stated in the definition too).
 */
export const TASKS: Readonly<
  Record<TaskStateName, { handler: string; memoryMb: number; needs: readonly Need[] }>
> = {
  StartRun: { handler: 'start-run', memoryMb: 256, needs: [] },
  // PlanExtraction and AdvanceWatermarks hold the date's run lease, which lives in the warehouse.
  PlanExtraction: {
    handler: 'plan-extraction',
    memoryMb: 256,
    needs: ['watermarksRead', 'warehouse'],
  },
  ExtractPartition: {
    handler: 'extract-partition',
    memoryMb: 1024,
    needs: ['sources', 'stagingWrite', 'duckdb'],
  },
  LoadStaging: {
    handler: 'load-staging',
    memoryMb: 2048,
    needs: ['stagingRead', 'stagingWrite', 'warehouse', 'duckdb'],
  },
  AdvanceWatermarks: {
    handler: 'advance-watermarks',
    memoryMb: 256,
    needs: ['watermarksRead', 'watermarksWrite', 'warehouse'],
  },
  DataQualityPreChecks: {
    handler: 'data-quality-pre-checks',
    memoryMb: 512,
    needs: ['warehouse'],
  },
  RecordHalt: {
    handler: 'record-halt',
    memoryMb: 256,
    needs: ['warehouse'],
  },
  MatchLevels: {
    handler: 'match-levels',
    memoryMb: 512,
    needs: ['warehouse'],
  },
  DataQualityPostChecks: {
    handler: 'data-quality-post-checks',
    memoryMb: 512,
    needs: ['warehouse'],
  },
  AnomalyScan: {
    handler: 'anomaly-scan',
    memoryMb: 512,
    needs: ['warehouse'],
  },
  RefreshReporting: {
    handler: 'refresh-reporting',
    memoryMb: 256,
    needs: ['warehouse'],
  },
  SendAlerts: {
    handler: 'send-alerts',
    memoryMb: 256,
    needs: ['warehouse'],
  },
  RecordRun: {
    handler: 'record-run',
    memoryMb: 256,
    needs: ['warehouse'],
  },
};

/** The failure recorder (not a state: invoked by the rule on failed executions). */
export const RECORD_FAILURE_FUNCTION = {
  handler: 'record-failure',
  memoryMb: 256,
  timeoutSeconds: 300,
  /** Lambda's own retries of an event the function failed on, before it goes to the queue. */
  asyncRetries: 2,
} as const;

/** Log retention of every function and of the state machine's execution log. */
export const LOG_RETENTION = 'three_months' as const;

/** Redshift Data API actions AWS authorizes per workgroup (resource-level permissions). */
const WAREHOUSE_SCOPED_ACTIONS = ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'];
/**
 * Redshift Data API actions that take no resource ARN (AWS offers no resource-level permission
 * for them; a caller only sees its own statements).
 */
export const WAREHOUSE_UNSCOPED_ACTIONS = [
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
];

// ---------------------------------------------------------------------------------------------
// DuckDB in the bundle: the native engine cannot be bundled by esbuild; it is installed next to
// the handler, for Linux arm64, at the exact version the product is tested with.

const coreRequire = createRequire(path.join(ROOT, 'packages/core/package.json'));

/** The installed `@duckdb/node-api` and `@duckdb/node-bindings` package directories and version. */
function duckdbPackages(): { api: string; bindings: string; version: string } {
  const api = path.dirname(coreRequire.resolve('@duckdb/node-api/package.json'));
  const apiRequire = createRequire(path.join(api, 'package.json'));
  const bindings = path.dirname(apiRequire.resolve('@duckdb/node-bindings/package.json'));
  const { version } = JSON.parse(readFileSync(path.join(bindings, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { api, bindings, version };
}

/**
 * The Linux arm64 DuckDB binding of `version`, fetched once from the npm registry (`npm pack`)
 * into `node_modules/.cache` and reused by every later synthesis.
 */
function arm64Binding(version: string): string {
  const cache = path.join(ROOT, 'node_modules/.cache/recon-lambda', `duckdb-linux-arm64-${version}`);
  const dir = path.join(cache, 'package');
  if (existsSync(path.join(dir, 'package.json'))) return dir;
  const tmp = `${cache}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `@duckdb/node-bindings-linux-arm64@${version}`, '--silent'], {
    cwd: tmp,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['-xzf', tgz], { cwd: tmp });
  rmSync(path.join(tmp, tgz));
  mkdirSync(path.dirname(cache), { recursive: true });
  try {
    renameSync(tmp, cache);
  } catch {
    // Another synthesis finished first: use its copy.
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Copy DuckDB (JS packages + the arm64 native binding) into a function's bundle directory. */
export function installDuckdb(out: string): void {
  const { api, bindings, version } = duckdbPackages();
  const target = path.join(out, 'node_modules/@duckdb');
  mkdirSync(target, { recursive: true });
  cpSync(api, path.join(target, 'node-api'), { recursive: true, dereference: true });
  cpSync(bindings, path.join(target, 'node-bindings'), { recursive: true, dereference: true });
  cpSync(arm64Binding(version), path.join(target, 'node-bindings-linux-arm64'), { recursive: true });
}

// ---------------------------------------------------------------------------------------------

/** Physical name of a stage's state machine (`recon-daily-pipeline` in prod). */
export function stateMachineName(stage: string): string {
  return stagedName(stage, 'recon-daily-pipeline');
}

/** Name of the queue keeping failure events the recorder could not take. */
export function failedExecutionsDlqName(stage: string): string {
  return stagedName(stage, 'recon-failed-executions-dlq');
}

/** Kebab-case handler file name → `packages/functions/src/<name>.handler`. */
function handlerPath(file: string): string {
  return `packages/functions/src/${file}.handler`;
}

/**
 * Pipeline stack: one Lambda per Task state, the Standard state machine (the core ASL embedded with
 * definition substitutions, execution logging and X-Ray tracing), the daily EventBridge schedule,
 * the rule recording failed executions, and the warehouse migrations run as a deploy step.
 *
 * Imported, never created: the source database secrets, the VPC the extraction joins, the Redshift
 * workgroup, its secret and its COPY role — all named by the stage configuration.
 */
export function Pipeline({ stack, app }: StackContext) {
  const config: StageConfig = loadStageConfig(app.stage);
  const { bucket, watermarks } = use(Storage);
  const params = use(Params);

  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'SourceVpc', {
    vpcId: config.vpc.vpcId,
    availabilityZones: config.vpc.availabilityZones,
    privateSubnetIds: config.vpc.privateSubnetIds,
  });
  const securityGroups = config.vpc.securityGroupIds.map((id, i) =>
    ec2.SecurityGroup.fromSecurityGroupId(stack, `SourceSecurityGroup${i}`, id, { mutable: false }),
  );

  const stagingUrl = `s3://${bucket.bucketName}/${STAGING_PREFIX}`;
  const stagingObjects = `${bucket.bucketArn}/${STAGING_PREFIX}/*`;
  const environment: Record<string, string> = {
    RECON_STAGE: app.stage,
    RECON_PARAMETER_ROOT: params.root,
    RECON_STAGING_URL: stagingUrl,
    RECON_WATERMARK_TABLE: watermarks.tableName,
    RECON_REDSHIFT_WORKGROUP: config.redshift.workgroupArn,
    RECON_REDSHIFT_DATABASE: config.redshift.database,
    RECON_REDSHIFT_SECRET_ARN: config.redshift.secretArn,
    RECON_REDSHIFT_COPY_ROLE_ARN: config.redshift.copyRoleArn,
    RECON_SQL_ROOT: '/var/task/sql',
    POWERTOOLS_SERVICE_NAME: METRIC_SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };

  const grants: Record<Exclude<Need, 'duckdb'>, iam.PolicyStatement[]> = {
    sources: [
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: SOURCE_IDS.map((s) => config.sources[s]),
      }),
    ],
    stagingWrite: [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [stagingObjects],
      }),
    ],
    stagingRead: [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [stagingObjects] }),
      // Without ListBucket a missing object reads as 403 AccessDenied instead of "not found".
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${STAGING_PREFIX}/*`] } },
      }),
    ],
    watermarksRead: [
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Scan'],
        resources: [watermarks.tableArn],
      }),
    ],
    watermarksWrite: [
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [watermarks.tableArn] }),
    ],
    warehouse: [
      new iam.PolicyStatement({
        actions: WAREHOUSE_SCOPED_ACTIONS,
        resources: [config.redshift.workgroupArn],
      }),
      new iam.PolicyStatement({ actions: WAREHOUSE_UNSCOPED_ACTIONS, resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [config.redshift.secretArn],
      }),
    ],
  };

  const common = (needs: readonly Need[]): FunctionProps => ({
    runtime: 'nodejs22.x',
    architecture: 'arm_64',
    tracing: 'active',
    logRetention: LOG_RETENTION,
    environment,
    // The SQL models are read from files at run time (one model per file).
    copyFiles: [{ from: 'packages/sql', to: 'sql' }],
    nodejs: {
      format: 'esm',
      sourcemap: true,
      esbuild: { external: ['@duckdb/node-api'] },
    },
    ...(needs.includes('duckdb')
      ? {
          hooks: { afterBuild: async (_props, out) => installDuckdb(out) },
          // DuckDB spills a conversion larger than its memory to /tmp.
          diskSize: '4 GB' as const,
        }
      : {}),
    ...(needs.includes('sources')
      ? {
          // Only extraction talks to the source databases, inside their VPC.
          vpc,
          vpcSubnets: { subnets: vpc.privateSubnets },
          securityGroups,
          environment: {
            ...environment,
            ...Object.fromEntries(
              SOURCE_IDS.map((s) => [`RECON_${s.toUpperCase()}_SECRET_ARN`, config.sources[s]]),
            ),
          },
        }
      : {}),
  });

  const functions = {} as Record<TaskStateName, SstFunction>;
  for (const [state, spec] of Object.entries(TASKS) as [TaskStateName, (typeof TASKS)[TaskStateName]][]) {
    const fn = new SstFunction(stack, `${state}Function`, {
      ...common(spec.needs),
      handler: handlerPath(spec.handler),
      memorySize: spec.memoryMb,
      timeout: TASK_TIMEOUT_SECONDS[state],
      description: `Revenue Reconciliation: ${state} task`,
    });
    params.grantRead(fn);
    for (const need of spec.needs) if (need !== 'duckdb') fn.attachPermissions(grants[need]);
    functions[state] = fn;
  }

  // Migrations as a deploy step: applied (idempotently) on create and on every update, before the
  // state machine can run with SQL that expects them.
  const migrate = new Script(stack, 'Migrations', {
    defaults: {
      function: { ...common(['warehouse']), timeout: 900, memorySize: 256 },
    },
    onCreate: handlerPath('migrate'),
    onUpdate: handlerPath('migrate'),
  });
  for (const fn of [migrate.createFunction, migrate.updateFunction]) {
    if (!fn) continue;
    params.grantRead(fn);
    fn.attachPermissions(grants.warehouse);
  }

  const executionLog = new logs.LogGroup(stack, 'ExecutionLog', {
    logGroupName: `/aws/vendedlogs/states/${stateMachineName(app.stage)}`,
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const substitutions = Object.fromEntries(
    (Object.entries(TASK_FUNCTIONS) as [TaskStateName, string][]).map(([state, key]) => [
      key,
      functions[state].functionArn,
    ]),
  );
  const stateMachine = new sfn.StateMachine(stack, 'StateMachine', {
    stateMachineName: stateMachineName(app.stage),
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(pipelineDefinition())),
    definitionSubstitutions: substitutions,
    logs: { destination: executionLog, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
    // Seed §13.2: a run is critical after 90 minutes; nothing legitimate takes 6 hours.
    timeout: Duration.hours(6),
  });
  for (const fn of Object.values(functions)) fn.grantInvoke(stateMachine);
  stateMachine.node.addDependency(migrate);

  const schedule = new events.Rule(stack, 'DailySchedule', {
    ruleName: stagedName(app.stage, 'recon-daily-schedule'),
    description: 'Reconcile the previous business date every day',
    schedule: events.Schedule.expression(config.schedule),
    enabled: config.scheduleEnabled,
  });
  schedule.addTarget(
    new targets.SfnStateMachine(stateMachine, {
      // The scheduled instant; StartRun turns it into the previous business date.
      input: events.RuleTargetInput.fromObject({ scheduledTime: events.EventField.time }),
      retryAttempts: 2,
    }),
  );

  // Events the recorder could not take after its retries are kept (and alarmed on by Monitoring):
  // those EventBridge could not deliver, and those the function failed on after Lambda's own
  // asynchronous retries (EventBridge's dead-letter queue sees only the first kind).
  const undelivered = new sqs.Queue(stack, 'FailedExecutionsDlq', {
    queueName: failedExecutionsDlqName(app.stage),
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });

  // Failed executions are recorded from their status-change event: the definition catches nothing,
  // so the execution fails at the failed task and a redrive resumes there.
  const recordFailure = new SstFunction(stack, 'RecordFailureFunction', {
    ...common(['warehouse']),
    handler: handlerPath(RECORD_FAILURE_FUNCTION.handler),
    memorySize: RECORD_FAILURE_FUNCTION.memoryMb,
    timeout: RECORD_FAILURE_FUNCTION.timeoutSeconds,
    description: 'Revenue Reconciliation: records failed executions',
    retryAttempts: RECORD_FAILURE_FUNCTION.asyncRetries,
    maxEventAge: Duration.hours(6),
    onFailure: new destinations.SqsDestination(undelivered),
  });
  params.grantRead(recordFailure);
  recordFailure.attachPermissions([
    ...grants.warehouse,
    new iam.PolicyStatement({
      actions: ['states:GetExecutionHistory'],
      resources: [
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${stateMachineName(app.stage)}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  ]);
  const failures = new events.Rule(stack, 'FailedExecutions', {
    ruleName: stagedName(app.stage, 'recon-failed-executions'),
    description: 'Record every execution of the pipeline that ends failed, timed out or aborted',
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: {
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: [stateMachine.stateMachineArn],
      },
    },
  });
  failures.addTarget(
    new targets.LambdaFunction(recordFailure, {
      retryAttempts: 4,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: undelivered,
    }),
  );

  stack.addOutputs({
    StateMachineArn: stateMachine.stateMachineArn,
    StateMachineName: stateMachine.stateMachineName,
    ExecutionLogGroup: executionLog.logGroupName,
  });

  return {
    stateMachine,
    functions,
    schedule,
    recordFailure,
    /** Function settings shared by every function reading the warehouse (runtime, bundling, env). */
    warehouseFunction: common(['warehouse']),
    /** What reading and writing the warehouse takes: the Data API on the workgroup, its secret. */
    warehouseGrants: grants.warehouse,
  };
}
