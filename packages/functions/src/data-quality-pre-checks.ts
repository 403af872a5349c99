/** Lambda handler of the `DataQualityPreChecks` Task state: {@link dataQualityPreChecks} over the AWS runtime. */
import { dataQualityPreChecks } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('DataQualityPreChecks', dataQualityPreChecks);
