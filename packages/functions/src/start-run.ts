/** Lambda handler of the `StartRun` Task state: {@link startRun} over the AWS runtime (settings give the business time zone). */
import { startRun } from '../../core/src/pipeline/start-run.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('StartRun', startRun);
