/**
 * `recon aws run|backfill|executions|redrive`: operate the pipeline deployed to AWS for a stage.
 * The state machine is found from the stage's CloudFormation outputs; the work is done by
 * `../aws/*`, this module only wires options to it and renders the results.
 *
 * Output: progress on stderr as it happens, results on stdout (`--json`: one JSON document).
 * Exit codes as everywhere: 0 ok, 1 failure, 2 usage error, 3 halted by data quality.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type BackfillEvent,
  type BackfillResult,
  checkBackfillRange,
  DEFAULT_BACKFILL_CONCURRENCY,
  MAX_BACKFILL_CONCURRENCY,
  runAwsBackfill,
} from '../aws/backfill.ts';
import {
  DQ_HALT_ERROR,
  EXECUTION_STATUSES,
  type ExecutionSummary,
  type FollowResult,
  followExecution,
  listPipelineExecutions,
  reconDateOf,
  redrivePipelineExecution,
  resolveExecutionArn,
  startPipelineExecution,
} from '../aws/executions.ts';
import type { StateOutcome, StateRun } from '../aws/history.ts';
import { type Clock, SYSTEM_CLOCK } from '../aws/sdk.ts';
import { findStateMachineArn, parseStage } from '../aws/stack.ts';
import { UsageError } from '../errors.ts';
import { formatTimestamp, parseDateArg, parseInstantArg } from '../time.ts';
import type { Io } from './main.ts';
import { EXIT } from './run-commands.ts';

/** Replaceable parts of the AWS commands (tests pass mocked clients and a virtual clock). */
export interface AwsSeams {
  sfn?: SFNClient;
  cloudFormation?: CloudFormationClient;
  clock?: Clock;
}

/** An `Io` that may carry {@link AwsSeams}; without them, real clients and the real clock. */
export type AwsIo = Io & { aws?: AwsSeams };

/** Longest `--timeout`, a day: a run takes minutes, and history page tokens expire after 24 h. */
const MAX_TIMEOUT_MINUTES = 1440;
const DEFAULT_TIMEOUT_MINUTES = 120;
const MAX_LIST_LIMIT = 1000;

/** Commander parser from a validator that throws UsageError. */
function checked<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

function parseRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) {
    throw new InvalidArgumentError(`invalid --region "${value}": expected a region name such as us-east-1`);
  }
  return value;
}

function parseStatus(value: string): ExecutionStatus {
  const v = value.trim().toUpperCase().replaceAll('-', '_');
  const found = EXECUTION_STATUSES.find((s) => s === v);
  if (!found) throw new InvalidArgumentError(`--status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  return found;
}

/** The `--as-of` value as sent in the input: ISO-8601 UTC; refused when in the future. */
function asOfArg(value: string | undefined, clock: Clock): string | undefined {
  if (value === undefined) return undefined;
  const at = parseInstantArg(value, '--as-of');
  if (at.getTime() > clock.now()) {
    throw new UsageError(
      `--as-of ${at.toISOString()} is in the future: a run reads only what exists at its as-of`,
    );
  }
  return at.toISOString();
}

/** `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function iterationsText(it: { total: number; succeeded: number; failed: number; aborted: number }): string {
  const parts = [`${it.succeeded} succeeded`];
  if (it.failed) parts.push(`${it.failed} failed`);
  if (it.aborted) parts.push(`${it.aborted} aborted`);
  return `${it.total} iteration${it.total === 1 ? '' : 's'} (${parts.join(', ')})`;
}

type Detail = Pick<StateOutcome, 'retries' | 'retriedOn' | 'error' | 'iterations'>;

/** What was retried, unless it is just the error the state failed with in the end. */
function retriedText(s: Detail): string {
  const same = s.retriedOn.length === 1 && s.retriedOn[0] === s.error;
  return s.retriedOn.length && !same ? `retried on ${s.retriedOn.join(', ')}` : '';
}

function stateDetail(s: Detail): string {
  const parts: string[] = [];
  if (s.iterations) parts.push(iterationsText(s.iterations));
  if (s.retries) parts.push(`${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}`);
  parts.push(retriedText(s));
  if (s.error) parts.push(s.error);
  return parts.filter(Boolean).join(' · ');
}

const MARK: Record<string, string> = { SUCCEEDED: '✓', FAILED: '✗', ABORTED: '■', RUNNING: '…' };

/** One progress line for a state run that just ended. */
export function stateLine(run: StateRun): string {
  const duration = formatDuration(run.endedAt === null ? null : run.endedAt - run.enteredAt);
  const detail = stateDetail(run);
  return `  ${MARK[run.status] ?? '·'} ${run.name.padEnd(24)} ${run.status.padEnd(9)} ${duration.padStart(12)}${detail ? `  ${detail}` : ''}`;
}

/** The per-state table of a followed execution (states inside a Map indented, with their count). */
export function renderStates(states: readonly StateOutcome[]): string {
  const table = new Table({
    head: ['state', 'status', 'duration', 'retries', 'detail'],
    colAligns: ['left', 'left', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const s of states) {
    const name = s.parent ? `  ${s.name} ×${s.runs}` : s.runs > 1 ? `${s.name} ×${s.runs}` : s.name;
    const detail = [s.iterations ? iterationsText(s.iterations) : '', retriedText(s), s.error ?? '']
      .filter(Boolean)
      .join(' · ');
    table.push([name, s.status, formatDuration(s.durationMs), String(s.retries), detail || '—']);
  }
  return table.toString();
}

/**
 * The state that failed the execution: the first top-level state that failed, other than a Fail
 * state (a later one, such as RecordFailure failing too, is a consequence).
 */
function failedState(result: FollowResult): string | null {
  const failed = result.states.filter((s) => s.parent === null && s.status === 'FAILED' && s.type !== 'Fail');
  return failed[0]?.name ?? null;
}

/** Exit code of a followed execution: 0 SUCCEEDED, 3 halted by data quality, 1 anything else. */
export function exitCodeOf(result: FollowResult): number {
  if (result.timedOut || result.stopped) return EXIT.FAILURE;
  if (result.status === 'SUCCEEDED') return EXIT.OK;
  if (result.status === 'FAILED' && result.error === DQ_HALT_ERROR) return EXIT.DQ_HALT;
  return EXIT.FAILURE;
}

interface Target {
  stage: string;
  stateMachineArn: string;
}

/** The stable JSON document of `run`/`redrive`. */
function followDocument(target: Target, result: FollowResult, extra: Record<string, unknown>): unknown {
  const input = result.input as { runId?: unknown; asOf?: unknown } | null;
  return {
    stage: target.stage,
    stateMachineArn: target.stateMachineArn,
    executionArn: result.executionArn,
    name: result.name,
    runId: typeof input?.runId === 'string' ? input.runId : result.name,
    reconDate: reconDateOf(result.name, result.input),
    asOf: typeof input?.asOf === 'string' ? input.asOf : null,
    ...extra,
    status: result.status,
    followed: true,
    timedOut: result.timedOut,
    startDate: isoOrNull(result.startDate),
    stopDate: isoOrNull(result.stopDate),
    durationSeconds: seconds(result.durationMs),
    error: result.error,
    cause: result.cause,
    failedState: failedState(result),
    redriveCount: result.redriveCount,
    states: result.states.map((s) => ({
      name: s.name,
      type: s.type,
      parent: s.parent,
      status: s.status,
      runs: s.runs,
      durationSeconds: seconds(s.durationMs),
      retries: s.retries,
      retriedOn: s.retriedOn,
      error: s.error,
      iterations: s.iterations,
    })),
  };
}

/** Print the end of a followed execution; returns the exit code. */
function reportFollowed(
  io: Io,
  target: Target,
  result: FollowResult,
  opts: { json?: boolean; timeoutMinutes: number; label: string },
  extra: Record<string, unknown> = {},
): number {
  const date = reconDateOf(result.name, result.input) ?? 'unknown date';
  if (opts.json) io.out(`${JSON.stringify(followDocument(target, result, extra), null, 2)}\n`);
  else {
    const status = result.timedOut ? `still ${result.status}` : result.status;
    const took = result.durationMs === null ? '' : ` in ${formatDuration(result.durationMs)}`;
    io.out(`${opts.label} ${result.name} (${date}, stage ${target.stage}): ${status}${took}\n`);
    if (result.states.length) io.out(`${renderStates(result.states)}\n`);
  }
  const code = exitCodeOf(result);
  if (result.timedOut) {
    io.err(
      `error: execution ${result.name} is still ${result.status} after ${opts.timeoutMinutes} min; it goes on in AWS — see \`recon aws executions --stage ${target.stage}\`\n`,
    );
  } else if (code === EXIT.DQ_HALT) {
    io.err(
      `halted by data quality: execution ${result.name} for ${date}: ${result.cause ? oneLine(result.cause) : DQ_HALT_ERROR}\n`,
    );
  } else if (code !== EXIT.OK) {
    const where = failedState(result);
    io.err(
      `error: execution ${result.name} for ${date} ${result.status}${where ? ` in ${where}` : ''}: ${result.error ?? 'no error given'}${result.cause ? `: ${oneLine(result.cause)}` : ''}\n`,
    );
  }
  return code;
}

function oneLine(text: string, max = 500): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The AWS clients of one command: the seams, or new clients for the region; closed after. */
async function withAws<T>(
  io: AwsIo,
  region: string | undefined,
  fn: (aws: { sfn: SFNClient; cloudFormation: CloudFormationClient; clock: Clock }) => Promise<T>,
): Promise<T> {
  const config = region ? { region } : {};
  const sfn = io.aws?.sfn ?? new SFNClient(config);
  const cloudFormation = io.aws?.cloudFormation ?? new CloudFormationClient(config);
  try {
    return await fn({ sfn, cloudFormation, clock: io.aws?.clock ?? SYSTEM_CLOCK });
  } finally {
    // Only clients made here are ours to close.
    if (!io.aws?.sfn) sfn.destroy();
    if (!io.aws?.cloudFormation) cloudFormation.destroy();
  }
}

function renderExecutions(rows: readonly ExecutionSummary[]): string {
  if (rows.length === 0) return 'No executions.';
  const table = new Table({
    head: ['name', 'recon date', 'status', 'started (UTC)', 'duration'],
    colAligns: ['left', 'left', 'left', 'left', 'right'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const duration = formatDuration(r.durationMs);
    table.push([
      r.name,
      r.reconDate ?? '—',
      r.status,
      r.startDate === null ? '—' : formatTimestamp(r.startDate),
      r.stopDate === null && r.startDate !== null ? `${duration} so far` : duration,
    ]);
  }
  return table.toString();
}

function backfillLine(e: BackfillEvent): string {
  const x = e.entry;
  switch (e.type) {
    case 'skipped':
      return `  · ${e.date} already succeeded (${x.name ?? '—'})`;
    case 'following':
      return `  ↻ ${e.date} following ${x.name ?? x.executionArn ?? '—'}, still running from before`;
    case 'lost':
      return `  ! ${e.date} the execution recorded for it no longer exists; starting a new one`;
    case 'started':
      return `  ▸ ${e.date} started ${x.name ?? '—'}${x.executions > 1 ? ` (execution ${x.executions} for this date)` : ''}`;
    case 'finished': {
      const mark = x.status === 'SUCCEEDED' ? '✓' : '✗';
      const took = x.durationSeconds === null ? '' : ` in ${formatDuration(x.durationSeconds * 1000)}`;
      const why = x.error ? `: ${x.error}` : '';
      return `  ${mark} ${e.date} ${x.status}${took} (${x.name ?? '—'})${why}`;
    }
    case 'still-running':
      return `  … ${e.date} still RUNNING (${x.name ?? '—'}); run the same command again to keep following it`;
  }
}

function renderBackfill(result: BackfillResult): string {
  const table = new Table({
    head: ['date', 'status', 'execution', 'duration', 'error'],
    colAligns: ['left', 'left', 'left', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const [date, x] of Object.entries(result.progress.dates)) {
    table.push([
      date,
      x.status,
      x.name ?? '—',
      formatDuration(x.durationSeconds === null ? null : x.durationSeconds * 1000),
      x.error ?? '—',
    ]);
  }
  return table.toString();
}

/** Exit code of a backfill: 0 all succeeded; 3 every other date halted by data quality; 1 otherwise. */
export function backfillExitCode(result: BackfillResult): number {
  const bad = Object.values(result.progress.dates).filter((x) => x.status !== 'SUCCEEDED');
  if (bad.length === 0) return EXIT.OK;
  if (bad.every((x) => x.status === 'FAILED' && x.error === DQ_HALT_ERROR)) return EXIT.DQ_HALT;
  return EXIT.FAILURE;
}

const stageOption = () =>
  new Option('--stage <stage>', 'the deployed stage (SST stage name)')
    .makeOptionMandatory()
    .argParser(checked(parseStage));
const timeoutOption = () =>
  new Option(
    '--timeout <minutes>',
    `stop following an execution after this many minutes, 1–${MAX_TIMEOUT_MINUTES} (it goes on in AWS)`,
  )
    .default(DEFAULT_TIMEOUT_MINUTES)
    .argParser(wholeNumber('--timeout', 1, MAX_TIMEOUT_MINUTES));

/** Register `recon aws …` on `program`; each action reports its exit code through `setExit`. */
export function registerAwsCommands(program: Command, io: AwsIo, setExit: (code: number) => void): Command {
  const aws = program
    .command('aws')
    .description(
      'Operate the pipeline deployed to AWS: start, follow, backfill, list and redrive Step Functions executions of a stage.',
    )
    .addOption(
      new Option(
        '--region <region>',
        'AWS region (default: the SDK default — AWS_REGION, AWS_PROFILE …)',
      ).argParser(parseRegion),
    );
  const regionOf = (cmd: Command) => cmd.optsWithGlobals<{ region?: string }>().region;

  aws
    .command('run')
    .description('Start one execution for a business date and follow it to the end, state by state.')
    .requiredOption(
      '--date <date>',
      'business date YYYY-MM-DD',
      checked((v) => parseDateArg(v, '--date')),
    )
    .addOption(stageOption())
    .option(
      '--as-of <instant>',
      'ISO-8601 instant; nothing updated after it is read (default: the execution start)',
    )
    .option('--no-wait', 'start the execution and return without following it')
    .addOption(timeoutOption())
    .option('--json', 'print the result as one JSON document')
    .action(
      async (
        opts: { date: string; stage: string; asOf?: string; wait: boolean; timeout: number; json?: boolean },
        cmd: Command,
      ) => {
        await withAws(io, regionOf(cmd), async ({ sfn, cloudFormation, clock }) => {
          const asOf = asOfArg(opts.asOf, clock);
          const stateMachineArn = await findStateMachineArn(cloudFormation, opts.stage, clock);
          const target = { stage: opts.stage, stateMachineArn };
          const started = await startPipelineExecution(
            sfn,
            stateMachineArn,
            { reconDate: opts.date, ...(asOf === undefined ? {} : { asOf }) },
            clock,
          );
          if (!opts.json) {
            io.err(`recon aws run ${opts.date} · stage ${opts.stage} · execution ${started.name}\n`);
            io.err(`  ${started.executionArn}\n`);
          }
          if (!opts.wait) {
            if (opts.json) {
              io.out(
                `${JSON.stringify(
                  {
                    stage: opts.stage,
                    stateMachineArn,
                    executionArn: started.executionArn,
                    name: started.name,
                    runId: started.name,
                    reconDate: opts.date,
                    asOf: asOf ?? null,
                    status: 'RUNNING',
                    followed: false,
                    startDate: new Date(started.startDate).toISOString(),
                  },
                  null,
                  2,
                )}\n`,
              );
            } else
              io.out(`Started ${started.name} for ${opts.date} on stage ${opts.stage} (not followed).\n`);
            setExit(EXIT.OK);
            return;
          }
          const result = await followExecution(sfn, started.executionArn, {
            clock,
            timeoutMs: opts.timeout * 60_000,
            ...(opts.json ? {} : { onState: (run: StateRun) => io.err(`${stateLine(run)}\n`) }),
          });
          setExit(
            reportFollowed(io, target, result, { ...opts, timeoutMinutes: opts.timeout, label: 'Execution' }),
          );
        });
      },
    );

  aws
    .command('backfill')
    .description(
      'One execution per business date of a range, in date order, a few at a time; resumes where a stopped backfill left off.',
    )
    .requiredOption(
      '--from <date>',
      'first business date YYYY-MM-DD',
      checked((v) => parseDateArg(v, '--from')),
    )
    .requiredOption(
      '--to <date>',
      'last business date YYYY-MM-DD',
      checked((v) => parseDateArg(v, '--to')),
    )
    .addOption(stageOption())
    .addOption(
      new Option('--max-concurrency <n>', `executions running at once (1–${MAX_BACKFILL_CONCURRENCY})`)
        .default(DEFAULT_BACKFILL_CONCURRENCY)
        .argParser(wholeNumber('--max-concurrency', 1, MAX_BACKFILL_CONCURRENCY)),
    )
    .option('--as-of <instant>', 'ISO-8601 instant for every execution (default: each execution start)')
    .addOption(timeoutOption())
    .option('--json', 'print the progress document as JSON')
    .action(
      async (
        opts: {
          from: string;
          to: string;
          stage: string;
          maxConcurrency: number;
          asOf?: string;
          timeout: number;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        checkBackfillRange(opts.from, opts.to);
        await withAws(io, regionOf(cmd), async ({ sfn, cloudFormation, clock }) => {
          const asOf = asOfArg(opts.asOf, clock);
          const stateMachineArn = await findStateMachineArn(cloudFormation, opts.stage, clock);
          if (!opts.json) {
            io.err(
              `recon aws backfill ${opts.from} … ${opts.to} · stage ${opts.stage} · at most ${opts.maxConcurrency} at once\n`,
            );
          }
          const result = await runAwsBackfill(
            {
              stage: opts.stage,
              from: opts.from,
              to: opts.to,
              maxConcurrency: opts.maxConcurrency,
              timeoutMs: opts.timeout * 60_000,
              ...(asOf === undefined ? {} : { asOf }),
            },
            {
              client: sfn,
              stateMachineArn,
              clock,
              home: io.env.RECON_HOME ?? '.recon',
              ...(opts.json ? {} : { onEvent: (e: BackfillEvent) => io.err(`${backfillLine(e)}\n`) }),
            },
          );
          const code = backfillExitCode(result);
          const all = Object.values(result.progress.dates);
          const ok = all.filter((x) => x.status === 'SUCCEEDED').length;
          if (opts.json) io.out(`${JSON.stringify({ file: result.file, ...result.progress }, null, 2)}\n`);
          else {
            io.out(`${renderBackfill(result)}\n`);
            io.out(
              `Backfill ${opts.from} … ${opts.to} on stage ${opts.stage}: ${ok}/${all.length} date(s) succeeded\n`,
            );
          }
          if (code !== EXIT.OK) {
            io.err(
              `${all.length - ok} date(s) did not succeed; run the same command again to continue (progress: ${result.file})\n`,
            );
          }
          setExit(code);
        });
      },
    );

  aws
    .command('executions')
    .description('Recent executions of a stage, newest first: name, business date, status, start, duration.')
    .addOption(stageOption())
    .addOption(
      new Option('--limit <n>', `how many executions (1–${MAX_LIST_LIMIT})`)
        .default(20)
        .argParser(wholeNumber('--limit', 1, MAX_LIST_LIMIT)),
    )
    .addOption(
      new Option('--status <status>', `only ${EXECUTION_STATUSES.join(' | ')}`).argParser(parseStatus),
    )
    .option('--json', 'print the executions as JSON')
    .action(
      async (
        opts: { stage: string; limit: number; status?: ExecutionStatus; json?: boolean },
        cmd: Command,
      ) => {
        await withAws(io, regionOf(cmd), async ({ sfn, cloudFormation, clock }) => {
          const stateMachineArn = await findStateMachineArn(cloudFormation, opts.stage, clock);
          const rows = await listPipelineExecutions(sfn, stateMachineArn, {
            limit: opts.limit,
            clock,
            ...(opts.status ? { status: opts.status } : {}),
          });
          if (opts.json) {
            const executions = rows.map((r) => ({
              name: r.name,
              executionArn: r.executionArn,
              reconDate: r.reconDate,
              status: r.status,
              startDate: isoOrNull(r.startDate),
              stopDate: isoOrNull(r.stopDate),
              durationSeconds: seconds(r.durationMs),
            }));
            io.out(`${JSON.stringify({ stage: opts.stage, stateMachineArn, executions }, null, 2)}\n`);
          } else io.out(`${renderExecutions(rows)}\n`);
          setExit(EXIT.OK);
        });
      },
    );

  aws
    .command('redrive')
    .description(
      'Redrive a FAILED, TIMED_OUT or ABORTED execution from the state that failed, and follow it.',
    )
    .argument('<execution>', 'execution name (run id) or ARN')
    .addOption(stageOption())
    .option('--no-wait', 'redrive and return without following')
    .addOption(timeoutOption())
    .option('--json', 'print the result as one JSON document')
    .action(
      async (
        execution: string,
        opts: { stage: string; wait: boolean; timeout: number; json?: boolean },
        cmd: Command,
      ) => {
        await withAws(io, regionOf(cmd), async ({ sfn, cloudFormation, clock }) => {
          const stateMachineArn = await findStateMachineArn(cloudFormation, opts.stage, clock);
          const executionArn = resolveExecutionArn(stateMachineArn, execution, opts.stage);
          const redriven = await redrivePipelineExecution(sfn, executionArn, clock);
          const date = reconDateOf(redriven.name, redriven.input) ?? 'unknown date';
          if (!opts.json) {
            io.err(
              `recon aws redrive ${redriven.name} (${date}, was ${redriven.previousStatus}) · stage ${opts.stage} · redrive ${redriven.attempt}\n`,
            );
          }
          if (!opts.wait) {
            if (opts.json) {
              io.out(
                `${JSON.stringify(
                  {
                    stage: opts.stage,
                    stateMachineArn,
                    executionArn,
                    name: redriven.name,
                    reconDate: reconDateOf(redriven.name, redriven.input),
                    previousStatus: redriven.previousStatus,
                    redriveCount: redriven.attempt,
                    followed: false,
                  },
                  null,
                  2,
                )}\n`,
              );
            } else io.out(`Redriven ${redriven.name} (redrive ${redriven.attempt}, not followed).\n`);
            setExit(EXIT.OK);
            return;
          }
          const result = await followExecution(sfn, executionArn, {
            clock,
            timeoutMs: opts.timeout * 60_000,
            attempt: redriven.attempt,
            minRedriveCount: redriven.attempt,
            ...(opts.json ? {} : { onState: (run: StateRun) => io.err(`${stateLine(run)}\n`) }),
          });
          setExit(
            reportFollowed(
              io,
              { stage: opts.stage, stateMachineArn },
              result,
              { ...opts, timeoutMinutes: opts.timeout, label: 'Redriven execution' },
              { previousStatus: redriven.previousStatus },
            ),
          );
        });
      },
    );
  return aws;
}
