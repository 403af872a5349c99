/**
 * The pipeline's state-machine definition (Amazon States Language, JSONPath), authored once as
 * data. AWS deploys it with `definitionSubstitutions` for the `${…FunctionArn}` placeholders; the
 * local runner substitutes local ARNs and maps each Task state to its handler by state name.
 *
 * Retry policy (seed §10.1): transient source errors 3× with 30/60/120 s backoff; staging
 * write failures 3× linear 10 s; warehouse/reconciliation errors 2× linear 30 s. Every failure
 * is caught, recorded as a FAILED run naming the failing step, and ends in a Fail state.
 */

/** Task states and the function each one runs (placeholder name in the definition). */
export const TASK_FUNCTIONS = {
  PlanExtraction: 'PlanExtractionFunctionArn',
  ExtractPartition: 'ExtractPartitionFunctionArn',
  LoadStaging: 'LoadStagingFunctionArn',
  AdvanceWatermarks: 'AdvanceWatermarksFunctionArn',
  RecordRun: 'RecordRunFunctionArn',
  RecordFailure: 'RecordFailureFunctionArn',
} as const;

export type TaskStateName = keyof typeof TASK_FUNCTIONS;

/** Concurrent extraction partitions (one Lambda each in AWS). */
export const EXTRACT_MAX_CONCURRENCY = 4;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type State = { [key: string]: Json };

const SOURCE_RETRY: Json = {
  ErrorEquals: ['SourceConnectionError', 'Lambda.ServiceException', 'Lambda.SdkClientException'],
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
const WAREHOUSE_RETRY: Json = {
  ErrorEquals: ['WarehouseTransientError', 'Lambda.ServiceException', 'Lambda.SdkClientException'],
  IntervalSeconds: 30,
  BackoffRate: 1,
  MaxAttempts: 2,
};

function task(name: TaskStateName, extra: State): State {
  return { Type: 'Task', Resource: `\${${TASK_FUNCTIONS[name]}}`, ...extra };
}

/** Route every error of `stateName` to a Pass state naming it, then to RecordFailure. */
function caught(stateName: string): Json {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${stateName}Failed` }];
}

function failedPass(stateName: string): State {
  return {
    Type: 'Pass',
    Result: stateName,
    ResultPath: '$.failedStep',
    Next: 'RecordFailure',
  };
}

const RUN_PARAMS = {
  'runId.$': '$.runId',
  'reconDate.$': '$.reconDate',
  'asOf.$': '$.asOf',
} as const;

/**
 * The definition. Input: `{ runId, reconDate: 'YYYY-MM-DD', asOf: ISO-8601 }`.
 * Output: the input plus `plan`, `extracted`, `load`, `watermarks`, `record`.
 */
export function pipelineDefinition(): { Comment: string; StartAt: string; States: Record<string, State> } {
  const catchable = ['PlanExtraction', 'ExtractPartitions', 'LoadStaging', 'AdvanceWatermarks', 'RecordRun'];
  const states: Record<string, State> = {
    PlanExtraction: task('PlanExtraction', {
      Comment: 'Read watermarks; split each table window into partitions (table × time slice).',
      Parameters: RUN_PARAMS,
      ResultPath: '$.plan',
      Retry: [WAREHOUSE_RETRY],
      Catch: caught('PlanExtraction'),
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
      Catch: caught('ExtractPartitions'),
      Next: 'LoadStaging',
    },
    LoadStaging: task('LoadStaging', {
      Comment: 'Load staging files by primary key (latest version wins) in one transaction.',
      Parameters: { ...RUN_PARAMS, 'partitions.$': '$.extracted' },
      ResultPath: '$.load',
      Retry: [WAREHOUSE_RETRY, STAGING_RETRY],
      Catch: caught('LoadStaging'),
      Next: 'AdvanceWatermarks',
    }),
    AdvanceWatermarks: task('AdvanceWatermarks', {
      Comment: 'Only after the load committed: move each table watermark to the window end.',
      Parameters: { ...RUN_PARAMS, 'windows.$': '$.plan.windows', 'partitions.$': '$.extracted' },
      ResultPath: '$.watermarks',
      Retry: [WAREHOUSE_RETRY],
      Catch: caught('AdvanceWatermarks'),
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
      },
      ResultPath: '$.record',
      Retry: [WAREHOUSE_RETRY],
      Catch: caught('RecordRun'),
      End: true,
    }),
    RecordFailure: task('RecordFailure', {
      Comment: 'Record the run as FAILED with the failing step and cause.',
      Parameters: {
        ...RUN_PARAMS,
        'startedAt.$': '$$.Execution.StartTime',
        'failedStep.$': '$.failedStep',
        'error.$': '$.error',
      },
      ResultPath: '$.failure',
      Retry: [WAREHOUSE_RETRY],
      // If even recording fails, still fail with the original error (kept at $.error).
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailureError', Next: 'PipelineFailed' }],
      Next: 'PipelineFailed',
    }),
    PipelineFailed: {
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    },
  };
  for (const name of catchable) states[`${name}Failed`] = failedPass(name);
  return {
    Comment: 'Revenue Reconciliation: daily pipeline for one business date',
    StartAt: 'PlanExtraction',
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
