/** Lambda handler of the `AdvanceWatermarks` Task state: {@link advanceWatermarks} over the AWS runtime. */
import { advanceWatermarks } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('AdvanceWatermarks', advanceWatermarks);
