/** Lambda handler of the `RecordFailure` Task state: {@link recordFailure} over the AWS runtime. */
import { recordFailure } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('RecordFailure', recordFailure);
