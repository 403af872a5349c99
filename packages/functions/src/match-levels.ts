/** Lambda handler of the `MatchLevels` Task state: {@link matchLevels} over the AWS runtime. */
import { matchLevels } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('MatchLevels', matchLevels);
