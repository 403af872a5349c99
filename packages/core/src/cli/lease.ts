/**
 * `recon lease list [--json]` and `recon lease release --date D --run R`: who is reconciling which
 * business date (pipeline/lease.ts), and giving back the date of a run an operator knows is dead
 * (a killed process) without waiting for its lease to expire.
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { listLeases, releaseLeaseOf } from '../pipeline/lease.ts';
import type { Io } from './main.ts';
import { dateOption, runIdOption, withApp } from './options.ts';
import { EXIT } from './run-commands.ts';

const utc = (text: string) => `${text.slice(0, 19)} UTC`;

/** Register `recon lease …` on `program`; each action reports its exit code through `setExit`. */
export function registerLeaseCommands(program: Command, io: Io, setExit: (code: number) => void): Command {
  const lease = program
    .command('lease')
    .description('Which run is reconciling which business date (run leases); release a dead run’s date.');

  lease
    .command('list')
    .description('Every business date a run holds, with since when and until when (expired ones marked).')
    .option('--json', 'print the leases as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, async (app) => {
        const leases = await listLeases(app.warehouse);
        if (opts.json) io.out(`${JSON.stringify(leases, null, 2)}\n`);
        else if (leases.length === 0) io.out('No business date is being reconciled.\n');
        else {
          const table = new Table({
            head: ['business date', 'run', 'since', 'renewed', 'expires', 'state'],
            style: { head: [], border: [] },
          });
          for (const l of leases) {
            table.push([
              l.reconDate,
              l.runId,
              utc(l.acquiredAt),
              utc(l.renewedAt),
              utc(l.expiresAt),
              l.live ? 'held' : 'expired',
            ]);
          }
          io.out(`${table.toString()}\n`);
        }
        setExit(EXIT.OK);
      });
    });

  lease
    .command('release')
    .description(
      'Give back the business date a dead run holds (a killed process), so a new run need not wait for the lease to expire. Only for a run known to be dead: a live one would go on writing.',
    )
    .requiredOption('--date <date>', 'business date YYYY-MM-DD', dateOption('--date'))
    .requiredOption('--run <runId>', 'the run that holds it (see `recon lease list`)', runIdOption('--run'))
    .action(async (opts: { date: string; run: string }) => {
      await withApp(io, async (app) => {
        const held = await releaseLeaseOf(app.warehouse, { reconDate: opts.date, runId: opts.run });
        io.out(
          `Released business date ${opts.date} from run ${opts.run} (held since ${utc(held.acquiredAt)}` +
            `${held.live ? `, lease was to run until ${utc(held.expiresAt)}` : ', lease had expired'}).\n`,
        );
        setExit(EXIT.OK);
      });
    });
  return lease;
}
