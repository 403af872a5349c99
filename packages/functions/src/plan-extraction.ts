/** Lambda handler of the `PlanExtraction` Task state: {@link planExtraction} over the AWS runtime. */
import { planExtraction } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('PlanExtraction', planExtraction);
