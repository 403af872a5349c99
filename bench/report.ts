/**
 * The benchmark's figures: medians and spreads over the runs of a size, and the two files it
 * writes — `results.json` (one object per size) and `RESULTS.md`. Sizes measured by an earlier
 * invocation are kept unless this one measured them again, so sizes can be run separately.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FloorResult } from './floor.ts';
import type { ChildResult } from './pipeline-child.ts';
import type { PhaseComparison } from './seed-compare.ts';

/** The phases reported, in pipeline order. */
export const PHASES = [
  'extract_standardize',
  'load',
  'dq',
  'l1',
  'l2',
  'l3',
  'facts',
  'anomalies',
  'view_refresh',
  'reports',
  'other',
] as const;

/** Machine the figures were measured on. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  versions: Record<string, string>;
}

/** One size's figures (an object of results.json). */
export interface SizeResult {
  orders_per_day: number;
  days: number;
  /** Source rows (all tables, all days generated). */
  source_rows: number;
  source_rows_by_table: Record<string, number>;
  /** Rows the measured run extracted. */
  rows_extracted: number;
  /** Seconds to generate the sources; null when sources kept from an earlier invocation were reused. */
  generation_s: number | null;
  runs: number;
  end_to_end_s: number;
  end_to_end_spread_s: [number, number];
  floor_s: number;
  floor_spread_s: [number, number];
  ratio_to_floor: number;
  peak_rss_mb: number;
  /** Median seconds per phase. */
  phases: Record<string, number>;
  phases_spread_s: Record<string, [number, number]>;
  /** Inside extraction (summed over the overlapping partitions) and the load, median seconds. */
  phase_detail: Record<string, number>;
  /** Microseconds of end-to-end time per order. */
  time_per_order_us: number;
  /** Seed time ÷ product time per phase; null when the seed's statement hit the limit or was not run. */
  seed_comparison: Record<string, number | null> | null;
  seed_details: Record<string, PhaseComparison> | null;
  measured_at: string;
  machine?: Machine;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: Machine;
  sizes: SizeResult[];
  embedded: { args: string; seconds: number; peakRssMb: number }[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** The figures of one size from its runs. */
export function summarize(input: {
  ordersPerDay: number;
  days: number;
  sourceRows: Record<string, number>;
  generationSeconds: number | null;
  runs: ChildResult[];
  floors: FloorResult[];
  seedComparison: Record<string, PhaseComparison> | null;
}): SizeResult {
  const e2e = input.runs.map((r) => r.endToEndSeconds);
  const floors = input.floors.map((f) => f.seconds);
  const phases: Record<string, number> = {};
  const phasesSpread: Record<string, [number, number]> = {};
  for (const p of PHASES) {
    const xs = input.runs.map((r) => r.phases[p] ?? 0);
    phases[p] = round(median(xs));
    phasesSpread[p] = spread(xs).map((x) => round(x)) as [number, number];
  }
  const detail: Record<string, number> = {};
  for (const k of new Set(input.runs.flatMap((r) => Object.keys(r.detail ?? {})))) {
    detail[k] = round(median(input.runs.map((r) => r.detail?.[k] ?? 0)));
  }
  const endToEnd = median(e2e);
  const floor = median(floors);
  return {
    orders_per_day: input.ordersPerDay,
    days: input.days,
    source_rows: Object.values(input.sourceRows).reduce((a, b) => a + b, 0),
    source_rows_by_table: input.sourceRows,
    rows_extracted: Object.values(input.runs[0]?.extracted ?? {}).reduce((a, b) => a + b, 0),
    generation_s: input.generationSeconds === null ? null : round(input.generationSeconds, 1),
    runs: input.runs.length,
    end_to_end_s: round(endToEnd),
    end_to_end_spread_s: spread(e2e).map((x) => round(x)) as [number, number],
    floor_s: round(floor),
    floor_spread_s: spread(floors).map((x) => round(x)) as [number, number],
    ratio_to_floor: round(endToEnd / floor),
    peak_rss_mb: Math.max(...input.runs.map((r) => r.peakRssMb)),
    phases,
    phases_spread_s: phasesSpread,
    phase_detail: detail,
    time_per_order_us: round((endToEnd / input.ordersPerDay) * 1e6, 1),
    seed_comparison: input.seedComparison
      ? Object.fromEntries(
          Object.entries(input.seedComparison).map(([k, v]) => [k, v.ratio === null ? null : round(v.ratio)]),
        )
      : null,
    seed_details: input.seedComparison,
    measured_at: new Date().toISOString(),
  };
}

/** Sizes of an earlier results.json that this report did not measure again. */
export function earlierSizes(file: string, measured: readonly SizeResult[]): SizeResult[] {
  if (!existsSync(file)) return [];
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as SizeResult[];
    if (!Array.isArray(old)) return [];
    const now = new Set(measured.map((s) => s.orders_per_day));
    return old.filter((s) => typeof s?.orders_per_day === 'number' && !now.has(s.orders_per_day));
  } catch {
    return [];
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const s1 = (x: number) => x.toFixed(1);

/** RESULTS.md and results.json of `report` (sizes sorted ascending). */
export function renderResults(report: BenchReport): { markdown: string; json: SizeResult[] } {
  const sizes = [...report.sizes].sort((a, b) => a.orders_per_day - b.orders_per_day);
  const m = report.machine;
  const lines: string[] = [
    '# Benchmark results',
    '',
    `Written by \`${report.command}\` (${report.startedAt} – ${report.finishedAt}). Sizes measured by an`,
    'earlier invocation keep their own date and machine (column "measured").',
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory; ${Object.entries(m.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    'Each size: sources generated into MariaDB, then per run a fresh PostgreSQL warehouse and the',
    'whole pipeline of the last day through the local state machine (extract, standardize, stage,',
    'load, data quality, Levels 1–3, facts, anomalies, view refresh) plus the daily report, in a',
    'child process whose peak RSS is reported. The floor streams the same source rows (the',
    "measured run's partitions, read with the product's own query) out of MariaDB and COPYs them",
    'into PostgreSQL with nothing else. Figures are medians over the runs, with [min – max].',
    '',
    '## Summary',
    '',
    '| orders/day | source rows | runs | end to end (s) | floor (s) | ÷ floor | µs per order | peak RSS (MB) | measured |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...sizes.map(
      (r) =>
        `| ${n(r.orders_per_day)} | ${n(r.source_rows)} | ${r.runs} | ${s1(r.end_to_end_s)} [${s1(r.end_to_end_spread_s[0])} – ${s1(r.end_to_end_spread_s[1])}] | ${s1(r.floor_s)} [${s1(r.floor_spread_s[0])} – ${s1(r.floor_spread_s[1])}] | ${r.ratio_to_floor.toFixed(2)} | ${r.time_per_order_us.toFixed(1)} | ${n(r.peak_rss_mb)} | ${r.measured_at.slice(0, 16)} |`,
    ),
    '',
    '## Phases (seconds, and source rows per second)',
    '',
    `| orders/day | ${PHASES.join(' | ')} |`,
    `| ---: | ${PHASES.map(() => '---:').join(' | ')} |`,
    ...sizes.map(
      (r) =>
        `| ${n(r.orders_per_day)} | ${PHASES.map((p) => {
          const secs = r.phases[p] ?? 0;
          const rate = secs > 0 ? ` (${n(Math.round(r.rows_extracted / secs))}/s)` : '';
          const [lo, hi] = r.phases_spread_s[p] ?? [secs, secs];
          return `${secs.toFixed(2)} [${lo.toFixed(2)}–${hi.toFixed(2)}]${rate}`;
        }).join(' | ')} |`,
    ),
    '',
    'Inside extraction (seconds summed over partitions, which run four at a time) and the load:',
    '',
    ...sizes.map(
      (r) =>
        `- ${n(r.orders_per_day)}: ${Object.entries(r.phase_detail ?? {})
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')}`,
    ),
    '',
    '## Scaling',
    '',
    '| orders/day | µs per order | vs the size before |',
    '| ---: | ---: | ---: |',
    ...sizes.map(
      (r, i) =>
        `| ${n(r.orders_per_day)} | ${r.time_per_order_us.toFixed(1)} | ${i === 0 ? '—' : `${(r.time_per_order_us / sizes[i - 1]!.time_per_order_us).toFixed(2)} ×`} |`,
    ),
    '',
    '## Rows per source table',
    '',
  ];
  const tables = [...new Set(sizes.flatMap((r) => Object.keys(r.source_rows_by_table)))];
  lines.push(`| table | ${sizes.map((r) => n(r.orders_per_day)).join(' | ')} |`);
  lines.push(`| --- | ${sizes.map(() => '---:').join(' | ')} |`);
  for (const t of tables) {
    lines.push(`| ${t} | ${sizes.map((r) => n(r.source_rows_by_table[t] ?? 0)).join(' | ')} |`);
  }
  const compared = sizes.filter((r) => r.seed_details);
  if (compared.length > 0) {
    lines.push('', "## Against the seed design's SQL", '');
    lines.push('Same engine, same data; ratio = seed time ÷ product time.', '');
    lines.push('| orders/day | phase | seed (s) | product (s) | ratio | seed rows | product rows | note |');
    lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const r of compared) {
      for (const [phase, c] of Object.entries(r.seed_details!)) {
        lines.push(
          `| ${n(r.orders_per_day)} | ${phase} | ${c.seedSeconds === null ? '—' : c.seedSeconds.toFixed(2)} | ${c.productSeconds.toFixed(2)} | ${c.ratio === null ? c.note : `${c.ratio.toFixed(1)} ×`} | ${c.seedRows === null ? '—' : n(c.seedRows)} | ${n(c.productRows)} | ${c.note} |`,
        );
      }
    }
  }
  if (report.embedded.length > 0) {
    lines.push('', '## Embedded (PGlite): `recon demo`', '');
    lines.push('| arguments | wall (s) | peak RSS (MB) |', '| --- | ---: | ---: |');
    for (const e of report.embedded) lines.push(`| ${e.args} | ${s1(e.seconds)} | ${n(e.peakRssMb)} |`);
  }
  lines.push('');
  return { markdown: lines.join('\n'), json: sizes };
}
