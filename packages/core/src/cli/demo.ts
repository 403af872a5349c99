/**
 * `recon demo`: seeded synthetic sources (with NZD contamination, soft deletes, late arrivals and
 * the anomalies of SPEC §7 planted), then the pipeline day by day through the state-machine
 * definition — all embedded under `<home>/demo`, needing nothing but Node.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openApp } from '../app.ts';
import { runPipeline } from '../pipeline/local-runner.ts';
import type { RunSummary } from '../pipeline/tasks.ts';
import { SOURCE_IDS } from '../sources/spec.ts';
import { generate } from '../synthetic/generator.ts';
import { writeChunk } from '../synthetic/sinks.ts';
import { UsageError } from '../errors.ts';
import { loadSettings } from '../settings.ts';
import { addDays, BusinessCalendar, toIso } from '../time.ts';
import type { Io } from './main.ts';
import { progressReporter, ratesLine, renderAnomalyCounts, renderRun } from './output.ts';
import { ANOMALY_NAMES } from '../anomalies/types.ts';
import { modelSteps } from '../warehouse/model.ts';
import { defaultDashboardPath, writeDashboard } from '../dashboard/write.ts';
import { buildDailyReport } from '../reports/daily.ts';
import { dashboardUrlFromEnv } from '../reports/options.ts';

export interface DemoOptions {
  days: number;
  ordersPerDay: number;
  seed: number;
  start?: string;
  io: Io;
}

/**
 * The latest business date whose arrival window has closed: a day's data is complete at 06:00
 * local the next morning (the generator's batch end, when the scheduled run reads it).
 */
function lastCompleteDate(calendar: BusinessCalendar, nowMs: number): string {
  let date = calendar.dateOf(nowMs);
  while (batchEnd(calendar, date) > nowMs) date = addDays(date, -1);
  return date;
}

function batchEnd(calendar: BusinessCalendar, date: string): number {
  return calendar.startOf(addDays(date, 1)) + 6 * 3_600_000;
}

/** Run the demo; resolves to the exit code. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const { io } = opts;
  const home = resolve(opts.io.env.RECON_HOME ?? '.recon', 'demo');
  await rm(home, { recursive: true, force: true });
  const settings = loadSettings({ env: io.env });
  const calendar = new BusinessCalendar(settings.businessTimeZone);
  const last = lastCompleteDate(calendar, Date.now());
  const startDate = opts.start ?? addDays(last, -(opts.days - 1));
  const endDate = addDays(startDate, opts.days - 1);
  if (endDate > last) {
    throw new UsageError(
      `the demo's last day ${endDate} is not complete yet (its data closes at 06:00 the next morning); use --start ${addDays(last, -(opts.days - 1))} or earlier`,
    );
  }
  io.err(
    `recon demo: ${opts.days} day(s) from ${startDate}, ~${opts.ordersPerDay.toLocaleString('en-US')} orders/day, seed ${opts.seed}\n` +
      `  everything embedded under ${home}\n`,
  );
  const app = await openApp({ env: io.env, home, embeddedOnly: true });
  try {
    const generator = generate({
      startDate,
      days: opts.days,
      ordersPerDay: opts.ordersPerDay,
      seed: opts.seed,
      timeZone: app.settings.businessTimeZone,
    });
    const sinks = app.sinks();
    for (const source of SOURCE_IDS) await sinks[source].createTables();
    const summaries: RunSummary[] = [];
    let halted = 0;
    for (const chunk of generator.days()) {
      await writeChunk(chunk, sinks);
      if (!chunk.lastOfDay) continue;
      const asOf = toIso(Date.parse(`${chunk.batchEnd.replace(' ', 'T')}Z`));
      io.err(
        `\n▶ business date ${chunk.date}: sources written up to ${chunk.batchEnd} UTC; running the pipeline as of ${asOf}\n`,
      );
      const progress = progressReporter(io.err, io.terminal);
      const outcome = await runPipeline(
        app.runtime,
        { reconDate: chunk.date, asOf },
        { onProgress: progress.onProgress },
      );
      progress.stop();
      if (outcome.status === 'FAILED') {
        io.err(
          `error: run ${outcome.runId} failed in ${outcome.failedStep ?? 'an unknown step'}: ${outcome.error}: ${outcome.cause}\n`,
        );
        return 1;
      }
      if (outcome.status === 'HALTED_DQ') {
        halted++;
        io.err(`  ✗ halted by data quality: ${outcome.cause}\n`);
      }
      summaries.push(outcome.summary);
      io.out(`${renderRun(outcome.summary)}\n`);
      io.err(`  ${ratesLine(outcome.summary)}\n`);
    }
    const key = generator.answerKey();
    const counts = await app.warehouse.query<{
      anomaly_type: string;
      severity: string;
      n: string;
      open_n: string;
    }>(modelSteps('anomalies/scan_figures.sql')('count_all_by_type_severity'));
    const byType: Record<string, Record<string, number>> = {};
    for (const c of counts) (byType[c.anomaly_type] ??= {})[c.severity] = Number(c.n);
    const openTotal = counts.reduce((n, c) => n + Number(c.open_n), 0);
    const staged = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.stg_recon_orders',
    );
    const dead = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.dwd_recon_dead_letter',
    );
    const plantedKinds = Object.entries(key.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    io.out(
      [
        '',
        `Demo complete: ${summaries.length} run(s), ${key.orders.toLocaleString('en-US')} orders generated ` +
          `(${key.nzdOrders.toLocaleString('en-US')} NZD test orders excluded), ` +
          `${Number(staged[0]?.n ?? 0).toLocaleString('en-US')} USD orders in recon.stg_recon_orders, ` +
          `${Number(dead[0]?.n ?? 0).toLocaleString('en-US')} dead letters.`,
        `Planted conditions: ${plantedKinds}.`,
        'Match rates per day:',
        ...summaries.map((s) => `  ${ratesLine(s)}`),
        `Anomalies by type and severity (${openTotal.toLocaleString('en-US')} still open; see \`recon anomalies list\`):`,
        renderAnomalyCounts(byType, ANOMALY_NAMES),
        `Warehouse: ${join(home, 'warehouse')} · staging files: ${join(home, 'staging')}`,
        `Continue with: RECON_HOME=${home} npx recon run --date ${addDays(startDate, opts.days - 1)}`,
        '',
      ].join('\n'),
    );
    // The daily report of the last day, as it would be posted to WeCom (`recon report daily --send`).
    const daily = await buildDailyReport(app.warehouse, {
      date: endDate,
      dashboardUrl: dashboardUrlFromEnv(io.env),
    });
    io.out(`\n${daily.wecomMarkdown ?? ''}\n`);
    // The demo's own dashboard, where `recon dashboard` with the demo's RECON_HOME writes it too.
    io.err('\n▶ dashboard: reading the reporting views and the open anomalies with their source rows\n');
    const dashboard = await writeDashboard(app.warehouse, defaultDashboardPath(home));
    io.out(`Dashboard: ${dashboard.path}\n`);
    return halted > 0 ? 3 : 0;
  } finally {
    await app.close();
  }
}
