/** Lambda handler of the `DataQualityPostChecks` Task state: {@link dataQualityPostChecks} over the AWS runtime, holding the date's run lease first. */
import { dataQualityPostChecks } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('DataQualityPostChecks', withRunLease(dataQualityPostChecks));
