/**
 * Human output of the CLI: run summaries as tables, progress on a terminal.
 */
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { Decimal } from 'decimal.js';
import type { PipelineProgress } from '../pipeline/local-runner.ts';
import { ANOMALY_NAMES } from '../anomalies/types.ts';
import type { DqResult } from '../dq/types.ts';
import type { RunSummary } from '../pipeline/tasks.ts';
import type { LevelSummary } from '../reconcile/types.ts';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The per-table rows summary of one run. */
export function renderRunSummary(s: RunSummary): string {
  const table = new Table({
    head: [
      'table',
      'staging table',
      'extracted',
      'standardized',
      'soft-deleted',
      'non-USD',
      'dead-lettered',
      'loaded',
      'removed',
    ],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const t of s.tables) {
    table.push([
      `${t.source}.${t.table}`,
      t.stagingTable,
      fmt(t.extracted),
      fmt(t.standardized),
      fmt(t.softDeleted),
      fmt(t.nonUsd),
      fmt(t.deadLettered),
      fmt(t.loaded),
      fmt(t.deleted),
    ]);
  }
  const x = s.totals;
  table.push([
    'total',
    '',
    fmt(x.extracted),
    fmt(x.standardized),
    fmt(x.softDeleted),
    fmt(x.nonUsd),
    fmt(x.deadLettered),
    fmt(x.loaded),
    fmt(x.deleted),
  ]);
  const phases = Object.entries(s.phases)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(' · ');
  return [
    `Run ${s.runId} for business date ${s.reconDate} (as of ${s.asOf}): ${s.status} in ${s.durationSeconds.toFixed(1)} s`,
    `Phases: ${phases}`,
    table.toString(),
  ].join('\n');
}

const STATE_LABELS: Record<string, string> = {
  PlanExtraction: 'plan extraction',
  ExtractPartitions: 'extract + standardize',
  LoadStaging: 'load staging',
  AdvanceWatermarks: 'advance watermarks',
  DataQualityPreChecks: 'data-quality checks',
  RecordHalt: 'record halt',
  MatchLevels: 'match levels 1–3 + facts',
  DataQualityPostChecks: 'match-rate checks',
  AnomalyScan: 'anomaly scan',
  RecordRun: 'record run',
  RecordFailure: 'record failure',
};

/**
 * A progress reporter: a bar for the partitions when stderr is a terminal, plain lines otherwise.
 * Returns the callback and a function to stop any bar.
 */
export function progressReporter(
  write: (text: string) => void,
  terminal?: NodeJS.WriteStream,
): {
  onProgress: (e: PipelineProgress) => void;
  stop: () => void;
} {
  const tty = Boolean(terminal?.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  const started = new Map<string, number>();
  const line = (text: string) => {
    if (bar) bar.stop();
    bar = undefined;
    write(`${text}\n`);
  };
  return {
    onProgress(e) {
      const label = STATE_LABELS[e.state] ?? e.state;
      if (e.type === 'state-entered') {
        if (!STATE_LABELS[e.state]) return;
        started.set(e.state, Date.now());
        if (e.state === 'ExtractPartitions' && tty) {
          bar = new cliProgress.SingleBar(
            {
              format: '  extract + standardize [{bar}] {value}/{total} partitions',
              stream: terminal,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(1, 0);
        } else line(`  ▸ ${label} …`);
      } else if (e.type === 'state-exited') {
        if (!STATE_LABELS[e.state]) return;
        const ms = Date.now() - (started.get(e.state) ?? Date.now());
        if (bar) bar.stop();
        bar = undefined;
        line(`  ✓ ${label} (${(ms / 1000).toFixed(1)} s)`);
      } else if (e.type === 'partition-done') {
        if (bar) {
          bar.setTotal(e.total ?? 1);
          bar.update(e.done ?? 0);
        } else if (e.done === e.total || (e.done ?? 0) % 10 === 0) {
          write(`    ${e.done}/${e.total} partitions\n`);
        }
      } else if (e.type === 'state-retried') {
        line(`  ↻ ${label}: retry ${e.attempt ?? ''}`);
      } else if (e.type === 'state-failed') {
        line(`  ✗ ${label}: ${e.error ?? ''}`);
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

const pct = (rate: string | null) => (rate === null ? '—' : `${rate} %`);

/** Level 1–3 figures: total, matched, rate and the count per status. */
export function renderLevels(levels: readonly LevelSummary[]): string {
  const table = new Table({
    head: ['level', 'total', 'matched', 'rate', 'by status'],
    colAligns: ['left', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const l of levels) {
    const statuses = Object.entries(l.byStatus)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${fmt(n)}`)
      .join(' · ');
    table.push([l.level, fmt(l.total), fmt(l.matched), pct(l.matchRate), statuses || '—']);
  }
  return table.toString();
}

/** Data-quality results: check, table, status, measured, threshold, detail. */
export function renderDq(results: readonly DqResult[]): string {
  const table = new Table({
    head: ['check', 'table', 'status', 'measured', 'threshold', 'detail'],
    colWidths: [18, 28, 8, 12, 26, 60],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of results) {
    table.push([
      `${r.checkId} ${r.checkName}`,
      r.tableName,
      r.status,
      r.measuredValue ?? '—',
      r.threshold ?? '—',
      r.detail,
    ]);
  }
  return table.toString();
}

/** The whole human summary of a run: header, levels, DQ, rows per table. */
export function renderRun(s: RunSummary): string {
  const parts = [renderRunSummary(s)];
  if (s.levels.length) {
    const w = s.window
      ? ` (re-evaluated ${s.window.fromDate} … ${s.window.toDate}${
          s.window.skipped.length ? `, left out after failed checks: ${s.window.skipped.join(', ')}` : ''
        })`
      : '';
    parts.push(`Reconciliation of ${s.reconDate}${w}:`, renderLevels(s.levels));
  }
  if (s.dq.length) parts.push('Data quality:', renderDq(s.dq));
  if (s.anomalies) {
    const a = s.anomalies;
    const changes = a.applied
      ? ` (this run: ${a.applied.detected} new, ${a.applied.escalated} escalated, ${a.applied.autoResolved} auto-resolved, ${a.applied.reopened} re-opened)`
      : '';
    // The average is exact in the summary (and --json); one decimal is enough to read.
    const average = a.average30d === null ? null : new Decimal(a.average30d).toFixed(1);
    const spike = a.spike
      ? ` · SPIKE: more than the multiplier × the 30-day average ${average}`
      : average !== null
        ? ` · 30-day average ${average}`
        : '';
    parts.push(
      `Anomalies of ${s.reconDate}: ${fmt(a.total)}${changes}${spike} · open in all: ${fmt(a.openTotal)}`,
      renderAnomalyCounts(a.byType, ANOMALY_NAMES),
    );
  }
  return parts.join('\n');
}

/** One line per day for the demo: L1/L2/L3 match rates. */
export function ratesLine(s: RunSummary): string {
  const r = (level: string) => pct(s.levels.find((l) => l.level === level)?.matchRate ?? null);
  return `${s.reconDate}: L1 ${r('L1')} · L2 ${r('L2')} · L3 ${r('L3')}`;
}

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

/** Anomaly counts: one row per type, one column per severity, and a total. */
export function renderAnomalyCounts(
  byType: Record<string, Record<string, number>>,
  names: Record<string, string>,
): string {
  const table = new Table({
    head: ['type', ...SEVERITY_ORDER, 'total'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  const totals: Record<string, number> = {};
  for (const type of Object.keys(byType).sort()) {
    const row = byType[type]!;
    const counts = SEVERITY_ORDER.map((s) => row[s] ?? 0);
    SEVERITY_ORDER.forEach((s, i) => {
      totals[s] = (totals[s] ?? 0) + counts[i]!;
    });
    table.push([
      `${type} ${names[type] ?? ''}`.trim(),
      ...counts.map(fmt),
      fmt(counts.reduce((a, b) => a + b, 0)),
    ]);
  }
  const all = SEVERITY_ORDER.map((s) => totals[s] ?? 0);
  table.push(['total', ...all.map(fmt), fmt(all.reduce((a, b) => a + b, 0))]);
  return table.toString();
}
