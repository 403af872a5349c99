import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXTRACT_MAX_CONCURRENCY,
  pipelineDefinition,
  substitute,
  TASK_FUNCTIONS,
  TASK_TIMEOUT_SECONDS,
} from '../packages/core/src/pipeline/definition.ts';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { LEASED_TASKS } from '../packages/core/src/pipeline/lease.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeChunk } from '../packages/core/src/synthetic/sinks.ts';
import { asOfOf } from '../test/support/cli-io.ts';
import { reconSnapshot } from '../test/support/recon-snapshot.ts';
import { Params } from './Params.ts';
import {
  LOG_RETENTION,
  Pipeline,
  RECORD_FAILURE_FUNCTION,
  STAGING_PREFIX,
  TASKS,
  WAREHOUSE_UNSCOPED_ACTIONS,
} from './Pipeline.ts';
import { loadStageConfig, parseStageConfig, STAGE_CONFIG_ENV } from './stage-config.ts';
import { Storage } from './Storage.ts';
import { synthStack } from './synth.ts';
import { deployedDefinition, type Json } from './template-definition.ts';
import {
  actionsOf,
  ALLOWED_STAR,
  asList,
  statementsOf as statementsIn,
  type TemplateResources,
  wildcardOffenders,
  EXAMPLE_STAGE_FILE,
  exampleStageConfig,
} from './template-inspect.ts';

const config = exampleStageConfig();

let template: Template;
let resources: TemplateResources;

beforeAll(async () => {
  process.env[STAGE_CONFIG_ENV] = EXAMPLE_STAGE_FILE;
  template = await synthStack('test', Storage, Params, Pipeline);
  resources = template.toJSON().Resources;
}, 300_000);

/** Logical id of the function of a Task state. */
function functionId(state: string): string {
  const ids = Object.keys(resources).filter(
    (id) => resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith(`${state}Function`),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** The inline policy statements of a function's role. */
const statementsOf = (fnId: string) => statementsIn(resources, fnId);

describe('Pipeline stack: state machine', () => {
  it('embeds exactly the core definition once substitutions are resolved', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const { definition, arns } = deployedDefinition(template.toJSON());
    // Every Task state's function is the one built for it.
    for (const [state, key] of Object.entries(TASK_FUNCTIONS)) {
      expect(arns[key]).toContain(`:function:${functionId(state)}`);
    }
    expect(definition).toEqual(substitute(pipelineDefinition(), arns));
  });

  it('is a Standard workflow with logging of every event and X-Ray tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'test-recon-daily-pipeline',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/test-recon-daily-pipeline',
      RetentionInDays: 90,
    });
  });

  it('keeps the Map concurrency and the Retry/Catch policy of seed §10.1', () => {
    const { definition } = deployedDefinition(template.toJSON());
    const states = (definition as { States: Record<string, Record<string, Json>> }).States;
    const map = states.ExtractPartitions as {
      MaxConcurrency: number;
      ItemProcessor: { States: Record<string, { Retry: Json[] }> };
    };
    expect(map.MaxConcurrency).toBe(EXTRACT_MAX_CONCURRENCY);
    expect(map.MaxConcurrency).toBe(4);
    expect(map.ItemProcessor.States.ExtractPartition!.Retry).toEqual([
      {
        ErrorEquals: [
          'SourceConnectionError',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 30,
        BackoffRate: 2,
        MaxAttempts: 3,
      },
      { ErrorEquals: ['StagingIOError'], IntervalSeconds: 10, BackoffRate: 1, MaxAttempts: 3 },
    ]);
    expect((states.MatchLevels as { Retry: Json[] }).Retry).toEqual([
      {
        ErrorEquals: [
          'WarehouseTransientError',
          'WarehouseError',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 30,
        BackoffRate: 1,
        MaxAttempts: 2,
      },
    ]);
    // Every Lambda task, StartRun included, retries the Lambda service's transient errors.
    const tasks = [
      ...Object.values(states),
      ...Object.values(map.ItemProcessor.States as Record<string, Record<string, Json>>),
    ].filter((st) => st.Type === 'Task');
    expect(tasks.length).toBe(Object.keys(TASK_FUNCTIONS).length);
    for (const t of tasks) {
      const retried = (t.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException']),
      );
    }
    // Nothing is caught: an execution fails at the failed task, so a redrive resumes there (a
    // Catch into a Fail state would make the Fail state the step a redrive reruns).
    expect(JSON.stringify(definition)).not.toContain('"Catch"');
    expect(
      Object.values(states)
        .filter((st) => st.Type === 'Fail')
        .map((st) => st.Error),
    ).toEqual(['DataQualityHalt']);
    expect(states.HaltedByDataQuality).toMatchObject({ Type: 'Fail', Error: 'DataQualityHalt' });
  });

  it('runs daily at 06:00 UTC with the schedule time as input (→ the previous business date)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'test-recon-daily-schedule',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('^StateMachine') },
          InputTransformer: {
            InputPathsMap: { time: '$.time' },
            InputTemplate: '{"scheduledTime":<time>}',
          },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });

  it('outputs the state machine ARN for the CLI to find', () => {
    template.hasOutput('StateMachineArn', { Value: { Ref: Match.stringLikeRegexp('^StateMachine') } });
  });
});

describe('Pipeline stack: functions', () => {
  it('has one arm64 nodejs22.x function per Task state, with log retention and tracing', () => {
    for (const [state, spec] of Object.entries(TASKS)) {
      const p = resources[functionId(state)]!.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.MemorySize).toBe(spec.memoryMb);
      expect(p.Timeout).toBe(TASK_TIMEOUT_SECONDS[state as keyof typeof TASK_TIMEOUT_SECONDS]);
      expect(p.Handler).toBe(`packages/functions/src/${spec.handler}.handler`);
      // Room for DuckDB to spill under /tmp where it converts files.
      expect(p.EphemeralStorage, state).toEqual({ Size: spec.needs.includes('duckdb') ? 4096 : 512 });
    }
    expect(LOG_RETENTION).toBe('three_months');
    const retained = Object.values(template.findResources('Custom::LogRetention')).map(
      (r) => (r as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays,
    );
    // Task functions + the failure recorder + the two migration functions.
    expect(retained.length).toBe(Object.keys(TASKS).length + 3);
    expect(new Set(retained)).toEqual(new Set([90]));
  });

  it('runs every Lambda of the stack (custom resources included) on nodejs22.x', () => {
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (r) => (r as { Properties: { Runtime: string } }).Properties.Runtime,
    );
    expect(runtimes.length).toBeGreaterThan(Object.keys(TASKS).length);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
  });

  it('gives the functions their connections by name, secrets only by ARN', () => {
    const env = (state: string) =>
      (resources[functionId(state)]!.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const load = env('LoadStaging');
    expect(load).toMatchObject({
      RECON_STAGE: 'test',
      RECON_PARAMETER_ROOT: '/test/recon',
      RECON_REDSHIFT_WORKGROUP: config.redshift.workgroupArn,
      RECON_REDSHIFT_DATABASE: 'recon',
      RECON_REDSHIFT_SECRET_ARN: config.redshift.secretArn,
      RECON_REDSHIFT_COPY_ROLE_ARN: config.redshift.copyRoleArn,
      POWERTOOLS_METRICS_NAMESPACE: 'Recon/Pipeline',
    });
    expect(JSON.stringify(load.RECON_STAGING_URL)).toContain(`/${STAGING_PREFIX}`);
    // Only extraction knows where the source databases' secrets are, and only it joins their VPC.
    for (const s of SOURCE_IDS) {
      expect(env('ExtractPartition')[`RECON_${s.toUpperCase()}_SECRET_ARN`]).toBe(config.sources[s]);
      expect(load[`RECON_${s.toUpperCase()}_SECRET_ARN`]).toBeUndefined();
    }
    expect(resources[functionId('ExtractPartition')]!.Properties.VpcConfig).toEqual({
      SubnetIds: config.vpc.privateSubnetIds,
      SecurityGroupIds: config.vpc.securityGroupIds,
    });
    expect(resources[functionId('MatchLevels')]!.Properties.VpcConfig).toBeUndefined();
  });

  it('records every failed, timed-out or aborted execution from its status-change event', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'test-recon-failed-executions',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [{ Ref: Match.stringLikeRegexp('^StateMachine') }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RecordFailureFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailedExecutionsDlq'), 'Arn'] },
          },
        }),
      ],
    });
    const recorder = functionId('RecordFailure');
    // An event the function itself fails on (say the warehouse is down) is retried by Lambda, then
    // kept in the same queue: EventBridge's dead-letter queue only holds events it could not hand
    // to Lambda, and Lambda would otherwise drop the event after its asynchronous retries.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: recorder },
      MaximumRetryAttempts: RECORD_FAILURE_FUNCTION.asyncRetries,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailedExecutionsDlq'), 'Arn'] } },
      },
    });
    const send = statementsOf(recorder).filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(JSON.stringify(send.map((st) => st.Resource))).toMatch(/"FailedExecutionsDlq[0-9A-F]+","Arn"/);
    expect(resources[recorder]!.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'packages/functions/src/record-failure.handler',
    });
    const history = statementsOf(recorder).filter((st) =>
      actionsOf(st).includes('states:GetExecutionHistory'),
    );
    expect(JSON.stringify(history.map((h) => h.Resource))).toContain(
      ':execution:test-recon-daily-pipeline:*',
    );
    // It writes the run record through the Data API; nothing else.
    expect(
      statementsOf(recorder)
        .flatMap(actionsOf)
        .filter((a) => /^(s3|dynamodb):/.test(a)),
    ).toEqual([]);
  });

  it('applies the warehouse migrations as a deploy step before the state machine exists', () => {
    template.resourceCountIs('Custom::SSTScript', 1);
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
      DependsOn: string[];
    };
    expect(machine.DependsOn.some((d) => d.startsWith('MigrationsScript'))).toBe(true);
  });
});

describe('Pipeline stack: least privilege', () => {
  it('has no Action "*" and no Resource "*" except the listed AWS limitations', () => {
    expect(WAREHOUSE_UNSCOPED_ACTIONS.every((a) => a in ALLOWED_STAR)).toBe(true);
    const offenders = wildcardOffenders(resources);
    expect(offenders).toEqual([]);
  });

  it('lets extraction read only the four source secrets and write only the staging prefix', () => {
    const statements = statementsOf(functionId('ExtractPartition'));
    const secretReads = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.flatMap((s) => asList(s.Resource)).sort()).toEqual(
      SOURCE_IDS.map((s) => config.sources[s]).sort(),
    );
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    for (const s of s3) {
      expect(JSON.stringify(s.Resource)).toContain(`/${STAGING_PREFIX}/*`);
    }
    // Nothing of the warehouse or the watermarks.
    const all = statements.flatMap(actionsOf);
    expect(all.filter((a) => a.startsWith('redshift') || a.startsWith('dynamodb'))).toEqual([]);
  });

  it('lets only the warehouse tasks use the Data API, scoped to the workgroup', () => {
    for (const [state, spec] of Object.entries(TASKS)) {
      const statements = statementsOf(functionId(state));
      const execute = statements.filter((s) => actionsOf(s).includes('redshift-data:ExecuteStatement'));
      if (!spec.needs.includes('warehouse')) {
        expect(execute, state).toEqual([]);
        continue;
      }
      expect(
        execute.flatMap((s) => asList(s.Resource)),
        state,
      ).toEqual([config.redshift.workgroupArn]);
      const secrets = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
      expect(
        secrets.flatMap((s) => asList(s.Resource)),
        state,
      ).toEqual([config.redshift.secretArn]);
    }
  });

  it('lets every task that holds the run lease reach the warehouse, where the lease lives', () => {
    for (const state of LEASED_TASKS) {
      const statements = statementsOf(functionId(state));
      const execute = statements.filter((s) => actionsOf(s).includes('redshift-data:ExecuteStatement'));
      expect(
        execute.flatMap((s) => asList(s.Resource)),
        state,
      ).toEqual([config.redshift.workgroupArn]);
      const unscoped = statements.flatMap(actionsOf).filter((a) => WAREHOUSE_UNSCOPED_ACTIONS.includes(a));
      expect(unscoped.sort(), state).toEqual([...WAREHOUSE_UNSCOPED_ACTIONS].sort());
      const secrets = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(secrets.map((s) => s.Resource)), state).toContain(config.redshift.secretArn);
    }
  });

  it('lets only the watermark tasks touch the watermark table, and only AdvanceWatermarks write it', () => {
    for (const [state, spec] of Object.entries(TASKS)) {
      const dynamo = statementsOf(functionId(state))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort();
      const expected = [
        ...(spec.needs.includes('watermarksRead') ? ['dynamodb:GetItem', 'dynamodb:Scan'] : []),
        ...(spec.needs.includes('watermarksWrite') ? ['dynamodb:UpdateItem'] : []),
      ].sort();
      expect(dynamo, state).toEqual(expected);
    }
    expect(TASKS.AdvanceWatermarks.needs).toContain('watermarksWrite');
    expect(
      Object.entries(TASKS)
        .filter(([, s]) => s.needs.includes('watermarksWrite'))
        .map(([n]) => n),
    ).toEqual(['AdvanceWatermarks']);
  });

  it('lets every function read its stage settings and nothing else in Parameter Store', () => {
    for (const state of Object.keys(TASKS)) {
      const ssm = statementsOf(functionId(state)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('ssm:')),
      );
      expect(ssm.flatMap(actionsOf).sort(), state).toEqual([
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParametersByPath',
      ]);
      expect(JSON.stringify(ssm.map((s) => s.Resource)), state).toMatch(/parameter\/test\/recon/);
    }
  });

  it('lets the state machine invoke only its own functions', () => {
    const role = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('StateMachineRole'),
    )!;
    const invoke = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === role),
      )
      .flatMap(
        (r) =>
          (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: Json }[] })
            .Statement,
      )
      .filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    const targets = new Set(
      invoke
        .flatMap((s) => asList(s.Resource))
        .map((r) => JSON.stringify(r).match(/"([A-Za-z]+Function[0-9A-F]{8})"/)?.[1]),
    );
    expect([...targets].sort()).toEqual(Object.keys(TASKS).map(functionId).sort());
  });
});

describe('stage configuration', () => {
  it('reads the example stage', () => {
    expect(config.schedule).toBe('cron(0 6 * * ? *)');
    expect(Object.keys(config.sources).sort()).toEqual([...SOURCE_IDS].sort());
  });

  it('names the file and every invalid field', () => {
    expect(() =>
      parseStageConfig(
        {
          vpc: {
            vpcId: 'vpc-1',
            availabilityZones: ['us-east-1a'],
            privateSubnetIds: [],
            securityGroupIds: ['sg-0123456789abcdef0'],
          },
          sources: { salesorder: 'nope' },
          redshift: {
            workgroupArn: 'x',
            database: 'recon',
            secretArn: 'x',
            copyRoleArn: 'arn:aws:iam::1:role/x',
          },
          extra: true,
        },
        'stages/bad.json',
      ),
    ).toThrow(
      /invalid stage configuration stages\/bad\.json:[\s\S]*vpc\.vpcId: must be a VPC id[\s\S]*vpc\.privateSubnetIds[\s\S]*sources\.salesorder: must be a secretsmanager ARN[\s\S]*sources\.salespayment[\s\S]*redshift\.workgroupArn[\s\S]*redshift\.copyRoleArn: must be an IAM role ARN/,
    );
  });

  it('refuses a partial secret ARN, which no IAM grant would match', () => {
    const config = JSON.parse(readFileSync(new URL('../stages/example.json', import.meta.url), 'utf8')) as {
      sources: Record<string, string>;
      redshift: Record<string, string>;
    };
    expect(() => parseStageConfig(config, 'stages/example.json')).not.toThrow();
    const partial = {
      ...config,
      sources: {
        ...config.sources,
        salespayment: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon/payments',
      },
      redshift: {
        ...config.redshift,
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon/redshift',
      },
    };
    expect(() => parseStageConfig(partial, 'stages/partial.json')).toThrow(
      /invalid stage configuration stages\/partial\.json:[\s\S]*sources\.salespayment: must be the complete secret ARN, ending in the "-" and 6 characters[\s\S]*redshift\.secretArn: must be the complete secret ARN/,
    );
    expect(() => parseStageConfig(partial, 'stages/partial.json')).not.toThrow(/sources\.salesorder/);
  });

  it('says how to create a missing stage configuration', () => {
    expect(() => loadStageConfig('nosuchstage', {})).toThrow(
      /no stage configuration for stage "nosuchstage": create stages\/nosuchstage\.json \(see stages\/example\.json/,
    );
  });
});

describe('the deployed definition, executed locally', () => {
  /** Two days of generated data in a fresh embedded app; returns the app and each day's as-of. */
  async function seeded(): Promise<{ app: App; days: { date: string; asOf: string }[] }> {
    const app = await openApp({
      env: {},
      home: mkdtempSync(path.join(tmpdir(), 'recon-deployed-')),
      embeddedOnly: true,
    });
    const sinks = app.sinks();
    for (const s of SOURCE_IDS) await sinks[s].createTables();
    const days: { date: string; asOf: string }[] = [];
    for (const chunk of generate({
      startDate: '2026-10-05',
      days: 2,
      ordersPerDay: 150,
      seed: 4242,
    }).days()) {
      await writeChunk(chunk, sinks);
      if (chunk.lastOfDay) days.push({ date: chunk.date, asOf: asOfOf(chunk.batchEnd) });
    }
    return { app, days };
  }

  it('gives the same results as `recon run` (the core definition) on the same data', async () => {
    const { definition } = deployedDefinition(template.toJSON());
    const local = await seeded();
    const deployed = await seeded();
    try {
      for (const [i, day] of local.days.entries()) {
        const runId = `same-${i}`;
        const a = await runPipeline(local.app.runtime, { reconDate: day.date, asOf: day.asOf, runId });
        const b = await runPipeline(
          deployed.app.runtime,
          { reconDate: day.date, asOf: day.asOf, runId },
          { definition },
        );
        expect(a.status).toBe('SUCCEEDED');
        expect(b.status).toBe('SUCCEEDED');
        if (a.status !== 'SUCCEEDED' || b.status !== 'SUCCEEDED') return;
        const figures = (s: typeof a.summary) => ({
          levels: s.levels,
          anomalies: s.anomalies,
          tables: s.tables,
        });
        expect(figures(b.summary)).toEqual(figures(a.summary));
        expect(b.summary.levels.length).toBe(3);
      }
      const snapshot = await reconSnapshot(deployed.app.warehouse);
      expect(snapshot).toEqual(await reconSnapshot(local.app.warehouse));
      expect(snapshot['stg_recon_level1_results']?.length ?? 0).toBeGreaterThan(200);
    } finally {
      await local.app.close();
      await deployed.app.close();
    }
  }, 240_000);
});
