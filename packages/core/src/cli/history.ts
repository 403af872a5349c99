/**
 * `recon runs [--date D] [--status S] [--limit N] [--json]` and
 * `recon dead-letters --date D [--table T] [--limit N] [--json]`: the run records (status, the
 * failed step and its error, rows, match rates) and the rows dead-lettered for a business date
 * (reason and raw row) — what an operator looks at first when a run failed or raised
 * DEAD_LETTERS. Read only: they work for the read-only group too.
 */
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import { SOURCE_TABLES } from '../sources/spec.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { Io } from './main.ts';
import { dateOption, withApp } from './options.ts';
import { EXIT } from './run-commands.ts';

const MODEL = 'runs/run_history.sql';
const STATUSES = ['SUCCEEDED', 'FAILED', 'FAILED_DQ'] as const;

function statusArg(value: string): string {
  const status = value.toUpperCase();
  if (!(STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError(`--status must be one of ${STATUSES.join(', ')}, got "${value}"`);
  }
  return status;
}

function tableArg(value: string): string {
  if (!SOURCE_TABLES.some((t) => t.table === value)) {
    throw new InvalidArgumentError(
      `--table must be a source table (${SOURCE_TABLES.map((t) => t.table).join(', ')}), got "${value}"`,
    );
  }
  return value;
}

function limitArg(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
    throw new InvalidArgumentError(`--limit must be a whole number from 1 to 1000, got "${value}"`);
  }
  return Number(value);
}

type RunRow = {
  run_id: string;
  recon_date: string;
  status: string;
  failed_step: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string;
  duration_seconds: string | number | null;
  rows_extracted: string | null;
  rows_loaded: string | null;
  rows_dead_lettered: string | null;
  l1_match_rate: string | null;
  l2_match_rate: string | null;
  l3_match_rate: string | null;
  total_anomalies_detected: string | null;
};

type DeadLetterRow = {
  table_name: string;
  source_pk: string | null;
  source_version: string | null;
  reason: string;
  run_id: string;
  created_at: string;
  raw_row: string;
};

const dash = (v: unknown) => (v === null || v === undefined ? '—' : String(v));
const utc = (text: string) => `${text.slice(0, 19)}`;
const rate = (v: string | null) => (v === null ? '—' : `${v}%`);

/** The run records as a table; a failed run's step and error on its own line below the table. */
export function renderRuns(rows: readonly RunRow[]): string {
  if (rows.length === 0) return 'No run recorded.';
  const table = new Table({
    head: [
      'run',
      'date',
      'status',
      'started (UTC)',
      'seconds',
      'loaded',
      'dead letters',
      'L1',
      'L2',
      'L3',
      'anomalies',
    ],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.run_id,
      r.recon_date,
      r.status,
      utc(r.started_at),
      dash(r.duration_seconds),
      dash(r.rows_loaded),
      dash(r.rows_dead_lettered),
      rate(r.l1_match_rate),
      rate(r.l2_match_rate),
      rate(r.l3_match_rate),
      dash(r.total_anomalies_detected),
    ]);
  }
  const failures = rows
    .filter((r) => r.status !== 'SUCCEEDED')
    .map((r) => `${r.run_id} ${r.status} in ${dash(r.failed_step)}: ${dash(r.error_message)}`);
  return [table.toString(), ...failures].join('\n');
}

/** The dead letters as a table (raw rows cut to 80 characters; whole with --json). */
export function renderDeadLetters(rows: readonly DeadLetterRow[], total: number, date: string): string {
  if (total === 0) return `No row was dead-lettered for ${date}.`;
  const table = new Table({
    head: ['table', 'key', 'version', 'reason', 'raw row'],
    colWidths: [null, null, null, 40, 60],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const raw = r.raw_row.length > 80 ? `${r.raw_row.slice(0, 80)}…` : r.raw_row;
    table.push([
      r.table_name,
      dash(r.source_pk),
      r.source_version ? utc(r.source_version) : '—',
      r.reason,
      raw,
    ]);
  }
  const shown = rows.length < total ? ` (${rows.length} shown; --limit for more)` : '';
  return `${table.toString()}\n${total} row(s) dead-lettered for ${date}${shown}.`;
}

/** Register `recon runs` and `recon dead-letters`; each action reports its exit code through `setExit`. */
export function registerHistoryCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('runs')
    .description('Recorded pipeline runs, newest first: status, failed step and error, rows, match rates.')
    .option('--date <date>', 'only runs of this business date', dateOption('--date'))
    .option('--status <status>', STATUSES.join(', '), statusArg)
    .option('--limit <n>', 'at most this many runs (default 20)', limitArg, 20)
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { date?: string; status?: string; limit: number; json?: boolean }) => {
      await withApp(io, async (app) => {
        const rows = await app.warehouse.query<RunRow>(modelSteps(MODEL)('runs'), {
          reconDate: opts.date ?? null,
          status: opts.status ?? null,
          limit: String(opts.limit),
        });
        io.out(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${renderRuns(rows)}\n`);
        setExit(EXIT.OK);
      });
    });

  program
    .command('dead-letters')
    .description(
      'Rows of a business date that could not be standardized: table, key, version, reason, raw row.',
    )
    .requiredOption('--date <date>', 'business date YYYY-MM-DD', dateOption('--date'))
    .option('--table <table>', 'only this source table (t_order, t_order_pay, …)', tableArg)
    .option('--limit <n>', 'at most this many rows (default 50)', limitArg, 50)
    .option('--json', 'print the rows as JSON (raw rows whole)')
    .action(async (opts: { date: string; table?: string; limit: number; json?: boolean }) => {
      await withApp(io, async (app) => {
        const params = { reconDate: opts.date, tableName: opts.table ?? null };
        const sql = modelSteps(MODEL);
        const rows = await app.warehouse.query<DeadLetterRow>(sql('dead_letters'), {
          ...params,
          limit: String(opts.limit),
        });
        const [count] = await app.warehouse.query<{ n: string }>(sql('dead_letter_count'), params);
        const total = Number(count?.n ?? 0);
        io.out(
          opts.json
            ? `${JSON.stringify({ reconDate: opts.date, total, rows }, null, 2)}\n`
            : `${renderDeadLetters(rows, total, opts.date)}\n`,
        );
        setExit(EXIT.OK);
      });
    });
}
