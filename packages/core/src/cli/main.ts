/**
 * The `recon` command line (SPEC §12). Exit codes: 0 ok, 1 failure, 2 usage error,
 * 3 halted by data quality.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConnectionConfigError, describeError, ReconError, SettingsError, UsageError } from '../errors.ts';
import { parseInstantArg } from '../time.ts';
import { registerAlertCommands } from './alerts.ts';
import { registerAnomalyCommands } from './anomalies.ts';
import { registerAwsCommands } from './aws.ts';
import { registerDashboardCommand } from './dashboard.ts';
import { runDemo } from './demo.ts';
import { registerHistoryCommands } from './history.ts';
import { registerLeaseCommands } from './lease.ts';
import { dateOption, positiveIntOption, withApp } from './options.ts';
import { registerReportCommands } from './report.ts';
import { backfillCommand, dqCommand, EXIT, runCommand } from './run-commands.ts';

export { EXIT };

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** The terminal progress bars draw on, when stderr is one. */
  terminal?: NodeJS.WriteStream;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  terminal: process.stderr,
};

/** Default as-of: now, to the second. */
function nowIso(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/** Build the program; actions resolve to an exit code. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('recon')
    .description(
      'Revenue Reconciliation: proves every day that recorded revenue is the money actually collected.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true);

  program
    .command('run')
    .description('Run the pipeline for one business date through the state-machine definition.')
    .requiredOption('--date <date>', 'business date YYYY-MM-DD', dateOption('--date'))
    .option('--as-of <instant>', 'ISO-8601 instant; nothing updated at or after it is read (default: now)')
    .option('--json', 'print the run summary as JSON')
    .action(async (opts: { date: string; asOf?: string; json?: boolean }) => {
      const asOf = opts.asOf ? parseInstantArg(opts.asOf, '--as-of').toISOString() : nowIso();
      await withApp(io, async (app) => setExit(await runCommand(app, io, { ...opts, asOf })));
    });

  program
    .command('backfill')
    .description(
      'Run the pipeline for every business date of a range, in order; resumes where a stopped backfill left off.',
    )
    .requiredOption('--from <date>', 'first business date YYYY-MM-DD', dateOption('--from'))
    .requiredOption('--to <date>', 'last business date YYYY-MM-DD', dateOption('--to'))
    .option('--as-of <instant>', 'ISO-8601 instant for every run (default: now)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { from: string; to: string; asOf?: string; json?: boolean }) => {
      if (opts.from > opts.to)
        throw new UsageError(`reversed range: --from ${opts.from} is after --to ${opts.to}`);
      const asOf = opts.asOf ? parseInstantArg(opts.asOf, '--as-of').toISOString() : nowIso();
      await withApp(io, async (app) => setExit(await backfillCommand(app, io, { ...opts, asOf })));
    });

  program
    .command('dq')
    .description(
      'Evaluate the data-quality checks of a business date on the warehouse as it is (changes nothing).',
    )
    .requiredOption('--date <date>', 'business date YYYY-MM-DD', dateOption('--date'))
    .option('--as-of <instant>', 'ISO-8601 instant freshness is measured to (default: now)')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { date: string; asOf?: string; json?: boolean }) => {
      const asOf = opts.asOf ? parseInstantArg(opts.asOf, '--as-of').toISOString() : nowIso();
      await withApp(io, async (app) => setExit(await dqCommand(app, io, { ...opts, asOf })));
    });

  program
    .command('demo')
    .description(
      'Generate realistic synthetic sources with planted anomalies and run the pipeline day by day (embedded, needs nothing but Node).',
    )
    .addOption(
      new Option('--days <n>', 'number of business days')
        .default(7)
        .argParser(positiveIntOption('--days', 90)),
    )
    .addOption(
      new Option('--orders-per-day <n>', 'orders per day')
        .default(2000)
        .argParser(positiveIntOption('--orders-per-day', 2_000_000)),
    )
    .addOption(
      new Option('--seed <n>', 'random seed (same seed, same data)')
        .default(42)
        .argParser(positiveIntOption('--seed', 2_147_483_647)),
    )
    .option(
      '--start <date>',
      'first business date (default: the days ending yesterday)',
      dateOption('--start'),
    )
    .action(async (opts: { days: number; ordersPerDay: number; seed: number; start?: string }) => {
      const code = await runDemo({ ...opts, io });
      setExit(code);
    });

  program
    .command('migrate')
    .description('Create or update every recon warehouse object (idempotent).')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { openWarehouse } = await import('../warehouse/connect.ts');
      const { migrate } = await import('../warehouse/migrate.ts');
      const wh = await openWarehouse(io.env.RECON_WAREHOUSE_URL, { home: io.env.RECON_HOME ?? '.recon' });
      try {
        const result = await migrate(wh);
        if (opts.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
        else {
          io.out(
            `Applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(', ')}` : ''}\n`,
          );
          io.out(`Already applied: ${result.skipped.length}\n`);
        }
        setExit(EXIT.OK);
      } finally {
        await wh.close();
      }
    });
  registerAnomalyCommands(program, io, setExit);
  registerAwsCommands(program, io, setExit);
  registerDashboardCommand(program, io, setExit);
  registerReportCommands(program, io, setExit);
  registerAlertCommands(program, io, setExit);
  registerLeaseCommands(program, io, setExit);
  registerHistoryCommands(program, io, setExit);
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.USAGE;
    }
    if (
      error instanceof UsageError ||
      error instanceof SettingsError ||
      error instanceof ConnectionConfigError
    ) {
      io.err(`error: ${error.message}\n`);
      return EXIT.USAGE;
    }
    if (error instanceof ReconError) {
      io.err(`error: ${error.message}\n`);
      return EXIT.FAILURE;
    }
    io.err(`error: ${describeError(error)}\n`);
    return EXIT.FAILURE;
  }
}
