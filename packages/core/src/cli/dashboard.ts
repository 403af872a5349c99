/**
 * `recon dashboard [--out FILE] [--days N] [--date D] [--max-anomalies N] [--serve] [--port N]`:
 * writes the self-contained dashboard (executive, operational and investigation views; seed
 * phase 4 §4–6) and prints its path; with `--serve` also serves it on 127.0.0.1 until
 * interrupted, regenerating it on `/refresh`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type App, openApp } from '../app.ts';
import {
  DEFAULT_DASHBOARD_DAYS,
  DEFAULT_MAX_ANOMALIES,
  type DashboardData,
  type DashboardOptions,
  MAX_DASHBOARD_DAYS,
} from '../dashboard/data.ts';
import { serveDashboard } from '../dashboard/server.ts';
import {
  buildDashboard,
  defaultDashboardPath,
  writeDashboard,
  writeDashboardFile,
} from '../dashboard/write.ts';
import { describeError } from '../errors.ts';
import { parseDateArg } from '../time.ts';
import type { Io } from './main.ts';
import { EXIT } from './run-commands.ts';

/** Default port of `--serve`. */
export const DEFAULT_DASHBOARD_PORT = 8765;

/** The CLI's Io, plus what stops `--serve` (default: SIGINT or SIGTERM of this process). */
export type DashboardIo = Io & { stop?: AbortSignal };

/** Options of {@link dashboardCommand}. */
export interface DashboardCommandOptions {
  out?: string;
  days: number;
  date?: string;
  maxAnomalies: number;
  serve?: boolean;
  port: number;
}

function wholeNumber(name: string, min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

/** One line saying what the dashboard shows. */
export function describeDashboard(data: DashboardData): string {
  const inv = data.investigation;
  const window = data.window
    ? `business dates ${data.window.from} – ${data.window.to}`
    : 'no business dates yet (the warehouse has no results)';
  const embedded =
    inv.openTotal > inv.anomalies.length
      ? `the ${inv.anomalies.length} most severe embedded with their source rows`
      : 'each with its source rows';
  return (
    `Dashboard of ${window}: ${data.executive.daily.length} day(s) with results, ` +
    `${data.operational.runsTotal} run(s), ${inv.openTotal} open anomal${inv.openTotal === 1 ? 'y' : 'ies'} (${embedded}).`
  );
}

/** Resolves when `signal` aborts. */
function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolvePromise) =>
    signal.addEventListener('abort', () => resolvePromise(), { once: true }),
  );
}

/** An AbortSignal fired by SIGINT or SIGTERM, and a function removing its handlers. */
function processStopSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

/** Write the dashboard (and serve it with `--serve`); resolves to the exit code. */
export async function dashboardCommand(
  app: App,
  io: DashboardIo,
  opts: DashboardCommandOptions,
): Promise<number> {
  const path = opts.out ?? defaultDashboardPath(app.home);
  const options: DashboardOptions = {
    days: opts.days,
    maxAnomalies: opts.maxAnomalies,
    ...(opts.date ? { endDate: opts.date } : {}),
  };
  const first = await writeDashboard(app.warehouse, path, options);
  io.out(`${first.path}\n`);
  io.err(`${describeDashboard(first.data)}\n`);
  if (!opts.serve) return EXIT.OK;

  const server = await serveDashboard({
    port: opts.port,
    initialHtml: first.html,
    regenerate: async () => {
      const next = await buildDashboard(app.warehouse, options);
      await writeDashboardFile(first.path, next.html);
      io.err(`regenerated: ${describeDashboard(next.data)}\n`);
      return next.html;
    },
    onError: (error) => io.err(`error: regenerating the dashboard failed: ${describeError(error)}\n`),
  });
  const own = io.stop ? undefined : processStopSignal();
  try {
    io.out(`Serving ${server.url} (${server.url}refresh regenerates it); press Ctrl-C to stop.\n`);
    await stopped(io.stop ?? own!.signal);
  } finally {
    own?.dispose();
    await server.close();
  }
  io.err('dashboard server stopped\n');
  return EXIT.OK;
}

/** Register `recon dashboard` on `program`; the action reports its exit code through `setExit`. */
export function registerDashboardCommand(
  program: Command,
  io: DashboardIo,
  setExit: (code: number) => void,
): Command {
  return program
    .command('dashboard')
    .description(
      'Write the dashboard (executive, operational and investigation views) as one self-contained HTML file and print its path; --serve also serves it on 127.0.0.1.',
    )
    .option('--out <file>', 'where to write it (default: <RECON_HOME>/dashboard.html)')
    .addOption(
      new Option('--days <n>', 'business dates covered')
        .default(DEFAULT_DASHBOARD_DAYS)
        .argParser(wholeNumber('--days', 1, MAX_DASHBOARD_DAYS)),
    )
    .option('--date <date>', 'last business date shown (default: the latest with results)', (v: string) => {
      try {
        return parseDateArg(v, '--date');
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    })
    .addOption(
      new Option('--max-anomalies <n>', 'open anomalies embedded with their source rows')
        .default(DEFAULT_MAX_ANOMALIES)
        .argParser(wholeNumber('--max-anomalies', 0, 100_000)),
    )
    .option('--serve', 'serve it on 127.0.0.1 until interrupted (GET /refresh regenerates it)')
    .addOption(
      new Option('--port <n>', 'port of --serve (0: any free port)')
        .default(DEFAULT_DASHBOARD_PORT)
        .argParser(wholeNumber('--port', 0, 65_535)),
    )
    .action(async (opts: DashboardCommandOptions) => {
      const app = await openApp({ env: io.env });
      try {
        setExit(await dashboardCommand(app, io, opts));
      } finally {
        await app.close();
      }
    });
}
