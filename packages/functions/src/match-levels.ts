/** Lambda handler of the `MatchLevels` Task state: {@link matchLevels} over the AWS runtime, holding the date's run lease first. */
import { matchLevels } from '../../core/src/pipeline/tasks.ts';
import { withRunLease } from '../../core/src/pipeline/lease.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('MatchLevels', withRunLease(matchLevels));
