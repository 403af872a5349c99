/**
 * The first state of the pipeline: turns what started the execution into a run request
 * `{ runId, reconDate, asOf }`.
 *
 * Three callers start an execution:
 * - the daily EventBridge schedule, whose input is `{ scheduledTime }` (the event's `time`): the
 *   business date is the one before the scheduled instant's business date (in
 *   `businessTimeZone`), so the 06:00 UTC run reconciles yesterday;
 * - an operator (`recon aws run`, `aws stepfunctions start-execution`): `{ reconDate, runId?, asOf? }`;
 * - the local runner (`recon run`): `{ runId, reconDate, asOf }`.
 *
 * Defaults are taken from the execution itself so they are deterministic for one execution (a
 * redrive does not rerun this state, and would compute the same values if it did): `asOf` is the
 * execution's start time, `runId` the execution's name (or, for a name that cannot be a run id —
 * Step Functions allows 80 characters and dots —, the date plus a hash of the name).
 */
import { PipelineError } from '../errors.ts';
import { addDays, isValidDate } from '../time.ts';
import { RUN_ID_RE, runIdOfName } from './run-id.ts';
import type { Runtime } from './runtime.ts';
import { type RunInput, runRequestProblem } from './tasks.ts';

/** What StartRun receives: the execution input and the execution's own context. */
export interface StartRunInput {
  /** The execution input as given (any JSON). */
  request: unknown;
  /** `$$.Execution.Name`. */
  executionName: string;
  /** `$$.Execution.StartTime` (ISO-8601). */
  executionStartTime: string;
}

const FIELDS = new Set(['runId', 'reconDate', 'asOf', 'scheduledTime']);

function invalid(message: string): PipelineError {
  return new PipelineError(`invalid run request: ${message}`);
}

function instant(value: unknown, field: string): number {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(
      `${field} must be an ISO-8601 instant such as 2026-11-21T06:00:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return Date.parse(value);
}

/** ISO-8601 to the second (what the CLI uses as a default as-of). */
function toSecondIso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * Resolve the run request (see the module comment).
 * @throws PipelineError naming the field when the input is not an object, has an unknown field,
 *   or a field is invalid; or when the as-of is in the future / before the business date.
 */
export async function startRun(
  rt: Pick<Runtime, 'calendar'>,
  input: StartRunInput,
  nowMs = Date.now(),
): Promise<RunInput> {
  const request = input.request;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw invalid('the execution input must be a JSON object such as {"reconDate":"2026-11-21"}');
  }
  const r = request as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    throw invalid(`unknown field(s) ${unknown.join(', ')}; expected runId, reconDate, asOf or scheduledTime`);
  }
  const startMs = instant(input.executionStartTime, 'the execution start time');

  let reconDate: string;
  if (r.reconDate !== undefined) {
    if (typeof r.reconDate !== 'string' || !isValidDate(r.reconDate)) {
      throw invalid(`reconDate must be a date YYYY-MM-DD, got ${JSON.stringify(r.reconDate)}`);
    }
    reconDate = r.reconDate;
  } else {
    const at = r.scheduledTime === undefined ? startMs : instant(r.scheduledTime, 'scheduledTime');
    reconDate = addDays(rt.calendar.dateOf(at), -1);
  }

  const asOfMs = r.asOf === undefined ? startMs : instant(r.asOf, 'asOf');
  const asOf = r.asOf === undefined ? toSecondIso(startMs) : (r.asOf as string);

  let runId: string;
  if (r.runId !== undefined) {
    if (typeof r.runId !== 'string' || !RUN_ID_RE.test(r.runId)) {
      throw invalid(`runId must be 1–64 letters, digits, "-" or "_", got ${JSON.stringify(r.runId)}`);
    }
    runId = r.runId;
  } else {
    runId = RUN_ID_RE.test(input.executionName)
      ? input.executionName
      : runIdOfName(reconDate, input.executionName);
  }

  const problem = runRequestProblem(reconDate, asOfMs, rt.calendar, nowMs);
  if (problem) throw invalid(problem);
  return { runId, reconDate, asOf };
}
