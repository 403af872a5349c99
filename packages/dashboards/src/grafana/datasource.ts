/**
 * The one datasource every panel queries: the reconciliation warehouse on Amazon Redshift
 * Serverless, through Grafana's Redshift plugin (seed Phase 4 §8.1). Provisioned with a fixed uid
 * so the generated dashboards can name it without an import step.
 */
import type { DataQuery, DataSourceRef } from '@grafana/schema';
import { dedent } from './sql.ts';

/** Plugin id of Grafana's Amazon Redshift datasource. */
export const REDSHIFT_PLUGIN_ID = 'grafana-redshift-datasource';

/** The provisioned datasource's uid, referenced by every panel and query variable. */
export const RECON_DATASOURCE_UID = 'recon-redshift';

/** The provisioned datasource's display name (seed §8.1). */
export const RECON_DATASOURCE_NAME = 'Redshift-Recon';

/** Reference to the provisioned warehouse datasource. */
export const RECON_DATASOURCE: DataSourceRef = { type: REDSHIFT_PLUGIN_ID, uid: RECON_DATASOURCE_UID };

/**
 * Result shapes of the Redshift plugin (its `FormatOptions`, stored as numbers): a time series
 * frame (long results are widened by their string columns) or a plain table.
 */
export enum QueryFormat {
  TimeSeries = 0,
  Table = 1,
}

/**
 * A Redshift plugin query. The plugin stores the SQL as `rawSQL` (not `rawSql` as the core SQL
 * datasources do), and expands `$__timeFilter(col)`, `$__timeFrom()`, `$__timeTo()` and template
 * variables in it before sending it through the Redshift Data API.
 */
export interface RedshiftQuery extends DataQuery {
  datasource: DataSourceRef;
  rawSQL: string;
  format: QueryFormat;
}

/** A panel query against the warehouse datasource. */
export function redshiftQuery(rawSQL: string, format: QueryFormat, refId = 'A'): RedshiftQuery {
  return { refId, datasource: RECON_DATASOURCE, rawSQL: dedent(rawSQL), format };
}
