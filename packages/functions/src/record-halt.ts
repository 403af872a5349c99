/** Lambda handler of the `RecordHalt` Task state: {@link recordHalt} over the AWS runtime. */
import { recordHalt } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('RecordHalt', recordHalt);
