/**
 * The pipeline's CloudWatch metrics (seed §13.1): one definition shared by the Lambda handlers
 * that publish them (EMF through Powertools Metrics) and the Monitoring stack whose alarms watch
 * them, so a name or a dimension can never drift between the two.
 */

/** Namespace of every pipeline metric. */
export const METRIC_NAMESPACE = 'Recon/Pipeline';

/** Powertools adds the service as a dimension to every metric: alarms must name it too. */
export const METRIC_SERVICE = 'recon-pipeline';
export const SERVICE_DIMENSION = 'service';

/** The deploy stage that emitted a metric. */
export const STAGE_DIMENSION = 'stage';

/** Metric names; `Level` / `Severity` / `Phase` / `Source` dimensions where noted. */
export const METRICS = {
  /** Seconds from pipeline start to end, one datapoint per run. */
  pipelineDuration: 'PipelineDuration',
  /** Seconds per phase (`Phase`). */
  phaseDuration: 'PhaseDuration',
  /** Match rate in percent 0–100 (`Level` L1 | L2 | L3). */
  matchRate: 'MatchRate',
  /** Anomalies of the business date (`Severity`). */
  anomalyCount: 'AnomalyCount',
  /** Rows read from a source partition (`Source`). */
  recordsExtracted: 'RecordsExtracted',
  /** Rows upserted into the staging tables. */
  recordsLoaded: 'RecordsLoaded',
  /** Rows written to the dead-letter store. */
  deadLetterCount: 'DeadLetterCount',
  /** Data-quality checks that failed. */
  dqChecksFailed: 'DQChecksFailed',
  /** 1 when a run ends failed (recorded by RecordFailure). */
  pipelineFailed: 'PipelineFailed',
} as const;
