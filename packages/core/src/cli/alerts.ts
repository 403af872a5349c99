/**
 * `recon alerts --run <id> | --date <date> [--send] [--json]` (SPEC §9): the alert rules of a
 * pipeline run — which are raised, at which level, and what the alert log holds for them. Without
 * `--send` it is a dry run that changes nothing; with `--send` the alerts not yet sent for the run
 * go to the WeCom webhooks of `RECON_WECOM_CRITICAL_WEBHOOK` / `RECON_WECOM_WARNING_WEBHOOK`, once.
 */
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import { type AlertOutcome, evaluateRunAlerts, latestRunOf, sendRunAlerts } from '../alerts/send.ts';
import type { RuleEvaluation } from '../alerts/rules.ts';
import { openApp } from '../app.ts';
import { UsageError } from '../errors.ts';
import { WECOM_WEBHOOK_ENV, webhooksFromEnv } from '../notify/webhook-url.ts';
import type { HttpPost } from '../notify/wecom.ts';
import { checkReportDate, REPORT_ENV_VARS } from '../reports/options.ts';
import type { Io } from './main.ts';
import { runIdOption } from './options.ts';
import { EXIT } from './run-commands.ts';

/** What the alerts command uses from outside (injected by tests). */
export interface AlertCommandDeps {
  post?: HttpPost;
  sleep?: (ms: number) => Promise<void>;
}

function dateArg(value: string): string {
  try {
    return checkReportDate(value, '--date');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function settingsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of REPORT_ENV_VARS) delete out[name];
  return out;
}

/** The rules as a table: rule, level, raised, what the log holds, message. */
export function renderRules(
  evaluated: readonly RuleEvaluation[],
  delivery: (rule: string) => string,
): string {
  const table = new Table({
    head: ['rule', 'level', 'raised', 'delivery', 'message'],
    colWidths: [null, null, null, null, 64],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const e of evaluated) {
    table.push([e.rule, e.level, e.raised ? 'yes' : 'no', e.raised ? delivery(e.rule) : '—', e.message]);
  }
  return table.toString();
}

function outcomeLines(outcome: AlertOutcome): string {
  const lines = outcome.messages.map(
    (m) =>
      `${m.channel}: ${m.status} (${m.rules.join(', ')}; ${m.attempts} attempt${m.attempts === 1 ? '' : 's'})${m.error ? ` — ${m.error}` : ''}`,
  );
  if (outcome.skipped.length) {
    lines.push(`already sent for this run, not sent again: ${outcome.skipped.map((s) => s.rule).join(', ')}`);
  }
  if (lines.length === 0) lines.push('no alert raised: nothing to send');
  return lines.join('\n');
}

/** Register `recon alerts` on `program`; the action reports its exit code through `setExit`. */
export function registerAlertCommands(
  program: Command,
  io: Io,
  setExit: (code: number) => void,
  deps: AlertCommandDeps = {},
): Command {
  return program
    .command('alerts')
    .description(
      "Evaluate a pipeline run's alert rules (dry run); --send delivers the ones not yet sent to WeCom, once per run.",
    )
    .option('--run <runId>', 'the pipeline run', runIdOption('--run'))
    .option('--date <date>', 'business date YYYY-MM-DD: its latest run', dateArg)
    .option('--send', 'send the raised alerts not yet sent for the run')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { run?: string; date?: string; send?: boolean; json?: boolean }) => {
      if ((opts.run === undefined) === (opts.date === undefined)) {
        throw new UsageError('give either --run <runId> or --date <date>');
      }
      const webhooks = opts.send ? webhooksFromEnv(io.env) : {};
      const app = await openApp({ env: settingsEnv(io.env) });
      try {
        const runId = opts.run ?? (await latestRunOf(app.warehouse, opts.date!));
        const evaluation = await evaluateRunAlerts(app.warehouse, app.settings, { runId });
        const { inputs, evaluated, log } = evaluation;
        const header = `Run ${runId} for ${inputs.reconDate}: ${inputs.status}`;
        if (!opts.send) {
          const delivery = (rule: string) => {
            const row = log.get(rule);
            if (!row) return 'would send';
            return row.status === 'SENT' ? `SENT ${row.sent_at ?? ''}`.trim() : `${row.status}, would retry`;
          };
          if (opts.json) {
            io.out(
              `${JSON.stringify({ runId, reconDate: inputs.reconDate, status: inputs.status, evaluated, log: Object.fromEntries(log) }, null, 2)}\n`,
            );
          } else {
            const raised = evaluated.filter((e) => e.raised);
            io.out(`${header}\n${renderRules(evaluated, delivery)}\n`);
            io.out(
              `${raised.length} alert${raised.length === 1 ? '' : 's'} raised (${raised.filter((e) => e.level === 'critical').length} critical, ${raised.filter((e) => e.level === 'warning').length} warning). Dry run: nothing sent; add --send to deliver.\n`,
            );
          }
          setExit(EXIT.OK);
          return;
        }
        const missing = (['critical', 'warning'] as const).filter(
          (level) =>
            !webhooks[level] &&
            evaluated.some((e) => e.raised && e.level === level && log.get(e.rule)?.status !== 'SENT'),
        );
        if (missing.length > 0) {
          throw new UsageError(
            `--send needs ${missing.map((l) => WECOM_WEBHOOK_ENV[l]).join(' and ')} for the ${missing.join(' and ')} alerts of run ${runId}`,
          );
        }
        const outcome = await sendRunAlerts(app.warehouse, app.settings, { runId }, { webhooks, ...deps });
        if (opts.json) io.out(`${JSON.stringify(outcome, null, 2)}\n`);
        else io.out(`${header}\n${outcomeLines(outcome)}\n`);
        const failed = outcome.messages.filter((m) => m.status !== 'SENT');
        if (failed.length > 0) {
          io.err(`error: ${failed.map((m) => `${m.channel} ${m.status}: ${m.error ?? ''}`).join('; ')}\n`);
          setExit(EXIT.FAILURE);
        } else setExit(EXIT.OK);
      } finally {
        await app.close();
      }
    });
}
