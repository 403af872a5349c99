/**
 * Deploy step (the Pipeline stack's `Migrations` script, run on every create and update): applies
 * the warehouse migrations not applied yet. Idempotent — each file is applied once and recorded —
 * so a redeploy with nothing new applies nothing.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { migrate } from '../../core/src/warehouse/migrate.ts';
import { awsRuntime } from './aws-runtime.ts';
import { errorForLog } from './handler.ts';
import { logger } from './observability.ts';

export const handler = middy(async () => {
  try {
    const rt = await awsRuntime();
    const result = await migrate(rt.warehouse);
    logger.info('migrations applied', { applied: result.applied, alreadyApplied: result.skipped.length });
    return result;
  } catch (error) {
    logger.error('migrations failed', { error: errorForLog(error) });
    throw error;
  }
}).use(injectLambdaContext(logger, { resetKeys: true }));
