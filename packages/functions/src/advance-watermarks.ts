/** Lambda handler of the `AdvanceWatermarks` Task state: {@link advanceWatermarks} over the AWS runtime, holding the date's run lease first. */
import { advanceWatermarks } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('AdvanceWatermarks', withRunLease(advanceWatermarks));
