/** Lambda handler of the `DataQualityPostChecks` Task state: {@link dataQualityPostChecks} over the AWS runtime. */
import { dataQualityPostChecks } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('DataQualityPostChecks', dataQualityPostChecks);
