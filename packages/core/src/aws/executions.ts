/**
 * Operating the deployed pipeline's state machine (Step Functions Standard): start one execution
 * per business date, follow it to the end, list recent executions, redrive a failed one.
 *
 * Every function takes the `SFNClient` and a {@link Clock} as arguments, so tests drive them
 * against a mocked client on a virtual clock; the CLI only wires them to options and output.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionStatus,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { UsageError } from '../errors.ts';
import { newRunId } from '../pipeline/local-runner.ts';
import { isValidDate } from '../time.ts';
import { ExecutionHistory, HistoryReader, type StateOutcome, type StateRun } from './history.ts';
import { AwsOperationError, awsCall, type Backoff, type Clock, nextDelay, POLL_BACKOFF } from './sdk.ts';

/** The error of the data-quality halt Fail state (`HaltedByDataQuality`). */
export const DQ_HALT_ERROR = 'DataQualityHalt';

/** Every execution status, as ListExecutions filters by them. */
export const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const satisfies readonly ExecutionStatus[];

/** Statuses an execution can be redriven from. */
export const REDRIVABLE_STATUSES: readonly string[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** Still going: RUNNING, or PENDING_REDRIVE (a redrive was accepted and is about to run). */
export function isActive(status: string | undefined): boolean {
  return status === 'RUNNING' || status === 'PENDING_REDRIVE';
}

/** What an execution is started with. */
export interface RunRequest {
  reconDate: string;
  /** ISO-8601 instant; omitted, the state machine's first state uses the execution start. */
  asOf?: string;
}

/**
 * The execution input: `{"runId":…,"reconDate":…}` plus `"asOf"` only when given, in exactly
 * that key order (the state machine's StartRun state reads these fields).
 */
export function pipelineInput(runId: string, request: RunRequest): string {
  return JSON.stringify({
    runId,
    reconDate: request.reconDate,
    ...(request.asOf === undefined ? {} : { asOf: request.asOf }),
  });
}

/** A started execution. */
export interface StartedExecution {
  executionArn: string;
  /** The execution name, which is also the run id. */
  name: string;
  input: string;
  startDate: number;
}

/**
 * Start one execution of the pipeline for a business date. Its name is a new run id
 * (`YYYYMMDD-<8 hex>`, as local runs are named), so an execution and the run it records share
 * one id.
 */
export async function startPipelineExecution(
  client: SFNClient,
  stateMachineArn: string,
  request: RunRequest,
  clock: Clock,
): Promise<StartedExecution> {
  const name = newRunId(request.reconDate);
  const input = pipelineInput(name, request);
  const out = await awsCall(
    'StartExecution',
    () => client.send(new StartExecutionCommand({ stateMachineArn, name, input })),
    {
      clock,
      explain: (code, message) =>
        code === 'StateMachineDoesNotExist'
          ? `the state machine ${stateMachineArn} does not exist (the stack output is stale); redeploy the stage`
          : code === 'ExecutionLimitExceeded'
            ? `too many executions are running on this account (ExecutionLimitExceeded): ${message}`
            : undefined,
    },
  );
  if (!out.executionArn) throw new AwsOperationError('StartExecution returned no execution ARN');
  return { executionArn: out.executionArn, name, input, startDate: out.startDate?.getTime() ?? clock.now() };
}

/** A one-line explainer for errors naming an execution. */
function executionErrors(target: string) {
  return (code: string, message: string): string | undefined => {
    if (code === 'ExecutionDoesNotExist') return `unknown execution ${target}: ${message}`;
    if (code === 'InvalidArn') return `invalid execution ARN ${target}: ${message}`;
    if (code === 'ExecutionNotRedrivable') return `execution ${target} cannot be redriven: ${message}`;
    return undefined;
  };
}

/** DescribeExecution, with its errors explained. */
export async function describeExecution(
  client: SFNClient,
  executionArn: string,
  clock: Clock,
): Promise<DescribeExecutionOutput> {
  return awsCall('DescribeExecution', () => client.send(new DescribeExecutionCommand({ executionArn })), {
    clock,
    explain: executionErrors(executionArn),
  });
}

/** How to follow an execution. */
export interface FollowOptions {
  clock: Clock;
  /** Stop following (the execution goes on) after this long, in ms. */
  timeoutMs: number;
  /** Read the event history for per-state outcomes (default true). */
  states?: boolean;
  /** Called when a top-level state run ends (only with `states`). */
  onState?: (run: StateRun) => void;
  /** Keep only the state runs of this redrive attempt (default: all). */
  attempt?: number;
  /** Polling backoff (default 2 s ×1.5 up to 15 s). */
  backoff?: Backoff;
  /** Checked between polls: true stops following at once (the execution goes on). */
  shouldStop?: () => boolean;
  /**
   * After a redrive: the status an execution reports until its redrive count reaches this is
   * the old attempt's, not an end.
   */
  minRedriveCount?: number;
}

/** Where following an execution ended. */
export interface FollowResult {
  executionArn: string;
  name: string;
  /** The last status seen: terminal unless `timedOut` or `stopped`. */
  status: ExecutionStatus;
  /** Following gave up after `timeoutMs` while the execution was still running. */
  timedOut: boolean;
  /** Following was stopped by `shouldStop`. */
  stopped: boolean;
  startDate: number | null;
  stopDate: number | null;
  /** stopDate − startDate, or null while running. */
  durationMs: number | null;
  error: string | null;
  cause: string | null;
  /** The execution input as sent, parsed (null if not JSON). */
  input: unknown;
  redriveCount: number;
  states: StateOutcome[];
}

/**
 * Follow an execution until it ends: DescribeExecution with backoff (2 s ×1.5, at most 15 s;
 * throttled calls back off instead of failing), reading the new history events after each poll
 * so state outcomes are reported as they happen. Gives up after `timeoutMs` (the result says
 * `timedOut`; the execution itself goes on).
 */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  options: FollowOptions,
): Promise<FollowResult> {
  const { clock } = options;
  const backoff = options.backoff ?? POLL_BACKOFF;
  const deadline = clock.now() + options.timeoutMs;
  const trackStates = options.states ?? true;
  const history = new ExecutionHistory(
    options.onState
      ? (run) => {
          if (options.attempt === undefined || run.attempt === options.attempt) options.onState?.(run);
        }
      : undefined,
  );
  const reader = new HistoryReader(client, executionArn, clock);
  let delay = backoff.initialMs;
  for (;;) {
    const d = await describeExecution(client, executionArn, clock);
    if (trackStates) history.add(await reader.read());
    const active =
      isActive(d.status) ||
      (options.minRedriveCount !== undefined && (d.redriveCount ?? 0) < options.minRedriveCount);
    const timedOut = active && clock.now() >= deadline;
    const stopped = active && !timedOut && (options.shouldStop?.() ?? false);
    if (!active || timedOut || stopped) {
      const startDate = d.startDate?.getTime() ?? null;
      const stopDate = active ? null : (d.stopDate?.getTime() ?? null);
      return {
        executionArn,
        name: d.name ?? executionArn.split(':').pop() ?? executionArn,
        status: d.status ?? 'RUNNING',
        timedOut,
        stopped,
        startDate,
        stopDate,
        durationMs: startDate !== null && stopDate !== null ? stopDate - startDate : null,
        error: d.error ?? history.executionError?.error ?? null,
        cause: d.cause ?? history.executionError?.cause ?? null,
        input: parseJson(d.input),
        redriveCount: d.redriveCount ?? 0,
        states: trackStates ? history.outcomes(options.attempt) : [],
      };
    }
    await clock.sleep(Math.max(0, Math.min(delay, deadline - clock.now())));
    delay = nextDelay(delay, backoff);
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const NAME_DATE_RE = /^(\d{4})(\d{2})(\d{2})-/;

/**
 * The business date an execution reconciles: `reconDate` of its input, else the date its name
 * starts with (run ids are `YYYYMMDD-…`), else null (a scheduled execution whose date the first
 * state derives from `scheduledTime`).
 */
export function reconDateOf(name: string | undefined, input: unknown): string | null {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const d = (input as { reconDate?: unknown }).reconDate;
    if (typeof d === 'string' && isValidDate(d)) return d;
  }
  const m = NAME_DATE_RE.exec(name ?? '');
  if (m) {
    const d = `${m[1]}-${m[2]}-${m[3]}`;
    if (isValidDate(d)) return d;
  }
  return null;
}

/** One line of `recon aws executions`. */
export interface ExecutionSummary {
  name: string;
  executionArn: string;
  reconDate: string | null;
  status: ExecutionStatus;
  startDate: number | null;
  stopDate: number | null;
  /** stopDate − startDate, or now − startDate while it runs. */
  durationMs: number | null;
}

/**
 * The most recent executions (newest first, up to `limit`), each with its business date read
 * from its input (DescribeExecution, a few at a time).
 */
export async function listPipelineExecutions(
  client: SFNClient,
  stateMachineArn: string,
  options: { limit: number; status?: ExecutionStatus; clock: Clock; describeConcurrency?: number },
): Promise<ExecutionSummary[]> {
  const { clock } = options;
  const items = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      'ListExecutions',
      () =>
        client.send(
          new ListExecutionsCommand({
            stateMachineArn,
            maxResults: Math.min(1000, options.limit - items.length),
            ...(options.status ? { statusFilter: options.status } : {}),
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      {
        clock,
        explain: (code) =>
          code === 'StateMachineDoesNotExist'
            ? `the state machine ${stateMachineArn} does not exist (the stack output is stale); redeploy the stage`
            : undefined,
      },
    );
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < options.limit);
  const listed = items.slice(0, options.limit);

  const out: ExecutionSummary[] = new Array(listed.length);
  let next = 0;
  const worker = async () => {
    while (next < listed.length) {
      const i = next++;
      const item = listed[i]!;
      let reconDate = reconDateOf(item.name, null);
      if (item.executionArn) {
        const d = await describeExecution(client, item.executionArn, clock);
        reconDate = reconDateOf(item.name, parseJson(d.input));
      }
      const startDate = item.startDate?.getTime() ?? null;
      const stopDate = item.stopDate?.getTime() ?? null;
      out[i] = {
        name: item.name ?? '',
        executionArn: item.executionArn ?? '',
        reconDate,
        status: item.status ?? 'RUNNING',
        startDate,
        stopDate,
        durationMs: startDate === null ? null : (stopDate ?? clock.now()) - startDate,
      };
    }
  };
  const n = Math.max(1, Math.min(options.describeConcurrency ?? 5, listed.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

const EXECUTION_ARN_RE = /^arn:(aws[\w-]*):states:([\w-]+):(\d{12}):execution:([^:\s]+):([^:\s]+)$/;
const STATE_MACHINE_ARN_RE = /^arn:(aws[\w-]*):states:([\w-]+):(\d{12}):stateMachine:([^:\s]+)$/;
// Execution names: 1–80 characters, none of whitespace, brackets, wildcards or these punctuation
// marks (Step Functions' own rule).
const EXECUTION_NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;

/**
 * The ARN of an execution of `stateMachineArn` given by name or by ARN.
 * @throws UsageError for a malformed name or ARN, or an ARN of another state machine.
 */
export function resolveExecutionArn(stateMachineArn: string, nameOrArn: string, stage: string): string {
  const sm = STATE_MACHINE_ARN_RE.exec(stateMachineArn);
  if (!sm) throw new AwsOperationError(`not a state machine ARN: ${stateMachineArn}`);
  if (nameOrArn.startsWith('arn:')) {
    const m = EXECUTION_ARN_RE.exec(nameOrArn);
    if (!m) {
      throw new UsageError(
        `invalid execution "${nameOrArn}": expected an execution name or arn:aws:states:<region>:<account>:execution:<state machine>:<name>`,
      );
    }
    if (m[1] !== sm[1] || m[2] !== sm[2] || m[3] !== sm[3] || m[4] !== sm[4]) {
      throw new UsageError(
        `execution ${nameOrArn} is not an execution of stage "${stage}" (its state machine is ${stateMachineArn})`,
      );
    }
    return nameOrArn;
  }
  if (!EXECUTION_NAME_RE.test(nameOrArn)) {
    throw new UsageError(
      `invalid execution "${nameOrArn}": an execution name has 1–80 characters, without spaces or <>{}[]?*"#%\\^|~\`$&,;:/`,
    );
  }
  return `arn:${sm[1]}:states:${sm[2]}:${sm[3]}:execution:${sm[4]}:${nameOrArn}`;
}

/** A redrive that was accepted. */
export interface Redriven {
  executionArn: string;
  name: string;
  /** The status it was redriven from. */
  previousStatus: string;
  /** The redrive attempt now running (1 for the first redrive). */
  attempt: number;
  /** The execution's input (to show its business date). */
  input: unknown;
}

/**
 * Redrive a FAILED, TIMED_OUT or ABORTED execution (it continues from the state that did not
 * succeed, with the same input and ARN).
 * @throws AwsOperationError naming the status when the execution is in another one, or the
 *   reason Step Functions gives when it refuses (ExecutionNotRedrivable).
 */
export async function redrivePipelineExecution(
  client: SFNClient,
  executionArn: string,
  clock: Clock,
): Promise<Redriven> {
  const before = await describeExecution(client, executionArn, clock);
  const name = before.name ?? executionArn.split(':').pop() ?? executionArn;
  const status = before.status ?? 'UNKNOWN';
  if (!REDRIVABLE_STATUSES.includes(status)) {
    throw new AwsOperationError(
      `execution ${name} is ${status}: only a FAILED, TIMED_OUT or ABORTED execution can be redriven`,
      { context: { executionArn, status } },
    );
  }
  if (before.redriveStatus === 'NOT_REDRIVABLE') {
    throw new AwsOperationError(
      `execution ${name} (${status}) cannot be redriven: ${before.redriveStatusReason ?? 'Step Functions says it is not redrivable'}`,
      { context: { executionArn, status } },
    );
  }
  await awsCall(
    'RedriveExecution',
    // The client token makes a retried call (after a throttle or a network error) one redrive.
    () =>
      client.send(
        new RedriveExecutionCommand({
          executionArn,
          clientToken: `${name.slice(0, 40)}-redrive-${(before.redriveCount ?? 0) + 1}`,
        }),
      ),
    { clock, explain: executionErrors(name) },
  );
  return {
    executionArn,
    name,
    previousStatus: status,
    attempt: (before.redriveCount ?? 0) + 1,
    input: parseJson(before.input),
  };
}
