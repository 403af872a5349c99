/** Lambda handler of the `RecordRun` Task state: {@link recordRun} over the AWS runtime. */
import { recordRun } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('RecordRun', recordRun);
