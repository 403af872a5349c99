/** Lambda handler of the `LoadStaging` Task state: {@link loadStaging} over the AWS runtime. */
import { loadStaging } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('LoadStaging', loadStaging);
