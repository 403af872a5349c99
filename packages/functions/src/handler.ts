/**
 * The one way in for every Lambda task: `taskHandler(name, fn)` wraps a task function of
 * `pipeline/tasks.ts` with middy, the Powertools Logger (JSON, correlation keys) and Metrics
 * (seed §13.1 custom metrics from the task's output). The handler has no logic of its own: it
 * calls `fn(runtime, event)` and returns its output unchanged; errors are logged (name and
 * message, known secrets scrubbed) and rethrown unchanged, since their `name` drives the state
 * machine's Retry/Catch.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { RECORD_FAILURE, TaskStateName } from '../../core/src/pipeline/definition.ts';
import type { FailedExecutionOutcome } from '../../core/src/pipeline/failed-execution.ts';

/** The report function's handler name (invoked by the report schedules, not a state). */
export const SEND_REPORT = 'SendReport';

/** The view refresher's handler name (invoked by the `mvRefreshSchedule` rule, not a state). */
export const REFRESH_VIEWS = 'RefreshViews';

/** A handler: a Task state's, the failure recorder's, the report function's or the view refresher's. */
export type HandlerName = TaskStateName | typeof RECORD_FAILURE | typeof SEND_REPORT | typeof REFRESH_VIEWS;
import { METRICS } from '../../core/src/metrics.ts';
import type { Runtime } from '../../core/src/pipeline/runtime.ts';
import type { DqOutcome, LoadResult, PartitionResult, RunSummary } from '../../core/src/pipeline/tasks.ts';
import { awsRuntime, beginInvocation, endInvocation, redactSecrets } from './aws-runtime.ts';
import { logger as defaultLogger, metrics as defaultMetrics } from './observability.ts';

/** A task function of `pipeline/tasks.ts`: runtime and JSON input in, JSON output out. */
export type TaskFunction<I, O> = (rt: Runtime, input: I) => Promise<O>;

/** The fields of the Lambda context read here (the real `Context` has them all). */
export interface LambdaContextLike {
  functionName?: string;
  awsRequestId?: string;
  invokedFunctionArn?: string;
  /** Present when the caller passes it through the client context. */
  executionArn?: string;
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis?: () => number;
}

/** Seams of {@link taskHandler}; defaults are the container's runtime, logger and metrics. */
export interface TaskHandlerOptions {
  runtime?: () => Promise<Runtime>;
  logger?: Logger;
  metrics?: Metrics;
  /**
   * Metrics to emit when the task throws (the error is still rethrown): e.g. the failure recorder
   * counts a failed execution even when writing its record fails.
   */
  metricsOnError?: (event: unknown, metrics: Metrics) => void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The correlation keys of one invocation: `executionArn` (event `executionArn`/`executionId`, or
 * the context), `reconDate`, `runId`, and `partition` `{ source, table, index }` when present.
 */
export function correlationKeys(event: unknown, context?: LambdaContextLike): Obj {
  const e = isObj(event) ? event : {};
  const keys: Obj = {};
  const executionArn = str(e.executionArn) ?? str(e.executionId) ?? str(context?.executionArn);
  if (executionArn) keys.executionArn = executionArn;
  if (str(e.reconDate)) keys.reconDate = e.reconDate;
  if (str(e.runId)) keys.runId = e.runId;
  if (isObj(e.partition)) {
    const p = e.partition;
    keys.partition = {
      ...(str(p.source) ? { source: p.source } : {}),
      ...(str(p.table) ? { table: p.table } : {}),
      ...(typeof p.index === 'number' ? { index: p.index } : {}),
    };
  }
  return keys;
}

/** Name and message of a thrown value (stack and context left out), with secrets scrubbed. */
export function errorForLog(error: unknown): { name: string; message: string; cause?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: redactSecrets(String(error)) };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
  return {
    name: error.name,
    message: redactSecrets(error.message),
    ...(cause ? { cause: redactSecrets(cause) } : {}),
  };
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Emit one metric with one extra dimension (published at once, beside the stored ones). */
function dimensioned(
  metrics: Metrics,
  dimension: string,
  value: string,
  name: string,
  unit: Unit,
  n: number,
) {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, unit, n);
}

/** PipelineDuration, PhaseDuration, MatchRate and AnomalyCount from a run summary. */
function runMetrics(metrics: Metrics, s: RunSummary): void {
  metrics.addMetric(METRICS.pipelineDuration, MetricUnit.Seconds, s.durationSeconds);
  for (const [phase, secs] of Object.entries(s.phases ?? {})) {
    dimensioned(metrics, 'Phase', phase, METRICS.phaseDuration, MetricUnit.Seconds, secs);
  }
  for (const l of s.levels ?? []) {
    if (l.matchRate !== null) {
      dimensioned(metrics, 'Level', l.level, METRICS.matchRate, MetricUnit.Percent, Number(l.matchRate));
    }
  }
  if (s.anomalies) {
    const bySeverity = new Map<string, number>();
    for (const counts of Object.values(s.anomalies.byType)) {
      for (const [sev, n] of Object.entries(counts)) bySeverity.set(sev, (bySeverity.get(sev) ?? 0) + n);
    }
    for (const [sev, n] of bySeverity)
      dimensioned(metrics, 'Severity', sev, METRICS.anomalyCount, MetricUnit.Count, n);
  }
}

/**
 * The seed §13.1 metrics a task's output carries:
 * - ExtractPartition: `RecordsExtracted` (dimension `Source`), `DeadLetterCount`;
 * - LoadStaging: `RecordsLoaded` (rows upserted into staging; the product's own);
 * - DataQualityPreChecks / DataQualityPostChecks: `DQChecksFailed`;
 * - RecordFailure: `PipelineFailed` = 1 for an execution that failed (not for a data-quality halt);
 * - RecordRun / RecordHalt: `PipelineDuration`, `PhaseDuration` (`Phase`),
 *   `MatchRate` (`Level`, when matched), `AnomalyCount` (`Severity`, when scanned).
 * Every metric also has the default dimensions `service` and `stage`.
 */
export function emitTaskMetrics(name: HandlerName, output: unknown, metrics: Metrics): void {
  if (!isObj(output)) return;
  switch (name) {
    case 'ExtractPartition': {
      const r = output as unknown as PartitionResult;
      dimensioned(
        metrics,
        'Source',
        r.partition.source,
        METRICS.recordsExtracted,
        MetricUnit.Count,
        r.rowsRead,
      );
      metrics.addMetric(METRICS.deadLetterCount, MetricUnit.Count, r.deadLettered);
      return;
    }
    case 'LoadStaging': {
      const r = output as unknown as LoadResult;
      metrics.addMetric(
        METRICS.recordsLoaded,
        MetricUnit.Count,
        r.tables.reduce((n, t) => n + t.upserted, 0),
      );
      return;
    }
    case 'DataQualityPreChecks':
    case 'DataQualityPostChecks':
      metrics.addMetric(METRICS.dqChecksFailed, MetricUnit.Count, (output as unknown as DqOutcome).failed);
      return;
    case 'RecordFailure':
      if ((output as unknown as FailedExecutionOutcome).pipelineFailed) {
        metrics.addMetric(METRICS.pipelineFailed, MetricUnit.Count, 1);
      }
      return;
    case 'RecordRun':
    case 'RecordHalt':
      runMetrics(metrics, output as unknown as RunSummary);
      return;
    default:
      return;
  }
}

/**
 * The Lambda handler of one Task state: `fn(await runtime(), event)` with JSON logs carrying the
 * correlation keys and the task's metrics.
 * @param name the Task state (as in `TASK_FUNCTIONS`)
 * @param fn its task function from `pipeline/tasks.ts`
 */
export function taskHandler<I, O>(
  name: HandlerName,
  fn: TaskFunction<I, O>,
  options: TaskHandlerOptions = {},
) {
  const logger = options.logger ?? defaultLogger;
  const metrics = options.metrics ?? defaultMetrics;
  const runtime = options.runtime ?? (() => awsRuntime());
  const run = async (event: I, context: LambdaContextLike): Promise<O> => {
    logger.appendKeys({ task: name, ...correlationKeys(event, context) });
    logger.info(`${name} started`);
    beginInvocation(context?.getRemainingTimeInMillis?.());
    try {
      const output = await fn(await runtime(), event);
      try {
        emitTaskMetrics(name, output, metrics);
      } catch (error) {
        // Metrics never change a task's outcome.
        logger.warn(`${name} metrics not emitted`, { error: errorForLog(error) });
      }
      logger.info(`${name} finished`);
      return output;
    } catch (error) {
      logger.error(`${name} failed`, { error: errorForLog(error) });
      try {
        options.metricsOnError?.(event, metrics);
      } catch (metricError) {
        logger.warn(`${name} metrics not emitted`, { error: errorForLog(metricError) });
      }
      throw error;
    } finally {
      endInvocation();
    }
  };
  const handler = middy(run)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  return Object.assign(handler, { taskName: name, task: fn });
}
