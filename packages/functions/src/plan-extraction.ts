/** Lambda handler of the `PlanExtraction` Task state: {@link planExtraction} over the AWS runtime, holding the date's run lease first. */
import { planExtraction } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('PlanExtraction', withRunLease(planExtraction));
