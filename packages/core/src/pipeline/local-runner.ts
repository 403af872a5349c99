/**
 * Runs the pipeline definition itself, locally, with `aws-local-stepfunctions`: every Task state
 * is mapped (by state name) to its task function, so Retry/Catch/Map semantics are the
 * definition's own, exactly as deployed.
 */
import '../polyfills.ts';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { PipelineError } from '../errors.ts';
import {
  pipelineDefinition,
  RECORD_FAILURE,
  substitute,
  TASK_FUNCTIONS,
  type TaskStateName,
} from './definition.ts';
import { LEASED_TASKS, withRunLease } from './lease.ts';
import { newRunId } from './run-id.ts';
import type { Runtime } from './runtime.ts';
import { type StartRunInput, startRun } from './start-run.ts';
import {
  advanceWatermarks,
  anomalyScan,
  dataQualityPostChecks,
  dataQualityPreChecks,
  extractPartition,
  matchLevels,
  recordHalt,
  loadStaging,
  planExtraction,
  type RunInput,
  type RunSummary,
  recordFailureAndAlert,
  recordRun,
  refreshReporting,
  sendAlerts,
} from './tasks.ts';

/** A task handler: JSON in, JSON out (as a Lambda function). */
export type TaskHandler = (input: never) => Promise<unknown>;

export { newRunId };

/** A local handler name: a Task state, or the failure recorder that runs when the execution fails. */
export type LocalHandlerName = TaskStateName | typeof RECORD_FAILURE;

/** The task functions bound to a runtime, keyed by state name (plus {@link RECORD_FAILURE}). */
export function localHandlers(rt: Runtime): Record<LocalHandlerName, (input: unknown) => Promise<unknown>> {
  type Task = (rt: Runtime, input: never) => Promise<unknown>;
  const tasks: Record<LocalHandlerName, Task> = {
    StartRun: (r: Runtime, input: StartRunInput) => startRun(r, input),
    PlanExtraction: planExtraction,
    ExtractPartition: extractPartition,
    LoadStaging: loadStaging,
    AdvanceWatermarks: advanceWatermarks,
    DataQualityPreChecks: dataQualityPreChecks,
    RecordHalt: recordHalt,
    MatchLevels: matchLevels,
    DataQualityPostChecks: dataQualityPostChecks,
    AnomalyScan: anomalyScan,
    RefreshReporting: refreshReporting,
    SendAlerts: sendAlerts,
    RecordRun: recordRun,
    RecordFailure: recordFailureAndAlert,
  };
  const leased = new Set<string>(LEASED_TASKS);
  // The tasks that work for the date hold its lease first, as their Lambda handlers do. Task
  // inputs are shaped by the definition's Parameters; outputs round-trip through JSON like a
  // Lambda payload.
  return Object.fromEntries(
    Object.entries(tasks).map(([name, task]) => {
      const fn = (leased.has(name) ? withRunLease(task as never) : task) as (
        rt: Runtime,
        input: unknown,
      ) => Promise<unknown>;
      return [name, async (input: unknown) => JSON.parse(JSON.stringify(await fn(rt, input)))];
    }),
  ) as Record<LocalHandlerName, (input: unknown) => Promise<unknown>>;
}

/** The definition with local placeholder ARNs in place of the deployed functions. */
export function localDefinition() {
  const subs = Object.fromEntries(
    Object.entries(TASK_FUNCTIONS).map(([state, key]) => [
      key,
      `arn:aws:lambda:us-east-1:000000000000:function:recon-local-${state}`,
    ]),
  );
  return substitute(pipelineDefinition(), subs);
}

/** The few fields of the runner's execution events this module reads. */
interface MachineEvent {
  type: string;
  state?: { name: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: string;
  retry?: { attempt: number };
}

export interface PipelineProgress {
  type: 'state-entered' | 'state-exited' | 'state-retried' | 'state-failed' | 'partition-done';
  state: string;
  /** Partitions done / total while extracting. */
  done?: number;
  total?: number;
  error?: string;
  attempt?: number;
}

export interface LocalRunOptions {
  /** Called for progress events (state transitions, partitions done, retries). */
  onProgress?: (event: PipelineProgress) => void;
  /** Override every Retry interval (ms) — for tests; the definition's own intervals otherwise. */
  retryIntervalMs?: number;
  /**
   * The definition to execute (default {@link localDefinition}) — e.g. the one taken from the
   * synthesized CloudFormation template. Task states still run their local handlers (by state name).
   */
  definition?: object;
  /** Replace task handlers or the failure recorder (tests inject faults this way). */
  handlers?: Partial<Record<LocalHandlerName, (input: unknown) => Promise<unknown>>>;
}

export type PipelineOutcome =
  | { status: 'SUCCEEDED'; runId: string; summary: RunSummary; output: unknown }
  | { status: 'HALTED_DQ'; runId: string; summary: RunSummary; cause: string }
  | { status: 'FAILED'; runId: string; failedStep: string | null; error: string; cause: string };

/** Execute the pipeline for one business date through the state-machine definition. */
export async function runPipeline(
  rt: Runtime,
  input: { reconDate: string; asOf: string; runId?: string },
  options: LocalRunOptions = {},
): Promise<PipelineOutcome> {
  const runInput: RunInput = {
    runId: input.runId ?? newRunId(input.reconDate),
    reconDate: input.reconDate,
    asOf: input.asOf,
  };
  const definition = options.definition ?? localDefinition();
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  // Track every task in flight: when one Map iteration fails the execution ends at once, but
  // sibling iterations keep running; the run is over only when they have settled.
  const inFlight = new Set<Promise<unknown>>();
  const track =
    (fn: (input: unknown) => Promise<unknown>) =>
    (input: unknown): Promise<unknown> => {
      const p = fn(input);
      inFlight.add(p);
      const forget = () => inFlight.delete(p);
      p.then(forget, forget);
      return p;
    };
  const { [RECORD_FAILURE]: recordFailed, ...taskHandlers } = { ...localHandlers(rt), ...options.handlers };
  const handlers = Object.fromEntries(Object.entries(taskHandlers).map(([state, fn]) => [state, track(fn)]));
  const topLevel = new Set(Object.keys((definition as { States?: object }).States ?? {}));
  const startedAt = new Date().toISOString();
  const retryIntervalOverrides =
    options.retryIntervalMs === undefined
      ? undefined
      : Object.fromEntries(Object.keys(TASK_FUNCTIONS).map((s) => [s, options.retryIntervalMs as number]));
  const execution = machine.run(runInput as unknown as Parameters<StateMachine['run']>[0], {
    // The context object AWS provides: tasks receive the execution id for log correlation.
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:000000000000:execution:recon-local:${runInput.runId}`,
        Name: runInput.runId,
        Input: runInput as unknown as Record<string, string>,
        StartTime: startedAt,
      },
    },
    overrides: {
      // Handlers return JSON (they round-trip through JSON.stringify like a Lambda payload).
      taskResourceLocalHandlers: handlers as unknown as Record<string, (input: unknown) => Promise<never>>,
      ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
    },
  });
  let failedStep: string | null = null;
  let halted: RunSummary | undefined;
  const watch = (async () => {
    let total = 0;
    let done = 0;
    for await (const ev of execution.eventLogs as AsyncIterable<unknown>) {
      const e = ev as MachineEvent;
      const name = e.state?.name ?? '';
      if (e.type === 'StateEntered' && name === 'ExtractPartitions') {
        const plan = (e.state as { input?: { plan?: { partitions?: unknown[] } } }).input?.plan;
        total = plan?.partitions?.length ?? 0;
      }
      if (e.type === 'MapIterationSucceeded') {
        done++;
        options.onProgress?.({ type: 'partition-done', state: 'ExtractPartitions', done, total });
        continue;
      }
      if (e.type === 'StateEntered' && name !== 'ExtractPartition') {
        options.onProgress?.({ type: 'state-entered', state: name });
      } else if (e.type === 'StateExited' && name !== 'ExtractPartition') {
        options.onProgress?.({ type: 'state-exited', state: name });
      } else if (e.type === 'StateRetried') {
        options.onProgress?.({ type: 'state-retried', state: name, attempt: e.retry?.attempt ?? 0 });
      } else if (e.type === 'StateFailed') {
        options.onProgress?.({ type: 'state-failed', state: name, error: `${e.Error}: ${e.Cause}` });
      }
      if (e.type === 'StateExited' && name === 'RecordHalt') {
        halted = (e.state?.output as { halt?: RunSummary } | undefined)?.halt;
      }
      // The state the execution failed at: the last top-level state that failed (a failing Map
      // iteration fails its Map state after it).
      if (e.type === 'StateFailed' && topLevel.has(name)) failedStep = name;
    }
  })();
  try {
    const output = (await execution.result) as unknown as { record: RunSummary };
    await watch.catch(() => undefined);
    return { status: 'SUCCEEDED', runId: runInput.runId, summary: output.record, output };
  } catch (error) {
    await watch.catch(() => undefined);
    await Promise.allSettled([...inFlight]);
    // The runner wraps the Fail state's error (name = Error, message = Cause) in an ExecutionError.
    const outer = error as Error & { cause?: unknown };
    if (!outer || typeof outer !== 'object') throw new PipelineError(`pipeline failed: ${String(error)}`);
    const inner = outer.cause instanceof Error ? outer.cause : outer;
    if (inner.name === 'DataQualityHalt' && halted) {
      return { status: 'HALTED_DQ', runId: runInput.runId, summary: halted, cause: inner.message };
    }
    // What the status-change rule does in AWS: record the run as FAILED naming the step. A request
    // StartRun refused has nothing valid to record; a recorder failure never hides the original.
    if (failedStep !== null && failedStep !== 'StartRun') {
      try {
        await recordFailed({
          ...runInput,
          startedAt,
          failedStep,
          error: { Error: inner.name, Cause: inner.message },
        });
      } catch (recordError) {
        options.onProgress?.({
          type: 'state-failed',
          state: RECORD_FAILURE,
          error:
            recordError instanceof Error
              ? `${recordError.name}: ${recordError.message}`
              : String(recordError),
        });
      }
    }
    return {
      status: 'FAILED',
      runId: runInput.runId,
      failedStep,
      error: inner.name,
      cause: inner.message,
    };
  }
}
