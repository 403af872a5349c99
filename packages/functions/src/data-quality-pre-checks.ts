/** Lambda handler of the `DataQualityPreChecks` Task state: {@link dataQualityPreChecks} over the AWS runtime, holding the date's run lease first. */
import { dataQualityPreChecks } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('DataQualityPreChecks', withRunLease(dataQualityPreChecks));
