/**
 * Recording a failed execution. The definition does not catch task failures (so a redrive resumes
 * at the failed task); instead, when an execution ends FAILED, TIMED_OUT or ABORTED, this records
 * the run as FAILED naming the failed step and the error — in AWS from the Step Functions
 * "Execution Status Change" event (an EventBridge rule invokes the RecordFailure function), locally
 * from the runner.
 *
 * The run request is resolved from the execution's input exactly as StartRun resolved it (same
 * input, same execution name and start time), so the record lands on the same run id and date.
 */
import { PipelineError } from '../errors.ts';
import type { Runtime } from './runtime.ts';
import { startRun } from './start-run.ts';
import { recordFailureAndAlert } from './tasks.ts';

/** The fields of a Step Functions "Execution Status Change" event read here. */
export interface ExecutionStatusChange {
  'detail-type'?: string;
  detail: {
    executionArn: string;
    name: string;
    status: string;
    /** Epoch milliseconds. */
    startDate: number;
    /** The execution input as JSON text. */
    input?: string | null;
    error?: string | null;
    cause?: string | null;
  };
}

/** What {@link recordFailedExecution} did. */
export type FailedExecutionOutcome = {
  /** The execution ended unsuccessfully for a reason other than a data-quality halt (the PipelineFailed metric). */
  pipelineFailed: boolean;
} & (
  | { recorded: true; runId: string; reconDate: string; failedStep: string; error: string }
  | { recorded: false; reason: string }
);

/**
 * Whether an execution status-change event is a pipeline failure (the `PipelineFailed` metric):
 * FAILED, TIMED_OUT or ABORTED, except a data-quality halt and a run refused because another
 * run was reconciling its date (it did nothing; the other run reports its own outcome). Known before anything is written, so
 * the metric is emitted even when recording the failure fails too.
 */
export function isPipelineFailure(event: ExecutionStatusChange | undefined): boolean {
  const d = event?.detail;
  return !!d && UNSUCCESSFUL.has(d.status) && d.error !== 'DataQualityHalt' && d.error !== REFUSED;
}

/** The error of an execution refused because another run holds its date's lease (pipeline/lease.ts). */
const REFUSED = 'RunInProgressError';

/** Statuses that end an execution without success. */
const UNSUCCESSFUL = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** The error name a status implies when the event carries none. */
const STATUS_ERROR: Record<string, string> = {
  FAILED: 'States.Runtime',
  TIMED_OUT: 'States.Timeout',
  ABORTED: 'ExecutionAborted',
};

/**
 * Record the failed execution `event` describes.
 * @param failedStepOf the top-level state the execution failed at (from its history), or null
 *   when no state failed (a timeout or an abort between states)
 * @returns whether a record was written, and why not: a halt is recorded by RecordHalt, and a
 *   request StartRun refused names no valid run
 * @throws PipelineError when the event is not an execution status change
 */
export async function recordFailedExecution(
  rt: Runtime,
  event: ExecutionStatusChange,
  failedStepOf: (executionArn: string) => Promise<string | null>,
): Promise<FailedExecutionOutcome> {
  const d = event?.detail;
  if (
    !d ||
    typeof d.executionArn !== 'string' ||
    typeof d.status !== 'string' ||
    typeof d.startDate !== 'number'
  ) {
    throw new PipelineError(
      'not a Step Functions execution status change event (detail.executionArn, status, startDate)',
    );
  }
  if (!UNSUCCESSFUL.has(d.status)) {
    return { pipelineFailed: false, recorded: false, reason: `execution ${d.status}` };
  }
  if (d.error === 'DataQualityHalt') {
    return {
      pipelineFailed: false,
      recorded: false,
      reason: 'halted by data quality (recorded by RecordHalt)',
    };
  }
  if (d.error === REFUSED) {
    return {
      pipelineFailed: false,
      recorded: false,
      reason: 'refused: another run was reconciling the date (it holds the date’s lease)',
    };
  }
  let request: unknown;
  try {
    request = d.input ? JSON.parse(d.input) : {};
  } catch {
    return { pipelineFailed: true, recorded: false, reason: 'the execution input is not JSON' };
  }
  const startedAt = new Date(d.startDate).toISOString();
  let run;
  try {
    run = await startRun(rt, { request, executionName: d.name, executionStartTime: startedAt }, d.startDate);
  } catch (error) {
    return { pipelineFailed: true, recorded: false, reason: (error as Error).message };
  }
  const failedStep = (await failedStepOf(d.executionArn)) ?? d.status;
  const errorName = d.error || STATUS_ERROR[d.status]!;
  const written = await recordFailureAndAlert(rt, {
    ...run,
    startedAt,
    failedStep,
    error: { Error: errorName, Cause: d.cause ?? '' },
  });
  if (!written.recorded) {
    // Delivered late (retried): a redrive has completed the run since, and its success stands.
    return { pipelineFailed: true, recorded: false, reason: `run ${run.runId} has since succeeded` };
  }
  return {
    pipelineFailed: true,
    recorded: true,
    runId: run.runId,
    reconDate: run.reconDate,
    failedStep,
    error: errorName,
  };
}
