/**
 * The Powertools Logger and Metrics shared by every handler of a Lambda container. Structured
 * JSON logs (service `recon-pipeline`); EMF metrics in the `Recon/Pipeline` namespace (seed
 * §13.1) with the deployment stage as a default dimension.
 */
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../core/src/metrics.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of the pipeline's custom metrics (seed §13.1). */
export const METRICS_NAMESPACE = METRIC_NAMESPACE;
/** Service name of logs and the `service` metric dimension. */
export const SERVICE_NAME = METRIC_SERVICE;

/** The deployment stage: `RECON_STAGE`, else SST's `SST_STAGE`, else `local`. */
export function stageOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.RECON_STAGE?.trim() || env.SST_STAGE?.trim() || 'local';
}

/** A JSON logger for the pipeline (level from `POWERTOOLS_LOG_LEVEL`/`LOG_LEVEL`, default INFO). */
export function createLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { stage: stageOf(env) } });
}

/** A metrics emitter: namespace `Recon/Pipeline`, dimensions `service` and `stage`. */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { stage: stageOf(env) },
  });
}

/** The container's logger. */
export const logger = createLogger();
/** The container's metrics emitter. */
export const metrics = createMetrics();
