/**
 * Test support for the AWS operations (used by their tests and the CLI tests, never by the
 * product): a simulated Step Functions service behind `aws-sdk-client-mock`, event histories
 * shaped like the deployed pipeline's, a CloudFormation stack with its outputs, and a virtual
 * clock on which polling runs instantly.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type HistoryEventType,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { Clock } from './sdk.ts';

// The CloudFormation client as the product resolves it: packages/core has its own copy of
// @aws-sdk/client-cloudformation, and a mock of another copy's class would never be called.
export { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The state machine of the `dev` stage in these tests. */
export const STATE_MACHINE_ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:PipelineStateMachine-Ab12Cd34';

/** A clock whose `sleep` returns at once and moves time on; `sleeps` records every wait. */
export function virtualClock(start = Date.parse('2026-11-21T06:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      // Let other followers (backfill workers) take their turn, as real timers would.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** Make `cfn` answer DescribeStacks for `<stage>-revenue-reconciliation-Pipeline` with the ARN output. */
export function mockPipelineStack(
  cfn: AwsClientStub<CloudFormationClient>,
  stage = 'dev',
  arn: string = STATE_MACHINE_ARN,
): void {
  cfn.on(DescribeStacksCommand, { StackName: `${stage}-revenue-reconciliation-Pipeline` }).resolves({
    Stacks: [
      {
        StackName: `${stage}-revenue-reconciliation-Pipeline`,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: [
          { OutputKey: 'FunctionNames', OutputValue: 'x' },
          { OutputKey: 'StateMachineArn', OutputValue: arn },
        ],
      },
    ],
  });
}

type Details = Partial<Omit<HistoryEvent, 'id' | 'type' | 'timestamp' | 'previousEventId'>>;

/** Builds an event history: ids in order, each event `stepMs` after the previous one. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private t: number;

  constructor(
    start = Date.parse('2026-11-21T06:00:00Z'),
    private readonly stepMs = 1000,
  ) {
    this.t = start;
  }

  /** Append one event; returns its id. */
  push(
    type: HistoryEventType,
    previous: number | undefined,
    details: Details = {},
    afterMs?: number,
  ): number {
    this.t += afterMs ?? this.stepMs;
    const id = this.events.length + 1;
    this.events.push({
      id,
      type,
      timestamp: new Date(this.t),
      ...(previous === undefined ? {} : { previousEventId: previous }),
      ...details,
    });
    return id;
  }

  /**
   * A Task state running a Lambda function (direct ARN resource: LambdaFunction* events). Each
   * attempt is 'ok' or a failure; the run exits unless the last attempt failed and `exit` is false.
   * Returns the id of its last event.
   */
  task(
    name: string,
    previous: number,
    attempts: ('ok' | { error: string; cause: string })[] = ['ok'],
    options: { exit?: boolean; durationMs?: number } = {},
  ): number {
    let p = this.push('TaskStateEntered', previous, { stateEnteredEventDetails: { name } });
    for (const attempt of attempts) {
      const s = this.push('LambdaFunctionScheduled', p, {
        lambdaFunctionScheduledEventDetails: {
          resource: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
        },
      });
      const st = this.push('LambdaFunctionStarted', s);
      p =
        attempt === 'ok'
          ? this.push('LambdaFunctionSucceeded', st, {}, options.durationMs)
          : this.push(
              'LambdaFunctionFailed',
              st,
              { lambdaFunctionFailedEventDetails: attempt },
              options.durationMs,
            );
    }
    const failed = attempts.at(-1) !== 'ok';
    if (failed && options.exit === false) return p;
    return this.push('TaskStateExited', p, { stateExitedEventDetails: { name } });
  }

  /** A Pass or Choice state. */
  simple(type: 'Pass' | 'Choice', name: string, previous: number): number {
    const e = this.push(`${type}StateEntered`, previous, { stateEnteredEventDetails: { name } });
    return this.push(`${type}StateExited`, e, { stateExitedEventDetails: { name } });
  }
}

/** How a simulated pipeline execution ends. */
export type PipelineEnding = 'SUCCEEDED' | 'DQ_HALT' | 'FAILED';

/**
 * The history of one execution of the pipeline definition: StartRun, PlanExtraction, the
 * ExtractPartitions Map (`partitions` iterations, the second one retried once), LoadStaging,
 * AdvanceWatermarks, DataQualityPreChecks and the gate, then
 * - SUCCEEDED: MatchLevels … RecordRun;
 * - DQ_HALT: RecordHalt and the HaltedByDataQuality Fail state (error DataQualityHalt);
 * - FAILED: MatchLevels fails three times (2 retries) and the execution fails there (the
 *   definition catches nothing, so a redrive resumes at MatchLevels).
 */
export function pipelineHistory(
  ending: PipelineEnding,
  options: { partitions?: number; start?: number } = {},
): { events: HistoryEvent[]; status: ExecutionStatus; error?: string; cause?: string } {
  const h = new HistoryBuilder(options.start);
  const started = h.push('ExecutionStarted', undefined, { executionStartedEventDetails: {} });
  let p = h.task('StartRun', started);
  p = h.task('PlanExtraction', p);
  const mapEntered = h.push('MapStateEntered', p, {
    stateEnteredEventDetails: { name: 'ExtractPartitions' },
  });
  const n = options.partitions ?? 3;
  const mapStarted = h.push('MapStateStarted', mapEntered, { mapStateStartedEventDetails: { length: n } });
  let last = mapStarted;
  for (let i = 0; i < n; i++) {
    const it = h.push('MapIterationStarted', mapStarted, {
      mapIterationStartedEventDetails: { name: 'ExtractPartitions', index: i },
    });
    const attempts: ('ok' | { error: string; cause: string })[] =
      i === 1 ? [{ error: 'SourceConnectionError', cause: 'connection reset' }, 'ok'] : ['ok'];
    const done = h.task('ExtractPartition', it, attempts, { durationMs: 5000 });
    last = h.push('MapIterationSucceeded', done, {
      mapIterationSucceededEventDetails: { name: 'ExtractPartitions', index: i },
    });
  }
  const mapOk = h.push('MapStateSucceeded', last);
  p = h.push('MapStateExited', mapOk, { stateExitedEventDetails: { name: 'ExtractPartitions' } });
  p = h.task('LoadStaging', p);
  p = h.task('AdvanceWatermarks', p);
  p = h.task('DataQualityPreChecks', p);
  p = h.simple('Choice', 'DataQualityGate', p);
  if (ending === 'DQ_HALT') {
    p = h.task('RecordHalt', p);
    const cause = 'DQ-01 record count on stg_recon_orders: 0 rows';
    p = h.push('FailStateEntered', p, { stateEnteredEventDetails: { name: 'HaltedByDataQuality' } });
    h.push('ExecutionFailed', p, { executionFailedEventDetails: { error: 'DataQualityHalt', cause } });
    return { events: h.events, status: 'FAILED', error: 'DataQualityHalt', cause };
  }
  if (ending === 'FAILED') {
    const boom = { error: 'WarehouseError', cause: 'relation "recon.fct_x" does not exist' };
    p = h.task('MatchLevels', p, [boom, boom, boom], { exit: false });
    h.push('ExecutionFailed', p, { executionFailedEventDetails: boom });
    return { events: h.events, status: 'FAILED', ...boom };
  }
  for (const name of ['MatchLevels', 'DataQualityPostChecks', 'AnomalyScan', 'RecordRun'])
    p = h.task(name, p);
  h.push('ExecutionSucceeded', p, { executionSucceededEventDetails: {} });
  return { events: h.events, status: 'SUCCEEDED' };
}

/** What a simulated execution does: how many DescribeExecution polls it runs, and how it ends. */
export interface Script {
  polls: number;
  status: ExecutionStatus;
  error?: string;
  cause?: string;
  events?: HistoryEvent[];
}

/** One simulated execution. */
export interface SimExecution {
  executionArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  redriveCount: number;
  /** DescribeExecution calls since it (re)started. */
  polls: number;
  script: Script;
  /** Events of earlier attempts (before a redrive). */
  earlier: HistoryEvent[];
}

/**
 * A Step Functions service simulated on a mocked `SFNClient`: StartExecution creates an
 * execution that ends after `script.polls` DescribeExecution calls; the history is revealed in
 * step with the polls; ListExecutions pages newest first; RedriveExecution restarts a failed one
 * with `redriveScript`. `maxRunning` is the most executions RUNNING at one time.
 */
export class FakeStepFunctions {
  readonly executions = new Map<string, SimExecution>();
  running = 0;
  maxRunning = 0;

  constructor(
    private readonly mock: AwsClientStub<SFNClient>,
    private readonly clock: Clock,
    private readonly script: (name: string, input: Record<string, unknown>) => Script,
    private readonly redriveScript: (sim: SimExecution) => Script = () => ({ polls: 2, status: 'SUCCEEDED' }),
  ) {
    this.install();
  }

  /** Add an execution that exists before the test (e.g. started by an earlier backfill). */
  add(
    name: string,
    input: Record<string, unknown>,
    script: Script,
    status: ExecutionStatus = 'RUNNING',
  ): SimExecution {
    const sim: SimExecution = {
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      input: JSON.stringify(input),
      status,
      startDate: new Date(this.clock.now()),
      redriveCount: 0,
      polls: 0,
      script,
      earlier: [],
    };
    if (status !== 'RUNNING') {
      sim.stopDate = new Date(this.clock.now());
      if (script.error) sim.error = script.error;
      if (script.cause) sim.cause = script.cause;
    } else {
      this.running += 1;
      this.maxRunning = Math.max(this.maxRunning, this.running);
    }
    this.executions.set(sim.executionArn, sim);
    return sim;
  }

  private visibleEvents(sim: SimExecution): HistoryEvent[] {
    const events = sim.script.events ?? [];
    const n =
      sim.status === 'RUNNING' || sim.status === 'PENDING_REDRIVE'
        ? Math.floor((events.length * sim.polls) / Math.max(1, sim.script.polls + 1))
        : events.length;
    const offset = sim.earlier.length;
    // A redrive's events continue the ids of the attempts before it.
    const shifted = events.slice(0, n).map((e) => ({
      ...e,
      id: (e.id ?? 0) + offset,
      previousEventId: e.previousEventId === undefined ? offset || undefined : e.previousEventId + offset,
    }));
    return [...sim.earlier, ...shifted];
  }

  private notFound(arn: string): Error {
    return Object.assign(new Error(`Execution Does Not Exist: '${arn}'`), { name: 'ExecutionDoesNotExist' });
  }

  private install(): void {
    this.mock
      .on(StartExecutionCommand)
      .callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
        const sim = this.add(input.name, JSON.parse(input.input) as Record<string, unknown>, {
          polls: 1,
          status: 'SUCCEEDED',
        });
        sim.script = this.script(input.name, JSON.parse(input.input) as Record<string, unknown>);
        return { executionArn: sim.executionArn, startDate: sim.startDate };
      });
    this.mock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const sim = this.executions.get(input.executionArn);
      if (!sim) throw this.notFound(input.executionArn);
      if (sim.status === 'RUNNING') {
        sim.polls += 1;
        if (sim.polls >= sim.script.polls) {
          sim.status = sim.script.status;
          sim.stopDate = new Date(this.clock.now());
          if (sim.script.error) sim.error = sim.script.error;
          if (sim.script.cause) sim.cause = sim.script.cause;
          this.running -= 1;
        }
      }
      return {
        executionArn: sim.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: sim.name,
        status: sim.status,
        startDate: sim.startDate,
        stopDate: sim.stopDate,
        input: sim.input,
        error: sim.error,
        cause: sim.cause,
        redriveCount: sim.redriveCount,
      };
    });
    this.mock
      .on(GetExecutionHistoryCommand)
      .callsFake((input: { executionArn: string; maxResults?: number; nextToken?: string }) => {
        const sim = this.executions.get(input.executionArn);
        if (!sim) throw this.notFound(input.executionArn);
        const all = this.visibleEvents(sim);
        const from = input.nextToken ? Number(input.nextToken) : 0;
        const size = input.maxResults ?? 1000;
        const events = all.slice(from, from + size);
        return {
          events,
          ...(from + size < all.length || events.length === size ? { nextToken: String(from + size) } : {}),
        };
      });
    this.mock
      .on(ListExecutionsCommand)
      .callsFake((input: { statusFilter?: string; maxResults?: number; nextToken?: string }) => {
        const all = [...this.executions.values()]
          .filter((s) => !input.statusFilter || s.status === input.statusFilter)
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime() || (a.name < b.name ? 1 : -1));
        const from = input.nextToken ? Number(input.nextToken) : 0;
        const size = input.maxResults ?? 100;
        return {
          executions: all.slice(from, from + size).map((s) => ({
            executionArn: s.executionArn,
            stateMachineArn: STATE_MACHINE_ARN,
            name: s.name,
            status: s.status,
            startDate: s.startDate,
            stopDate: s.stopDate,
          })),
          ...(from + size < all.length ? { nextToken: String(from + size) } : {}),
        };
      });
    this.mock.on(RedriveExecutionCommand).callsFake((input: { executionArn: string }) => {
      const sim = this.executions.get(input.executionArn);
      if (!sim) throw this.notFound(input.executionArn);
      if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(sim.status)) {
        throw Object.assign(new Error(`Execution is ${sim.status} and cannot be redriven`), {
          name: 'ExecutionNotRedrivable',
        });
      }
      const before = this.visibleEvents(sim);
      const redriven = before.length + 1;
      sim.earlier = [
        ...before,
        {
          id: redriven,
          type: 'ExecutionRedriven',
          timestamp: new Date(this.clock.now()),
          previousEventId: redriven - 1,
        },
      ];
      sim.redriveCount += 1;
      sim.status = 'RUNNING';
      sim.polls = 0;
      delete sim.stopDate;
      delete sim.error;
      delete sim.cause;
      sim.script = this.redriveScript(sim);
      this.running += 1;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      return { redriveDate: new Date(this.clock.now()) };
    });
  }
}
