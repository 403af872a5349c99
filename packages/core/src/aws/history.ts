/**
 * What happened in each state of an execution, from its event history (GetExecutionHistory).
 *
 * The history is a flat list of events linked by `previousEventId`. A state run starts with a
 * `…StateEntered` event; the task events that follow (`LambdaFunctionScheduled`, `TaskFailed` …)
 * point back, directly or through each other, to that entry, which is how failures and retries
 * are attributed even while several Map iterations run at once. A run ends with its
 * `…StateExited` event — or, when a Catch moves on without one, when the next state is entered
 * from it — or when the execution ends.
 *
 * {@link ExecutionHistory} takes the events page by page, in order, and reports every top-level
 * state run as it ends, so a follower can print outcomes as they happen.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { awsCall, type Clock, sdkErrorName } from './sdk.ts';

/** Status of one state (or of all runs of one state). */
export type StateStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** Map iterations by outcome. */
export interface IterationCounts {
  /** Items the Map state was given (`MapStateStarted.length`). */
  total: number;
  succeeded: number;
  failed: number;
  aborted: number;
}

/** One entry into a state. */
export interface StateRun {
  name: string;
  /** The state type: Task, Map, Choice, Pass, Fail, Succeed, Wait, Parallel. */
  type: string;
  /** The Map (or Parallel) state this run is inside, or null at the top level. */
  parent: string | null;
  /** 0 for the original execution, n after the n-th redrive. */
  attempt: number;
  status: StateStatus;
  enteredAt: number;
  /** When the run ended, or null while it runs. */
  endedAt: number | null;
  /** Task attempts after the first (Retry). */
  retries: number;
  /** The errors that were retried, each once. */
  retriedOn: string[];
  /**
   * The error (and cause) the run failed with: its last attempt's, the Map's, or the execution's
   * for a Fail state; null when it succeeded.
   */
  error: string | null;
  cause: string | null;
  /** For a Map state. */
  iterations: IterationCounts | null;
}

/** All runs of one state name, summed up (the per-state line of `recon aws run`). */
export interface StateOutcome {
  name: string;
  type: string;
  parent: string | null;
  status: StateStatus;
  /** Times the state was entered (for a state inside a Map: once per iteration). */
  runs: number;
  /** From the first entry to the last end (or the last event while running), in ms. */
  durationMs: number;
  retries: number;
  retriedOn: string[];
  error: string | null;
  iterations: IterationCounts | null;
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const ATTEMPT_FAILED: Record<string, keyof HistoryEvent> = {
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  TaskStartFailed: 'taskStartFailedEventDetails',
  TaskSubmitFailed: 'taskSubmitFailedEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  LambdaFunctionStartFailed: 'lambdaFunctionStartFailedEventDetails',
  LambdaFunctionScheduleFailed: 'lambdaFunctionScheduleFailedEventDetails',
  ActivityFailed: 'activityFailedEventDetails',
  ActivityTimedOut: 'activityTimedOutEventDetails',
  ActivityScheduleFailed: 'activityScheduleFailedEventDetails',
};
const MAP_ITERATION: Record<string, keyof IterationCounts | null> = {
  MapIterationStarted: null,
  MapIterationSucceeded: 'succeeded',
  MapIterationFailed: 'failed',
  MapIterationAborted: 'aborted',
};

interface RunState extends StateRun {
  lastAttemptFailed: boolean;
  scheduled: number;
  mapFailed: boolean;
}

function detailsOf(event: HistoryEvent, key: keyof HistoryEvent): { error?: string; cause?: string } {
  return (event[key] as { error?: string; cause?: string } | undefined) ?? {};
}

/**
 * Builds state runs from an execution's history events. Feed it events in id order with
 * {@link ExecutionHistory.add}; it calls `onEnded` for every top-level state run that ends.
 */
export class ExecutionHistory {
  private readonly runs: RunState[] = [];
  private readonly runOf = new Map<number, RunState>();
  private readonly events = new Map<number, HistoryEvent>();
  private attempt = 0;
  private lastEventAt = 0;
  private lastId = 0;
  /** Execution-level error of the last ExecutionFailed/TimedOut/Aborted event. */
  executionError: { error: string | null; cause: string | null } | null = null;

  constructor(private readonly onEnded?: (run: StateRun) => void) {}

  /** The redrive attempt the history has reached (0 before any ExecutionRedriven event). */
  get currentAttempt(): number {
    return this.attempt;
  }

  /** Take the next events (already seen ids are ignored). */
  add(events: readonly HistoryEvent[]): void {
    for (const event of events) {
      if (event.id === undefined || event.id <= this.lastId) continue;
      this.lastId = event.id;
      this.events.set(event.id, event);
      this.lastEventAt = Math.max(this.lastEventAt, event.timestamp?.getTime() ?? 0);
      this.apply(event);
    }
  }

  private end(run: RunState, at: number, status: StateStatus): void {
    if (run.endedAt !== null) return;
    run.endedAt = at;
    run.status = status;
    if (run.type === 'Map' || run.type === 'Parallel') {
      // Iterations still open when their Map ends were cut short (or failed on their own).
      for (const inner of this.runs) {
        if (inner.endedAt === null && inner.parent === run.name) {
          this.end(inner, at, inner.lastAttemptFailed ? 'FAILED' : 'ABORTED');
        }
      }
    }
    if (run.parent === null) this.onEnded?.(snapshot(run));
  }

  private latestOpen(predicate: (r: RunState) => boolean): RunState | undefined {
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i]!;
      if (r.endedAt === null && predicate(r)) return r;
    }
    return undefined;
  }

  private apply(event: HistoryEvent): void {
    const type = event.type ?? '';
    const at = event.timestamp?.getTime() ?? this.lastEventAt;
    const previous = event.previousEventId;
    const fromRun = previous === undefined ? undefined : this.runOf.get(previous);

    if (type.endsWith('StateEntered')) {
      const prevEvent = previous === undefined ? undefined : this.events.get(previous);
      let parent: string | null = null;
      if (prevEvent?.type === 'MapIterationStarted') {
        parent = prevEvent.mapIterationStartedEventDetails?.name ?? fromRun?.name ?? null;
      } else if (prevEvent?.type === 'ParallelStateStarted') {
        parent = fromRun?.name ?? null;
      } else if (fromRun) {
        parent = fromRun.parent;
        // A Catch moved on from a state that never exited: that state ended there.
        if (fromRun.endedAt === null) {
          const failed = fromRun.lastAttemptFailed || fromRun.mapFailed;
          this.end(fromRun, at, failed ? 'FAILED' : 'SUCCEEDED');
        }
      }
      const run: RunState = {
        name: event.stateEnteredEventDetails?.name ?? '?',
        type: type.slice(0, -'StateEntered'.length),
        parent,
        attempt: this.attempt,
        status: 'RUNNING',
        enteredAt: at,
        endedAt: null,
        retries: 0,
        retriedOn: [],
        error: null,
        cause: null,
        iterations: null,
        lastAttemptFailed: false,
        scheduled: 0,
        mapFailed: false,
      };
      this.runs.push(run);
      this.runOf.set(event.id!, run);
      return;
    }

    if (type.endsWith('StateExited')) {
      const name = event.stateExitedEventDetails?.name;
      const run = this.latestOpen((r) => r.name === name);
      if (run) {
        this.runOf.set(event.id!, run);
        this.end(run, at, run.lastAttemptFailed || run.mapFailed ? 'FAILED' : 'SUCCEEDED');
      }
      return;
    }

    if (type in MAP_ITERATION) {
      const details =
        event.mapIterationStartedEventDetails ??
        event.mapIterationSucceededEventDetails ??
        event.mapIterationFailedEventDetails ??
        event.mapIterationAbortedEventDetails;
      const run =
        this.latestOpen((r) => r.type === 'Map' && r.name === details?.name) ??
        (fromRun?.type === 'Map' ? fromRun : undefined);
      if (run) {
        this.runOf.set(event.id!, run);
        run.iterations ??= { total: 0, succeeded: 0, failed: 0, aborted: 0 };
        const key = MAP_ITERATION[type];
        if (key) run.iterations[key] += 1;
      }
      return;
    }

    if (type === 'MapStateStarted' || type === 'MapStateFailed' || type === 'MapStateAborted') {
      const run = fromRun?.type === 'Map' ? fromRun : this.latestOpen((r) => r.type === 'Map');
      if (run) {
        this.runOf.set(event.id!, run);
        run.iterations ??= { total: 0, succeeded: 0, failed: 0, aborted: 0 };
        if (type === 'MapStateStarted') {
          run.iterations.total = event.mapStateStartedEventDetails?.length ?? run.iterations.total;
        } else {
          run.mapFailed = true;
          run.error ??= type === 'MapStateFailed' ? 'States.MapFailed' : 'States.MapAborted';
        }
      }
      return;
    }

    if (type === 'ExecutionRedriven') {
      this.attempt += 1;
      return;
    }

    if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      const details =
        event.executionFailedEventDetails ??
        event.executionTimedOutEventDetails ??
        event.executionAbortedEventDetails;
      const error =
        details?.error ??
        (type === 'ExecutionTimedOut' ? 'States.Timeout' : type === 'ExecutionAborted' ? 'Aborted' : null);
      this.executionError = { error, cause: details?.cause ?? null };
      this.endOpenRuns(at, type === 'ExecutionAborted' ? 'ABORTED' : 'FAILED');
      return;
    }

    if (type === 'ExecutionSucceeded') {
      this.endOpenRuns(at, 'SUCCEEDED');
      return;
    }

    if (!fromRun) return;
    this.runOf.set(event.id!, fromRun);
    if (SCHEDULED.has(type)) {
      fromRun.scheduled += 1;
      fromRun.retries = Math.max(0, fromRun.scheduled - 1);
      // A new attempt after a failed one: that error was retried, and is not (yet) the outcome.
      if (fromRun.error !== null && !fromRun.retriedOn.includes(fromRun.error))
        fromRun.retriedOn.push(fromRun.error);
      fromRun.error = null;
      fromRun.cause = null;
      fromRun.lastAttemptFailed = false;
      return;
    }
    const key = ATTEMPT_FAILED[type];
    if (key) {
      const details = detailsOf(event, key);
      fromRun.lastAttemptFailed = true;
      fromRun.error = details.error ?? type;
      fromRun.cause = details.cause ?? null;
    }
  }

  /** End every open run when the execution ends; what it did last decides its status. */
  private endOpenRuns(at: number, executionOutcome: StateStatus): void {
    // Inner runs first, so a Map's iterations are settled before the Map line is reported.
    const open = this.runs
      .filter((r) => r.endedAt === null)
      .sort((a, b) => (a.parent ? 0 : 1) - (b.parent ? 0 : 1));
    for (const run of open) {
      if (run.type === 'Fail') {
        run.error = this.executionError?.error ?? run.error;
        run.cause = this.executionError?.cause ?? run.cause;
        this.end(run, at, 'FAILED');
      } else if (run.lastAttemptFailed || run.mapFailed) this.end(run, at, 'FAILED');
      else if (executionOutcome === 'SUCCEEDED') this.end(run, at, 'SUCCEEDED');
      else this.end(run, at, 'ABORTED');
    }
  }

  /** Every state run so far (copies), in order of entry; `attempt` keeps those of one redrive. */
  stateRuns(attempt?: number): StateRun[] {
    return this.runs.filter((r) => attempt === undefined || r.attempt === attempt).map(snapshot);
  }

  /**
   * One outcome per state name, in order of first entry. `attempt` keeps only the runs of one
   * redrive (a redrive re-enters only the states that did not succeed).
   */
  outcomes(attempt?: number): StateOutcome[] {
    const byName = new Map<string, StateOutcome & { first: number; last: number }>();
    for (const run of this.runs) {
      if (attempt !== undefined && run.attempt !== attempt) continue;
      const last = run.endedAt ?? this.lastEventAt;
      const o = byName.get(run.name);
      if (!o) {
        byName.set(run.name, {
          name: run.name,
          type: run.type,
          parent: run.parent,
          status: run.status,
          runs: 1,
          durationMs: 0,
          retries: run.retries,
          retriedOn: [...run.retriedOn],
          error: run.error,
          iterations: run.iterations ? { ...run.iterations } : null,
          first: run.enteredAt,
          last,
        });
        continue;
      }
      o.runs += 1;
      o.retries += run.retries;
      for (const e of run.retriedOn) if (!o.retriedOn.includes(e)) o.retriedOn.push(e);
      o.first = Math.min(o.first, run.enteredAt);
      o.last = Math.max(o.last, last);
      o.status = worse(o.status, run.status);
      o.error = run.error ?? o.error;
      if (run.iterations) {
        const it = (o.iterations ??= { total: 0, succeeded: 0, failed: 0, aborted: 0 });
        it.total += run.iterations.total;
        it.succeeded += run.iterations.succeeded;
        it.failed += run.iterations.failed;
        it.aborted += run.iterations.aborted;
      }
    }
    return [...byName.values()].map(({ first, last, ...o }) => ({
      ...o,
      durationMs: Math.max(0, last - first),
    }));
  }
}

const RANK: Record<StateStatus, number> = { SUCCEEDED: 0, RUNNING: 1, ABORTED: 2, FAILED: 3 };

function worse(a: StateStatus, b: StateStatus): StateStatus {
  return RANK[b] > RANK[a] ? b : a;
}

function snapshot(run: RunState): StateRun {
  const { lastAttemptFailed: _l, scheduled: _s, mapFailed: _m, ...rest } = run;
  return {
    ...rest,
    retriedOn: [...run.retriedOn],
    iterations: run.iterations ? { ...run.iterations } : null,
  };
}

/**
 * Reads an execution's history incrementally. GetExecutionHistory always pages from the start,
 * so the reader keeps the token of the last page it has not read to the end and starts there the
 * next time: each poll re-reads at most one page, however long the history grows.
 */
export class HistoryReader {
  private resumeToken: string | undefined;

  constructor(
    private readonly client: SFNClient,
    private readonly executionArn: string,
    private readonly clock: Pick<Clock, 'sleep'>,
  ) {}

  /** Every event from where the last read stopped (some may repeat; ExecutionHistory skips them). */
  async read(): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let token = this.resumeToken;
    for (;;) {
      let page;
      try {
        page = await awsCall(
          'GetExecutionHistory',
          () =>
            this.client.send(
              new GetExecutionHistoryCommand({
                executionArn: this.executionArn,
                maxResults: 1000,
                // Inputs and outputs can be large and are not shown; errors and causes still come.
                includeExecutionData: false,
                ...(token ? { nextToken: token } : {}),
              }),
            ),
          { clock: this.clock },
        );
      } catch (error) {
        // A kept token expires (after 24 h): start from the beginning again.
        if (token !== undefined && codeOf(error) === 'InvalidToken') {
          this.resumeToken = undefined;
          token = undefined;
          continue;
        }
        throw error;
      }
      events.push(...(page.events ?? []));
      if (!page.nextToken) return events;
      token = page.nextToken;
      this.resumeToken = token;
    }
  }
}

function codeOf(error: unknown): string {
  const context = (error as { context?: { code?: unknown } }).context;
  return typeof context?.code === 'string' ? context.code : sdkErrorName(error);
}
