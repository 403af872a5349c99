/**
 * The top-level state an execution failed at, from its history (GetExecutionHistory, read by
 * {@link HistoryReader}): the last failed top-level state of the latest attempt, so after a redrive
 * that failed again it names where the redrive failed.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionHistory, HistoryReader } from './history.ts';
import { type Clock, SYSTEM_CLOCK } from './sdk.ts';

/** The failed top-level state of `executionArn`, or null when none failed (timeout, abort). */
export async function failedStepOf(
  client: SFNClient,
  executionArn: string,
  clock: Pick<Clock, 'sleep'> = SYSTEM_CLOCK,
): Promise<string | null> {
  const history = new ExecutionHistory();
  history.add(await new HistoryReader(client, executionArn, clock).read());
  const failed = history
    .stateRuns(history.currentAttempt)
    .filter((r) => r.parent === null && r.status === 'FAILED');
  return failed.at(-1)?.name ?? null;
}
