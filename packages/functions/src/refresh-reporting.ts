/** Lambda handler of the `RefreshReporting` Task state: {@link refreshReporting} over the AWS runtime, holding the date's run lease first. */
import { refreshReporting } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('RefreshReporting', withRunLease(refreshReporting));
