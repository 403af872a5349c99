/**
 * The pipeline's state-machine definition (Amazon States Language, JSONPath), authored once as
 * data. AWS deploys it with `definitionSubstitutions` for the `${…FunctionArn}` placeholders; the
 * local runner substitutes local ARNs and maps each Task state to its handler by state name.
 *
 * Retry policy (seed §10.1): transient source errors 3× with 30/60/120 s backoff; staging
 * write failures 3× linear 10 s; warehouse/reconciliation errors 2× linear 30 s.
 *
 * Failures are deliberately NOT caught: once its retries are exhausted a task fails the execution
 * at that task, so a redrive (Step Functions reruns the unsuccessful step, keeping the outputs of
 * the steps that succeeded) resumes exactly there. Catching into a Fail state would make the Fail
 * state the unsuccessful step and a redrive would only fail again. The failure is recorded
 * outside the definition, by {@link RECORD_FAILURE} — in AWS on the execution's status-change
 * event, locally by the runner when the execution ends failed.
 */

/** Task states and the function each one runs (placeholder name in the definition). */
export const TASK_FUNCTIONS = {
  StartRun: 'StartRunFunctionArn',
  PlanExtraction: 'PlanExtractionFunctionArn',
  ExtractPartition: 'ExtractPartitionFunctionArn',
  LoadStaging: 'LoadStagingFunctionArn',
  AdvanceWatermarks: 'AdvanceWatermarksFunctionArn',
  DataQualityPreChecks: 'DataQualityPreChecksFunctionArn',
  RecordHalt: 'RecordHaltFunctionArn',
  MatchLevels: 'MatchLevelsFunctionArn',
  DataQualityPostChecks: 'DataQualityPostChecksFunctionArn',
  AnomalyScan: 'AnomalyScanFunctionArn',
  RefreshReporting: 'RefreshReportingFunctionArn',
  RecordRun: 'RecordRunFunctionArn',
  SendAlerts: 'SendAlertsFunctionArn',
} as const;

/**
 * The task that records a failed execution (a FAILED run naming the failed step and the error).
 * Not a state of the definition (see the module comment).
 */
export const RECORD_FAILURE = 'RecordFailure';

export type TaskStateName = keyof typeof TASK_FUNCTIONS;

/** Concurrent extraction partitions (one Lambda each in AWS). */
export const EXTRACT_MAX_CONCURRENCY = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type State = { [key: string]: Json };

/** Transient Lambda service errors AWS recommends retrying on every Lambda task. */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** StartRun only needs the Lambda service itself: quick retries. */
const LAMBDA_RETRY: Json = {
  ErrorEquals: LAMBDA_TRANSIENT,
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 3,
};

const SOURCE_RETRY: Json = {
  ErrorEquals: ['SourceConnectionError', ...LAMBDA_TRANSIENT],
  IntervalSeconds: 30,
  BackoffRate: 2,
  MaxAttempts: 3,
};
const STAGING_RETRY: Json = {
  ErrorEquals: ['StagingIOError'],
  IntervalSeconds: 10,
  BackoffRate: 1,
  MaxAttempts: 3,
};
/** Reconciliation SQL (seed §10.1 "Reconciliation Exception": 2 retries, linear 30 s). */
const RECONCILE_RETRY: Json = {
  ErrorEquals: ['WarehouseTransientError', 'WarehouseError', ...LAMBDA_TRANSIENT],
  IntervalSeconds: 30,
  BackoffRate: 1,
  MaxAttempts: 2,
};
const WAREHOUSE_RETRY: Json = {
  ErrorEquals: ['WarehouseTransientError', ...LAMBDA_TRANSIENT],
  IntervalSeconds: 30,
  BackoffRate: 1,
  MaxAttempts: 2,
};

/**
 * The time limit of each Task state, seconds — also its Lambda function's timeout (the stacks read
 * it from here). Stated in the definition, so every runtime applies the same limit: without it
 * AWS waits for the function's own timeout while the local runner gives up after 60 seconds.
 */
export const TASK_TIMEOUT_SECONDS: Readonly<Record<TaskStateName, number>> = {
  StartRun: 60,
  PlanExtraction: 120,
  ExtractPartition: 900,
  LoadStaging: 900,
  AdvanceWatermarks: 120,
  DataQualityPreChecks: 900,
  RecordHalt: 300,
  MatchLevels: 900,
  DataQualityPostChecks: 900,
  AnomalyScan: 900,
  RefreshReporting: 900,
  SendAlerts: 300,
  RecordRun: 300,
};

function task(name: TaskStateName, extra: State): State {
  return {
    Type: 'Task',
    Resource: `\${${TASK_FUNCTIONS[name]}}`,
    TimeoutSeconds: TASK_TIMEOUT_SECONDS[name],
    ...extra,
  };
}

const RUN_PARAMS = {
  'runId.$': '$.runId',
  'reconDate.$': '$.reconDate',
  'asOf.$': '$.asOf',
  // Correlates every task's logs with the execution (Powertools Logger key `executionArn`).
  'executionArn.$': '$$.Execution.Id',
} as const;

/**
 * The definition. Input: `{ reconDate?: 'YYYY-MM-DD', runId?, asOf?: ISO-8601, scheduledTime?: ISO-8601 }`
 * (the schedule sends only `scheduledTime`); StartRun resolves it to `{ runId, reconDate, asOf }`.
 * Output: that plus `plan`, `extracted`, `load`, `watermarks`, `dq`, `match`, `dqPost`,
 * `anomalies`, `record`.
 */
export function pipelineDefinition(): { Comment: string; StartAt: string; States: Record<string, State> } {
  const states: Record<string, State> = {
    StartRun: task('StartRun', {
      Comment:
        'Resolve the run request: the schedule gives scheduledTime (→ the previous business date); asOf defaults to the execution start, runId to the execution name.',
      Parameters: {
        'request.$': '$',
        'executionName.$': '$$.Execution.Name',
        'executionStartTime.$': '$$.Execution.StartTime',
        'executionArn.$': '$$.Execution.Id',
      },
      // The resolved request replaces the input: every later state reads $.runId, $.reconDate, $.asOf.
      ResultPath: '$',
      Retry: [LAMBDA_RETRY],
      Next: 'PlanExtraction',
    }),
    PlanExtraction: task('PlanExtraction', {
      Comment: 'Read watermarks; split each table window into partitions (table × time slice).',
      Parameters: RUN_PARAMS,
      ResultPath: '$.plan',
      Retry: [WAREHOUSE_RETRY],
      Next: 'ExtractPartitions',
    }),
    ExtractPartitions: {
      Type: 'Map',
      Comment: 'One task per partition: stream, standardize, write Parquet to the staging area.',
      ItemsPath: '$.plan.partitions',
      ItemSelector: {
        'partition.$': '$$.Map.Item.Value',
        'runId.$': '$.runId',
        'reconDate.$': '$.reconDate',
        'executionArn.$': '$$.Execution.Id',
      },
      MaxConcurrency: EXTRACT_MAX_CONCURRENCY,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'ExtractPartition',
        States: {
          ExtractPartition: task('ExtractPartition', {
            Retry: [SOURCE_RETRY, STAGING_RETRY],
            End: true,
          }),
        },
      },
      ResultPath: '$.extracted',
      Next: 'LoadStaging',
    },
    LoadStaging: task('LoadStaging', {
      Comment: 'Load staging files by primary key (latest version wins) in one transaction.',
      Parameters: { ...RUN_PARAMS, 'partitions.$': '$.extracted' },
      ResultPath: '$.load',
      Retry: [WAREHOUSE_RETRY, STAGING_RETRY],
      Next: 'AdvanceWatermarks',
    }),
    AdvanceWatermarks: task('AdvanceWatermarks', {
      Comment: 'Only after the load committed: move each table watermark to the window end.',
      Parameters: { ...RUN_PARAMS, 'windows.$': '$.plan.windows', 'partitions.$': '$.extracted' },
      ResultPath: '$.watermarks',
      Retry: [WAREHOUSE_RETRY],
      Next: 'DataQualityPreChecks',
    }),
    DataQualityPreChecks: task('DataQualityPreChecks', {
      Comment: 'DQ-01…DQ-06 and DQ-08 on the staging data of the business date.',
      Parameters: { ...RUN_PARAMS, 'loadTables.$': '$.load.tables' },
      ResultPath: '$.dq',
      Retry: [WAREHOUSE_RETRY],
      Next: 'DataQualityGate',
    }),
    DataQualityGate: {
      Type: 'Choice',
      Comment: 'Any FAIL halts the run before matching: no result table is touched.',
      Choices: [{ Variable: '$.dq.halt', BooleanEquals: true, Next: 'RecordHalt' }],
      Default: 'MatchLevels',
    },
    RecordHalt: task('RecordHalt', {
      Comment: 'Record the run as FAILED_DQ with the failing checks.',
      Parameters: {
        ...RUN_PARAMS,
        'startedAt.$': '$$.Execution.StartTime',
        'dq.$': '$.dq',
        'load.$': '$.load',
        'extracted.$': '$.extracted',
        'plan.$': '$.plan',
      },
      ResultPath: '$.halt',
      Retry: [WAREHOUSE_RETRY],
      Next: 'SendAlerts',
    }),
    HaltedByDataQuality: {
      Type: 'Fail',
      Error: 'DataQualityHalt',
      CausePath: '$.dq.cause',
    },
    MatchLevels: task('MatchLevels', {
      Comment: 'Level 1, 2, 3 for D and the previous extractionLookbackDays dates, in one transaction.',
      Parameters: RUN_PARAMS,
      ResultPath: '$.match',
      Retry: [RECONCILE_RETRY],
      Next: 'DataQualityPostChecks',
    }),
    DataQualityPostChecks: task('DataQualityPostChecks', {
      Comment: 'DQ-07 match-rate thresholds: alerts, does not halt.',
      Parameters: RUN_PARAMS,
      ResultPath: '$.dqPost',
      Retry: [WAREHOUSE_RETRY],
      Next: 'AnomalyScan',
    }),
    AnomalyScan: task('AnomalyScan', {
      Comment:
        'Detect ANO-01…ANO-07 for the re-evaluated dates and apply them (identity, escalation, auto-resolution).',
      Parameters: { ...RUN_PARAMS, 'ranges.$': '$.match.ranges' },
      ResultPath: '$.anomalies',
      Retry: [RECONCILE_RETRY],
      Next: 'RefreshReporting',
    }),
    RefreshReporting: task('RefreshReporting', {
      Comment: 'Refresh the reporting materialized views in dependency order (seed Phase 4 §3.7).',
      Parameters: RUN_PARAMS,
      ResultPath: '$.reporting',
      Retry: [WAREHOUSE_RETRY],
      Next: 'RecordRun',
    }),
    RecordRun: task('RecordRun', {
      Comment: 'Record the run (one row per run) and return its summary.',
      Parameters: {
        ...RUN_PARAMS,
        'startedAt.$': '$$.Execution.StartTime',
        'plan.$': '$.plan',
        'extracted.$': '$.extracted',
        'load.$': '$.load',
        'dq.$': '$.dq',
        'match.$': '$.match',
        'dqPost.$': '$.dqPost',
        'anomalies.$': '$.anomalies',
        'reporting.$': '$.reporting',
      },
      ResultPath: '$.record',
      Retry: [WAREHOUSE_RETRY],
      Next: 'SendAlerts',
    }),
    SendAlerts: task('SendAlerts', {
      Comment:
        'Evaluate the alert rules on the recorded run and send each alert once (never fails the run: delivery problems are recorded).',
      Parameters: RUN_PARAMS,
      ResultPath: '$.alerts',
      Retry: [LAMBDA_RETRY],
      Next: 'RunEnded',
    }),
    RunEnded: {
      Type: 'Choice',
      Comment: 'A halted run still fails the execution (DataQualityHalt) once its alerts are out.',
      Choices: [{ Variable: '$.halt', IsPresent: true, Next: 'HaltedByDataQuality' }],
      Default: 'RunSucceeded',
    },
    RunSucceeded: { Type: 'Succeed' },
  };
  return {
    Comment: 'Revenue Reconciliation: daily pipeline for one business date',
    StartAt: 'StartRun',
    States: states,
  };
}

/** Replace `${Name}` placeholders (as `definitionSubstitutions` does in AWS). */
export function substitute<T>(definition: T, substitutions: Record<string, string>): T {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (whole, key: string) => {
    const v = substitutions[key];
    if (v === undefined) throw new Error(`no substitution for ${whole}`);
    return v;
  });
  return JSON.parse(text) as T;
}
