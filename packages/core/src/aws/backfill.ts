/**
 * A backfill on the deployed pipeline: one Step Functions execution per business date of a range,
 * started in date order, at most N running at once, each followed to its end.
 *
 * Progress is kept in a JSON file under the product's state directory
 * (`<home>/aws-backfills/<stage>-<from>-<to>.json`), rewritten atomically (temp file + rename)
 * after every change, so a backfill stopped at any point — Ctrl-C, a lost laptop lid, a follow
 * timeout — is resumed by running the same command again: dates that SUCCEEDED are skipped,
 * executions still RUNNING are followed by their ARN instead of being started twice, and dates
 * that FAILED, TIMED_OUT or were ABORTED get a new execution.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import { ReconError, UsageError } from '../errors.ts';
import { dateRange, isValidDate } from '../time.ts';
import { followExecution, type FollowResult, startPipelineExecution } from './executions.ts';
import type { Clock } from './sdk.ts';

/** Most days one AWS backfill covers (a leap year). */
export const MAX_BACKFILL_DAYS = 366;
/** Most executions a backfill keeps running at once. */
export const MAX_BACKFILL_CONCURRENCY = 10;
/** Executions running at once unless told otherwise. */
export const DEFAULT_BACKFILL_CONCURRENCY = 2;

/** Where one date of a backfill stands. PENDING: no execution started yet. */
export type DateStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One date of the progress file. */
export interface DateProgress {
  status: DateStatus;
  /** The latest execution started for the date. */
  executionArn: string | null;
  /** Its name (the run id). */
  name: string | null;
  /** The as-of it was started with (null: the execution's start time). */
  asOf: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  durationSeconds: number | null;
  error: string | null;
  cause: string | null;
  /** Executions this backfill has started for the date (more than one after failures). */
  executions: number;
}

/** The progress file (format version 1). */
export interface BackfillProgress {
  version: 1;
  stage: string;
  from: string;
  to: string;
  /** The state machine the latest invocation started executions on. */
  stateMachineArn: string;
  createdAt: string;
  updatedAt: string;
  /** Every date of the range, ascending. */
  dates: Record<string, DateProgress>;
}

/** What happened to a date, as it happens. */
export type BackfillEvent =
  | { type: 'skipped'; date: string; entry: DateProgress }
  | { type: 'following'; date: string; entry: DateProgress }
  | { type: 'lost'; date: string; entry: DateProgress }
  | { type: 'started'; date: string; entry: DateProgress }
  | { type: 'finished'; date: string; entry: DateProgress }
  | { type: 'still-running'; date: string; entry: DateProgress };

/** A backfill request (validated by {@link checkBackfillRange} and the CLI). */
export interface BackfillRequest {
  stage: string;
  from: string;
  to: string;
  /** Executions running at once, 1–10. */
  maxConcurrency: number;
  asOf?: string;
  /** How long to follow each execution, in ms. */
  timeoutMs: number;
}

/** The seams of a backfill. */
export interface BackfillDeps {
  client: SFNClient;
  stateMachineArn: string;
  clock: Clock;
  /** The product's state directory (RECON_HOME, default `.recon`). */
  home: string;
  onEvent?: (event: BackfillEvent) => void;
}

/** How a backfill ended. */
export interface BackfillResult {
  file: string;
  /** True when an earlier progress file was picked up. */
  resumed: boolean;
  progress: BackfillProgress;
}

/**
 * Refuse a reversed range or one longer than {@link MAX_BACKFILL_DAYS}.
 * @throws UsageError naming --from/--to.
 */
export function checkBackfillRange(from: string, to: string): string[] {
  if (!isValidDate(from))
    throw new UsageError(`invalid --from "${from}": expected a calendar date YYYY-MM-DD`);
  if (!isValidDate(to)) throw new UsageError(`invalid --to "${to}": expected a calendar date YYYY-MM-DD`);
  if (to < from) throw new UsageError(`reversed range: --to ${to} is before --from ${from}`);
  const days = dateRange(from, to);
  if (days.length > MAX_BACKFILL_DAYS) {
    throw new UsageError(
      `the range --from ${from} --to ${to} has ${days.length} days; an AWS backfill covers at most ${MAX_BACKFILL_DAYS} (split it into several)`,
    );
  }
  return days;
}

/** The progress file of a backfill. */
export function progressFile(home: string, stage: string, from: string, to: string): string {
  return join(home, 'aws-backfills', `${stage}-${from}-${to}.json`);
}

const DATE_STATUSES: readonly string[] = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
];

function emptyEntry(): DateProgress {
  return {
    status: 'PENDING',
    executionArn: null,
    name: null,
    asOf: null,
    startedAt: null,
    stoppedAt: null,
    durationSeconds: null,
    error: null,
    cause: null,
    executions: 0,
  };
}

/**
 * Read a progress file written by {@link runAwsBackfill}.
 * @throws ReconError naming the file when it is not one (so it is never silently overwritten).
 */
export function loadProgress(file: string): BackfillProgress {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReconError(
      `cannot read the backfill progress file ${file}: ${(error as Error).message}; fix it or remove it to start the backfill over`,
    );
  }
  const p = parsed as Partial<BackfillProgress> | null;
  const datesOk =
    p !== null &&
    typeof p.dates === 'object' &&
    p.dates !== null &&
    Object.entries(p.dates).every(
      ([date, e]) =>
        isValidDate(date) &&
        typeof e === 'object' &&
        e !== null &&
        DATE_STATUSES.includes(e.status) &&
        (e.executionArn === null || typeof e.executionArn === 'string'),
    );
  if (!p || p.version !== 1 || typeof p.stage !== 'string' || !datesOk) {
    throw new ReconError(
      `${file} is not a backfill progress file (version 1); fix it or remove it to start the backfill over`,
    );
  }
  return p as BackfillProgress;
}

/** Write the progress file atomically: a reader (or a crash) never sees half a file. */
export function saveProgress(file: string, progress: BackfillProgress): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(tmp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the backfill's lock file: two invocations on the same range would otherwise both start
 * executions for the same dates. A lock left by a process that is gone is taken over.
 */
function lock(file: string): () => void {
  const lockFile = `${file}.lock`;
  mkdirSync(join(file, '..'), { recursive: true });
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new ReconError(
          `another recon aws backfill of this stage and range is running (process ${pid}); wait for it to end, or remove ${lockFile} if that process is not a backfill`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new ReconError(`cannot take the backfill lock ${lockFile}`);
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function truncate(text: string | null, max = 1000): string | null {
  return text !== null && text.length > max ? `${text.slice(0, max)}…` : text;
}

const TERMINAL: Record<string, DateStatus> = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
};

/**
 * Run (or resume) a backfill; resolves when every date has ended or could not be followed any
 * longer (see the module comment). An AWS error (credentials, permissions) stops starting new
 * executions, waits for the followers to let go, saves, and rejects with that error.
 */
export async function runAwsBackfill(request: BackfillRequest, deps: BackfillDeps): Promise<BackfillResult> {
  const days = checkBackfillRange(request.from, request.to);
  if (
    !Number.isInteger(request.maxConcurrency) ||
    request.maxConcurrency < 1 ||
    request.maxConcurrency > MAX_BACKFILL_CONCURRENCY
  ) {
    throw new UsageError(
      `--max-concurrency must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY}, got ${request.maxConcurrency}`,
    );
  }
  const { client, clock } = deps;
  const file = progressFile(deps.home, request.stage, request.from, request.to);
  const unlock = lock(file);
  try {
    const resumed = existsSync(file);
    const nowIso = () => new Date(clock.now()).toISOString();
    const progress: BackfillProgress = resumed
      ? loadProgress(file)
      : {
          version: 1,
          stage: request.stage,
          from: request.from,
          to: request.to,
          stateMachineArn: deps.stateMachineArn,
          createdAt: nowIso(),
          updatedAt: nowIso(),
          dates: {},
        };
    // Every date of the range, ascending, whatever an older file held.
    const dates: Record<string, DateProgress> = {};
    for (const d of days) dates[d] = progress.dates[d] ?? emptyEntry();
    progress.dates = dates;
    progress.stateMachineArn = deps.stateMachineArn;
    const save = () => {
      progress.updatedAt = nowIso();
      saveProgress(file, progress);
    };
    save();

    const emit = (type: BackfillEvent['type'], date: string) =>
      deps.onEvent?.({ type, date, entry: { ...progress.dates[date]! } });

    const running = days.filter(
      (d) => progress.dates[d]!.status === 'RUNNING' && progress.dates[d]!.executionArn,
    );
    const toStart = days.filter((d) => !running.includes(d) && progress.dates[d]!.status !== 'SUCCEEDED');
    for (const d of days) if (progress.dates[d]!.status === 'SUCCEEDED') emit('skipped', d);
    // Executions still running from before are taken first: until each has a follower, no new
    // one is started, so no more than maxConcurrency run at once.
    const queue = [...running, ...toStart];

    let stopping = false;
    let failure: unknown;

    /** Record how following ended; false when the execution is still running. */
    const record = (date: string, result: FollowResult): boolean => {
      const entry = progress.dates[date]!;
      const status = TERMINAL[result.status as ExecutionStatus];
      if (result.timedOut || result.stopped || !status) {
        emit('still-running', date);
        return false;
      }
      entry.status = status;
      entry.stoppedAt = iso(result.stopDate);
      entry.durationSeconds = result.durationMs === null ? null : Math.round(result.durationMs / 100) / 10;
      entry.error = result.error;
      entry.cause = truncate(result.cause);
      save();
      emit('finished', date);
      return true;
    };

    const follow = (arn: string) =>
      followExecution(client, arn, {
        clock,
        timeoutMs: request.timeoutMs,
        states: false,
        shouldStop: () => stopping,
      });

    /** Take one date to its end; false when its execution is still running (its slot stays taken). */
    const handle = async (date: string): Promise<boolean> => {
      const entry = progress.dates[date]!;
      if (entry.status === 'RUNNING' && entry.executionArn) {
        emit('following', date);
        try {
          return record(date, await follow(entry.executionArn));
        } catch (error) {
          // The execution is gone (or never reached AWS): start the date again.
          if ((error as ReconError).context?.code !== 'ExecutionDoesNotExist') throw error;
          entry.status = 'PENDING';
          entry.error = 'the execution recorded for this date no longer exists';
          save();
          emit('lost', date);
        }
      }
      if (stopping) return true;
      const started = await startPipelineExecution(
        client,
        deps.stateMachineArn,
        { reconDate: date, ...(request.asOf === undefined ? {} : { asOf: request.asOf }) },
        clock,
      );
      Object.assign(entry, {
        status: 'RUNNING',
        executionArn: started.executionArn,
        name: started.name,
        asOf: request.asOf ?? null,
        startedAt: iso(started.startDate),
        stoppedAt: null,
        durationSeconds: null,
        error: null,
        cause: null,
        executions: entry.executions + 1,
      } satisfies DateProgress);
      save();
      emit('started', date);
      return record(date, await follow(started.executionArn));
    };

    const worker = async () => {
      while (!stopping) {
        const date = queue.shift();
        if (date === undefined) return;
        try {
          // An execution followed until the timeout still runs in AWS and still counts against
          // the limit: this worker starts nothing more (the next invocation follows it).
          if (!(await handle(date))) return;
        } catch (error) {
          stopping = true;
          failure ??= error;
        }
      }
    };
    const workers = Math.max(1, Math.min(request.maxConcurrency, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
    save();
    if (failure !== undefined) throw failure;
    return { file, resumed, progress };
  } finally {
    unlock();
  }
}
