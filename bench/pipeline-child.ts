/**
 * One measured pipeline run, in its own process so its peak RSS is its own: opens the product on
 * the connections given, runs the state-machine definition locally for each date (the last one is
 * the measured run), then builds the daily report. Prints one JSON line with the timings of the
 * last run.
 *
 * Input: a JSON argument `{ env, dates: [{ reconDate, asOf }] }`.
 */
import { performance } from 'node:perf_hooks';
import { openApp } from '../packages/core/src/app.ts';
import {
  type LocalHandlerName,
  localHandlers,
  runPipeline,
} from '../packages/core/src/pipeline/local-runner.ts';
import type {
  LoadResult,
  MatchOutcome,
  PartitionResult,
  RunSummary,
} from '../packages/core/src/pipeline/tasks.ts';
import { buildDailyReport } from '../packages/core/src/reports/daily.ts';
import type { Partition } from '../packages/core/src/sources/types.ts';

interface ChildInput {
  env: Record<string, string>;
  dates: { reconDate: string; asOf: string }[];
}

/** What one measured run reports back. */
export interface ChildResult {
  /** Seconds per product phase. */
  phases: Record<string, number>;
  /** Inside extraction (summed over partitions, which overlap) and the load, seconds. */
  detail: Record<string, number>;
  /** The run itself (state machine start to end), seconds. */
  pipelineSeconds: number;
  /** Pipeline plus the daily report. */
  endToEndSeconds: number;
  /** Rows extracted per source table. */
  extracted: Record<string, number>;
  /** The partitions the measured run extracted (the floor moves the same rows). */
  partitions: Partition[];
  peakRssMb: number;
  status: string;
  /** Total seconds of the earlier (unmeasured) dates. */
  warmupSeconds: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const app = await openApp({ env: { ...input.env } });
try {
  let warmupSeconds = 0;
  let result: ChildResult | undefined;
  for (const [i, date] of input.dates.entries()) {
    const last = i === input.dates.length - 1;
    const busy: Partial<Record<LocalHandlerName, number>> = {};
    let extractFirst = Infinity;
    let extractLast = 0;
    let match: MatchOutcome | undefined;
    let load: LoadResult | undefined;
    let partitions: Partition[] = [];
    const detail: Record<string, number> = {};
    const base = localHandlers(app.runtime);
    const handlers = Object.fromEntries(
      (Object.keys(base) as LocalHandlerName[]).map((name) => [
        name,
        async (taskInput: unknown) => {
          const started = performance.now();
          try {
            const out = await base[name](taskInput);
            if (name === 'MatchLevels') match = out as MatchOutcome;
            if (name === 'LoadStaging') load = out as LoadResult;
            if (name === 'PlanExtraction') partitions = (out as { partitions: Partition[] }).partitions;
            if (name === 'ExtractPartition') {
              for (const [k, v] of Object.entries((out as PartitionResult).seconds)) {
                detail[`extract_${k}`] = (detail[`extract_${k}`] ?? 0) + v;
              }
            }
            return out;
          } finally {
            const ended = performance.now();
            busy[name] = (busy[name] ?? 0) + (ended - started) / 1000;
            if (name === 'ExtractPartition') {
              extractFirst = Math.min(extractFirst, started);
              extractLast = Math.max(extractLast, ended);
            }
          }
        },
      ]),
    );
    const started = performance.now();
    const outcome = await runPipeline(app.runtime, date, { handlers });
    const pipelineSeconds = (performance.now() - started) / 1000;
    if (outcome.status === 'FAILED') {
      throw new Error(
        `run of ${date.reconDate} failed at ${outcome.failedStep}: ${outcome.error}: ${outcome.cause}`,
      );
    }
    if (!last) {
      warmupSeconds += pipelineSeconds;
      continue;
    }
    const reportStarted = performance.now();
    await buildDailyReport(app.warehouse, { date: date.reconDate, refresh: false });
    const reportSeconds = (performance.now() - reportStarted) / 1000;
    const summary: RunSummary = outcome.summary;
    const s = (n: LocalHandlerName) => busy[n] ?? 0;
    const phases: Record<string, number> = {
      extract_standardize: extractLast > extractFirst ? (extractLast - extractFirst) / 1000 : 0,
      load: s('LoadStaging'),
      dq: s('DataQualityPreChecks') + s('DataQualityPostChecks'),
      l1: match?.seconds.L1 ?? 0,
      l2: match?.seconds.L2 ?? 0,
      l3: match?.seconds.L3 ?? 0,
      facts: match?.seconds.facts ?? 0,
      anomalies: s('AnomalyScan'),
      view_refresh: s('RefreshReporting'),
      reports: reportSeconds,
      other: s('StartRun') + s('PlanExtraction') + s('AdvanceWatermarks') + s('RecordRun') + s('SendAlerts'),
    };
    // Matching's own overhead (the lock, the failed-dates query) beside the levels and facts.
    phases.other! += Math.max(0, s('MatchLevels') - phases.l1! - phases.l2! - phases.l3! - phases.facts!);
    for (const [k, v] of Object.entries(load?.seconds ?? {})) detail[`load_${k}`] = v;
    result = {
      phases,
      detail,
      pipelineSeconds,
      endToEndSeconds: pipelineSeconds + reportSeconds,
      partitions,
      extracted: Object.fromEntries(summary.tables.map((t) => [`${t.source}.${t.table}`, t.extracted])),
      peakRssMb: 0,
      status: outcome.status,
      warmupSeconds,
    };
  }
  result!.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await app.close();
}
