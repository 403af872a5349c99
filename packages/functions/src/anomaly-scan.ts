/** Lambda handler of the `AnomalyScan` Task state: {@link anomalyScan} over the AWS runtime, holding the date's run lease first. */
import { anomalyScan } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('AnomalyScan', withRunLease(anomalyScan));
