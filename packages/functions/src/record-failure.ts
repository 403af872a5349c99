/**
 * Lambda handler of the failure recorder, invoked by the EventBridge rule on the state machine's
 * "Execution Status Change" events (FAILED, TIMED_OUT, ABORTED): {@link recordFailedExecution}
 * over the AWS runtime, the failed step read from the execution's history.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { failedStepOf } from '../../core/src/aws/failed-step.ts';
import { METRICS } from '../../core/src/metrics.ts';
import {
  type ExecutionStatusChange,
  isPipelineFailure,
  recordFailedExecution,
} from '../../core/src/pipeline/failed-execution.ts';
import { taskHandler } from './handler.ts';

let sfn: SFNClient | undefined;

export const handler = taskHandler(
  'RecordFailure',
  (rt, event: ExecutionStatusChange) =>
    recordFailedExecution(rt, event, (arn) => failedStepOf((sfn ??= new SFNClient({})), arn)),
  {
    // The alarm must fire even when the warehouse that would hold the record is what failed.
    metricsOnError: (event, metrics) => {
      if (isPipelineFailure(event as ExecutionStatusChange)) {
        metrics.addMetric(METRICS.pipelineFailed, MetricUnit.Count, 1);
      }
    },
  },
);
