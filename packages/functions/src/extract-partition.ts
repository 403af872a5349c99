/** Lambda handler of the `ExtractPartition` Task state: {@link extractPartition} over the AWS runtime. */
import { extractPartition } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('ExtractPartition', extractPartition);
