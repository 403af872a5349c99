/**
 * The commands that run the pipeline: `recon run`, `recon backfill`, and the read-only
 * `recon dq`. Each returns its exit code.
 */
import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import { type App } from '../app.ts';
import { runPostChecks, runPreChecks } from '../dq/checks.ts';
import type { DqResult } from '../dq/types.ts';
import { UsageError } from '../errors.ts';
import { type PipelineOutcome, runPipeline } from '../pipeline/local-runner.ts';
import { runRequestProblem } from '../pipeline/tasks.ts';
import { addDays, dateRange, formatTimestamp } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { Io } from './main.ts';
import { progressReporter, renderDq, renderRun } from './output.ts';

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, DQ_HALT: 3 } as const;

/** Refuse a run request that cannot be honoured, before anything runs. */
export async function checkRunRequest(app: App, date: string, asOf: string): Promise<void> {
  const problem = runRequestProblem(date, Date.parse(asOf), app.runtime.calendar);
  if (problem) throw new UsageError(problem);
  await app.checkSources();
}

function outcomeDocument(outcome: PipelineOutcome, date: string, asOf: string): unknown {
  switch (outcome.status) {
    case 'SUCCEEDED':
      return outcome.summary;
    case 'HALTED_DQ':
      return { ...outcome.summary, cause: outcome.cause };
    case 'FAILED':
      return {
        runId: outcome.runId,
        reconDate: date,
        asOf,
        status: 'FAILED',
        failedStep: outcome.failedStep,
        error: outcome.error,
        cause: outcome.cause,
      };
  }
}

/** Exit code of an outcome, after telling the user what happened (stderr). */
function report(outcome: PipelineOutcome, io: Io): number {
  if (outcome.status === 'SUCCEEDED') return EXIT.OK;
  if (outcome.status === 'HALTED_DQ') {
    const failed = outcome.summary.dq.filter((d) => d.status === 'FAIL');
    io.err(
      `halted by data quality: run ${outcome.runId} for ${outcome.summary.reconDate} did not match anything; ` +
        `${failed.map((f) => `${f.checkId} ${f.checkName} on ${f.tableName}: ${f.detail}`).join('; ')}\n`,
    );
    return EXIT.DQ_HALT;
  }
  if (outcome.error === 'RunInProgressError') {
    io.err(`error: run refused: ${outcome.cause}\n`);
    return EXIT.FAILURE;
  }
  io.err(
    `error: run ${outcome.runId} failed in ${outcome.failedStep ?? 'an unknown step'}: ${outcome.error}: ${outcome.cause}\n`,
  );
  return EXIT.FAILURE;
}

/** `recon run --date D [--as-of T] [--json]`. */
export async function runCommand(
  app: App,
  io: Io,
  opts: { date: string; asOf: string; json?: boolean },
): Promise<number> {
  await checkRunRequest(app, opts.date, opts.asOf);
  const progress = progressReporter(io.err, io.terminal);
  try {
    if (!opts.json) {
      io.err(`recon run ${opts.date} (as of ${opts.asOf})\n`);
      io.err(
        `  sources: ${app.describe.sources} · warehouse: ${app.describe.warehouse} · staging: ${app.describe.staging}\n`,
      );
    }
    const outcome = await runPipeline(
      app.runtime,
      { reconDate: opts.date, asOf: opts.asOf },
      opts.json ? {} : { onProgress: progress.onProgress },
    );
    progress.stop();
    if (opts.json) io.out(`${JSON.stringify(outcomeDocument(outcome, opts.date, opts.asOf), null, 2)}\n`);
    else if (outcome.status !== 'FAILED') io.out(`${renderRun(outcome.summary)}\n`);
    return report(outcome, io);
  } finally {
    progress.stop();
  }
}

/** `recon dq --date D [--json]`: the checks on the current warehouse contents; changes nothing. */
export async function dqCommand(
  app: App,
  io: Io,
  opts: { date: string; asOf: string; json?: boolean },
): Promise<number> {
  const ctx = {
    reconDate: opts.date,
    asOf: opts.asOf,
    settings: app.settings,
    calendar: app.runtime.calendar,
  };
  const results: DqResult[] = [
    ...(await runPreChecks(app.warehouse, ctx)),
    ...(await runPostChecks(app.warehouse, ctx)),
  ];
  if (opts.json) io.out(`${JSON.stringify({ reconDate: opts.date, asOf: opts.asOf, results }, null, 2)}\n`);
  else io.out(`Data quality of ${opts.date} (as of ${opts.asOf}):\n${renderDq(results)}\n`);
  const failed = results.filter((r) => r.status === 'FAIL');
  if (failed.length) {
    io.err(
      `${failed.length} check(s) FAIL: ${failed.map((f) => `${f.checkId} on ${f.tableName}`).join(', ')}\n`,
    );
    return EXIT.DQ_HALT;
  }
  return EXIT.OK;
}

type BackfillRow = {
  backfill_id: string;
  next_date: string;
  status: string;
};

/**
 * `recon backfill --from D1 --to D2`: one date at a time, in order, through the pipeline.
 * Progress is kept in `recon.etl_backfills`: started again with the same range after a stop, it
 * finishes the rest.
 */
export async function backfillCommand(
  app: App,
  io: Io,
  opts: { from: string; to: string; asOf: string; json?: boolean },
): Promise<number> {
  if (opts.from > opts.to)
    throw new UsageError(`reversed range: --from ${opts.from} is after --to ${opts.to}`);
  const days = dateRange(opts.from, opts.to).length;
  if (days > app.settings.backfillMaxDays) {
    throw new UsageError(
      `the range has ${days} days; a backfill covers at most backfillMaxDays = ${app.settings.backfillMaxDays}`,
    );
  }
  await checkRunRequest(app, opts.to, opts.asOf);
  const sql = modelSteps('runs/backfills.sql');
  const nowText = () => formatTimestamp(Date.now());
  const found = await app.warehouse.query<BackfillRow>(sql('find_unfinished'), {
    fromDate: opts.from,
    toDate: opts.to,
  });
  let backfillId: string;
  let start = opts.from;
  if (found[0]) {
    backfillId = found[0].backfill_id;
    start = found[0].next_date;
    if (!opts.json)
      io.err(`resuming backfill ${backfillId} at ${start} (${found[0].status.toLowerCase()} before)\n`);
  } else {
    backfillId = `bf-${randomUUID().slice(0, 8)}`;
    await app.warehouse.execute(sql('insert_backfill'), {
      backfillId,
      fromDate: opts.from,
      toDate: opts.to,
      now: nowText(),
    });
  }
  const dates = start > opts.to ? [] : dateRange(start, opts.to);
  const done = days - dates.length;
  const bar =
    !opts.json && io.terminal?.isTTY
      ? new cliProgress.SingleBar(
          { format: 'backfill [{bar}] {value}/{total} days · {date}', stream: io.terminal, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(days, done, { date: start });
  const results: { date: string; status: string; runId: string }[] = [];
  const mark = (nextDate: string, status: string, runId: string | null, message: string | null) =>
    app.warehouse.execute(sql('mark_progress'), {
      backfillId,
      nextDate,
      status,
      now: nowText(),
      runId,
      message,
    });
  try {
    for (const [i, date] of dates.entries()) {
      const outcome = await runPipeline(app.runtime, { reconDate: date, asOf: opts.asOf });
      results.push({ date, status: outcome.status, runId: outcome.runId });
      if (outcome.status !== 'SUCCEEDED') {
        const message = outcome.status === 'HALTED_DQ' ? outcome.cause : `${outcome.error}: ${outcome.cause}`;
        await mark(date, 'STOPPED', outcome.runId, message.slice(0, 1000));
        bar?.stop();
        if (opts.json)
          io.out(
            `${JSON.stringify({ backfillId, from: opts.from, to: opts.to, status: 'STOPPED', results }, null, 2)}\n`,
          );
        io.err(`backfill ${backfillId} stopped at ${date}; run the same command again to resume there\n`);
        return report(outcome, io);
      }
      const last = i === dates.length - 1;
      await mark(addDays(date, 1), last ? 'COMPLETED' : 'RUNNING', outcome.runId, null);
      if (bar) bar.update(done + i + 1, { date });
      else if (!opts.json) io.err(`  ✓ ${date} (${outcome.runId}) · ${done + i + 1}/${days}\n`);
    }
    if (dates.length === 0) await mark(start, 'COMPLETED', null, null);
  } finally {
    bar?.stop();
  }
  if (opts.json)
    io.out(
      `${JSON.stringify({ backfillId, from: opts.from, to: opts.to, status: 'COMPLETED', results }, null, 2)}\n`,
    );
  else
    io.out(
      `Backfill ${backfillId}: ${opts.from} … ${opts.to} complete (${days} day(s), ${results.length} run now)\n`,
    );
  return EXIT.OK;
}
