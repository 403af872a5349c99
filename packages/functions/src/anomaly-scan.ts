/** Lambda handler of the `AnomalyScan` Task state: {@link anomalyScan} over the AWS runtime. */
import { anomalyScan } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('AnomalyScan', anomalyScan);
