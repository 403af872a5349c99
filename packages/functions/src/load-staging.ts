/** Lambda handler of the `LoadStaging` Task state: {@link loadStaging} over the AWS runtime, holding the date's run lease first. */
import { loadStaging } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('LoadStaging', withRunLease(loadStaging));
