/** Lambda handler of the `RefreshReporting` Task state: {@link refreshReporting} over the AWS runtime. */
import { refreshReporting } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('RefreshReporting', refreshReporting);
