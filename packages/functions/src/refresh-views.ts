/**
 * Lambda handler of the view refresher, invoked by the `recon-mv-refresh` rule (the
 * `mvRefreshSchedule` setting's default, seed phase 4 §3.7): refreshes the reporting materialized
 * views so dashboards that read them directly (Grafana) show the anomaly triage done since the
 * last run. The pipeline, the reports and the local dashboard refresh them on their own.
 */
import { refreshReportingViews } from '../../core/src/reporting/refresh.ts';
import { REFRESH_VIEWS, taskHandler } from './handler.ts';

export const handler = taskHandler(REFRESH_VIEWS, (rt) => refreshReportingViews(rt.warehouse));
