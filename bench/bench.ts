/**
 * `npm run bench -- --orders-per-day N[,N…] [--days K] [--runs R]` — the benchmark harness.
 *
 * For each size: generates K days into fresh MariaDB sources (installed and started like CI
 * does), then R times: a fresh PostgreSQL warehouse, the full pipeline of the last day through
 * the local state machine in a child process (its peak RSS is the pipeline's own), the daily
 * report, and the floor (the same source tables streamed out of MariaDB and COPYed into
 * PostgreSQL with nothing else). Optionally the seed's SQL against the product's on the same data
 * (`--seed-compare`), and the embedded demo on PGlite (`--embedded`). Prints the figures and writes
 * `bench/RESULTS.md` and `bench/results.json` (`--out` to write elsewhere).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openSourceSinks } from '../packages/core/src/sources/connections.ts';
import { SOURCE_IDS, type SourceId, tablesOf } from '../packages/core/src/sources/spec.ts';
import { generate } from '../packages/core/src/synthetic/generator.ts';
import { writeToSinks } from '../packages/core/src/synthetic/sinks.ts';
import { toIso } from '../packages/core/src/time.ts';
import {
  createTestPgDatabase,
  TEST_MYSQL_URL as MYSQL_SERVER,
  TEST_PG_URL,
} from '../test/support/databases.ts';
import { type FloorResult, measureFloor } from './floor.ts';
import type { ChildResult } from './pipeline-child.ts';
import type { PhaseComparison } from './seed-compare.ts';
import { type BenchReport, earlierSizes, renderResults, type SizeResult, summarize } from './report.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** The first business date generated (a Monday); the measured run is the last date. */
const START_DATE = '2026-10-05';

const SOURCE_URL_ENV: Record<SourceId, string> = {
  salesorder: 'RECON_SALESORDER_URL',
  salespayment: 'RECON_SALESPAYMENT_URL',
  ifiaccounting: 'RECON_IFIACCOUNTING_URL',
  iunifiedreconcile: 'RECON_IUNIFIEDRECONCILE_URL',
};

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return n;
  };
}

function sizeList(value: string): number[] {
  const parts = value.split(',').map((p) => Number(p.trim().replace(/_/g, '')));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(
      'must be one or more positive whole numbers separated by commas, e.g. 10000,100000',
    );
  }
  return parts;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Rows per source table (`source.table`). */
async function countRows(urls: Record<SourceId, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of SOURCE_IDS) {
    const conn = await mysql.createConnection(urls[s]);
    try {
      for (const t of tablesOf(s)) {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${t.table}\``);
        out[`${s}.${t.table}`] = Number(rows[0]!.n);
      }
    } finally {
      await conn.end();
    }
  }
  return out;
}

/** Versions of the engines and of Node, for the report. */
async function versions(): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version };
  try {
    const conn = await mysql.createConnection(MYSQL_SERVER);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    out.mariadb = String(rows[0]!.v);
    await conn.end();
  } catch {
    out.mariadb = 'unknown';
  }
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version']);
    out.postgresql = r.rows[0]!.v;
  } catch {
    out.postgresql = 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
  return out;
}

/** One pipeline run in a child process over fresh connections. */
async function pipelineRun(
  urls: Record<SourceId, string>,
  warehouseUrl: string,
  dates: { reconDate: string; asOf: string }[],
  profileDir?: string,
): Promise<ChildResult> {
  const home = mkdtempSync(path.join(tmpdir(), 'recon-bench-'));
  try {
    const env: Record<string, string> = {
      RECON_HOME: home,
      RECON_WAREHOUSE_URL: warehouseUrl,
      RECON_STAGING_URL: `file://${path.join(home, 'staging')}`,
    };
    for (const s of SOURCE_IDS) env[SOURCE_URL_ENV[s]] = urls[s];
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--max-old-space-size=4096',
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        path.join(ROOT, 'bench/pipeline-child.ts'),
        JSON.stringify({ env, dates }),
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const last = stdout.trim().split('\n').at(-1)!;
    return JSON.parse(last) as ChildResult;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

interface Options {
  ordersPerDay: number[];
  days: number;
  runs: number;
  seed: number;
  seedCompare?: number[];
  seedLimit: number;
  embedded: boolean;
  freshSources?: boolean;
  keepWarehouse?: boolean;
  profile?: string;
  keepSources?: boolean;
  out: string;
}

/** Marker table written once a size's sources are complete (so a later invocation can reuse them). */
const COMPLETE_MARKER = 'bench_sources_complete';

/**
 * The MariaDB sources of a size: named by size, days and seed, reused when an earlier invocation
 * completed them (unless `fresh`), else (re)generated. Returns their URLs and the generation time
 * (null when reused).
 */
async function sourcesFor(
  opts: Options,
  ordersPerDay: number,
): Promise<{ urls: Record<SourceId, string>; generationSeconds: number | null; drop(): Promise<void> }> {
  const base = `bench_${ordersPerDay}_${opts.days}d_s${opts.seed}`;
  const names = Object.fromEntries(SOURCE_IDS.map((s) => [s, `${base}_${s}`])) as Record<SourceId, string>;
  const server = new URL(MYSQL_SERVER);
  const urls = Object.fromEntries(
    SOURCE_IDS.map((s) => {
      const u = new URL(server);
      u.pathname = `/${names[s]}`;
      return [s, u.toString()];
    }),
  ) as Record<SourceId, string>;
  const admin = await mysql.createConnection(MYSQL_SERVER);
  const drop = async () => {
    const conn = await mysql.createConnection(MYSQL_SERVER);
    try {
      for (const n of Object.values(names)) await conn.query(`DROP DATABASE IF EXISTS \`${n}\``);
    } finally {
      await conn.end();
    }
  };
  try {
    const [found] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [names.salesorder, COMPLETE_MARKER],
    );
    if (!opts.freshSources && Number(found[0]!.n) === 1) {
      log(`  reusing the sources generated earlier (${base}_*; --fresh-sources to regenerate)`);
      return { urls, generationSeconds: null, drop };
    }
    for (const n of Object.values(names)) {
      await admin.query(`DROP DATABASE IF EXISTS \`${n}\``);
      await admin.query(`CREATE DATABASE \`${n}\``);
    }
  } finally {
    await admin.end();
  }
  const gen = generate({ startDate: START_DATE, days: opts.days, ordersPerDay, seed: opts.seed });
  const sinks = openSourceSinks({
    env: Object.fromEntries(SOURCE_IDS.map((s) => [SOURCE_URL_ENV[s], urls[s]])),
  });
  const started = performance.now();
  try {
    await writeToSinks(gen, sinks, {
      onProgress: (p) => {
        if (p.lastOfDay) log(`  generated ${p.date}: ${p.totalInserted.toLocaleString('en-US')} rows so far`);
      },
    });
  } finally {
    await Promise.all(Object.values(sinks).map((s) => s.close()));
  }
  const generationSeconds = (performance.now() - started) / 1000;
  const conn = await mysql.createConnection(urls.salesorder);
  try {
    await conn.query(`CREATE TABLE ${COMPLETE_MARKER} (generated_at DATETIME)`);
  } finally {
    await conn.end();
  }
  return { urls, generationSeconds, drop };
}

async function benchSize(opts: Options, ordersPerDay: number): Promise<SizeResult> {
  log(`\n■ ${ordersPerDay.toLocaleString('en-US')} orders/day × ${opts.days} day(s)`);
  const sources = await sourcesFor(opts, ordersPerDay);
  try {
    const gen = generate({ startDate: START_DATE, days: opts.days, ordersPerDay, seed: opts.seed });
    const generationSeconds = sources.generationSeconds;
    const sourceRows = await countRows(sources.urls);
    const total = Object.values(sourceRows).reduce((a, b) => a + b, 0);
    log(
      `  sources: ${total.toLocaleString('en-US')} rows${generationSeconds === null ? '' : ` generated in ${generationSeconds.toFixed(1)} s`}`,
    );
    const dates = gen.dates.map((d) => ({
      reconDate: d,
      asOf: toIso(gen.batchEndOf(d)),
    }));

    const runs: ChildResult[] = [];
    const floors: FloorResult[] = [];
    let seedComparison: Record<string, PhaseComparison> | null = null;
    for (let r = 1; r <= opts.runs; r++) {
      const warehouse = await createTestPgDatabase('benchwh');
      try {
        const result = await pipelineRun(sources.urls, warehouse.url, dates, opts.profile);
        runs.push(result);
        log(
          `  run ${r}: ${result.endToEndSeconds.toFixed(1)} s end to end, peak RSS ${result.peakRssMb} MB (${Object.entries(
            result.phases,
          )
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')})`,
        );
        if (r === 1 && opts.seedCompare?.includes(ordersPerDay)) {
          const { compareWithSeed } = await import('./seed-compare.ts');
          log(`  seed comparison (limit ${opts.seedLimit} s per statement)…`);
          const compared = await compareWithSeed({
            sourceUrls: sources.urls,
            warehouseUrl: warehouse.url,
            reconDate: dates.at(-1)!.reconDate,
            timeZone: 'America/New_York',
            limitSeconds: opts.seedLimit,
          });
          seedComparison = compared;
          for (const [phase, c] of Object.entries(compared)) {
            log(
              `    ${phase}: seed ${c.seedSeconds === null ? c.note : `${c.seedSeconds.toFixed(2)} s`}, product ${c.productSeconds.toFixed(2)} s`,
            );
          }
        }
      } finally {
        if (opts.keepWarehouse && r === opts.runs) log(`  warehouse kept for inspection: ${warehouse.url}`);
        else await warehouse.drop();
      }
      const floorDb = await createTestPgDatabase('benchfloor');
      try {
        const floor = await measureFloor(sources.urls, runs.at(-1)!.partitions, floorDb.url);
        floors.push(floor);
        log(
          `  floor ${r}: ${floor.rows.toLocaleString('en-US')} rows moved in ${floor.seconds.toFixed(1)} s`,
        );
      } finally {
        await floorDb.drop();
      }
    }
    return summarize({
      ordersPerDay,
      days: opts.days,
      sourceRows,
      generationSeconds,
      runs,
      floors,
      seedComparison,
    });
  } finally {
    if (!opts.keepSources) await sources.drop();
  }
}

/** `recon demo` on PGlite, in a child process: wall time and peak RSS. */
async function embeddedRun(args: string[]): Promise<{ args: string; seconds: number; peakRssMb: number }> {
  const home = mkdtempSync(path.join(tmpdir(), 'recon-bench-demo-'));
  try {
    const started = performance.now();
    // GNU time reports the child's peak RSS; the demo's own figures are not needed here.
    const { stderr } = await run(
      '/usr/bin/env',
      [
        'bash',
        '-c',
        `command time -f 'MAXRSS %M' "$@"`,
        'time',
        process.execPath,
        'packages/core/bin/recon.mjs',
        'demo',
        ...args,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, RECON_HOME: home },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const rss = /MAXRSS (\d+)/.exec(stderr);
    return {
      args: args.join(' ') || '(defaults)',
      seconds,
      peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : 0,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('bench')
    .description('Benchmark the pipeline on MariaDB sources and a PostgreSQL warehouse.')
    .requiredOption('--orders-per-day <n[,n…]>', 'sizes to run, e.g. 10000,100000,1000000', sizeList)
    .option('--days <k>', 'days generated; the last one is measured', positiveInt('--days'), 1)
    .option('--runs <r>', 'measured runs per size (median and spread are reported)', positiveInt('--runs'), 3)
    .option('--seed <n>', 'generator seed', positiveInt('--seed'), 1)
    .option(
      '--seed-compare <n[,n…]>',
      "sizes at which to run the seed design's SQL against the product's",
      sizeList,
    )
    .option('--seed-limit <s>', 'time limit per seed statement, seconds', positiveInt('--seed-limit'), 600)
    .option(
      '--embedded',
      'also time `recon demo` on PGlite at its defaults and at 10,000 orders/day × 7 days',
    )
    .option(
      '--keep-sources',
      'keep the generated MariaDB sources for a later invocation (default: drop them)',
    )
    .option('--keep-warehouse', "keep the last run's warehouse database and print its URL")
    .option('--fresh-sources', 'regenerate the sources even when kept ones exist')
    .option('--profile <dir>', 'write V8 CPU profiles of the pipeline runs into <dir> (.cpuprofile)')
    .option('--out <dir>', 'where RESULTS.md and results.json go', path.join(ROOT, 'bench'));
  program.parse(argv, { from: 'user' });
  const opts = program.opts<Options>();
  const sizes = [...new Set([...opts.ordersPerDay, ...(opts.seedCompare ?? [])])].sort((a, b) => a - b);

  log('services: making sure MariaDB and PostgreSQL are installed and running');
  execFileSync('bash', [path.join(ROOT, 'scripts/services.sh'), 'ensure'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = new Date();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    versions: await versions(),
  };
  const results: SizeResult[] = [];
  for (const n of sizes) results.push({ ...(await benchSize(opts, n)), machine });
  const resultsFile = path.join(opts.out, 'results.json');
  const embeddedFile = path.join(opts.out, 'embedded.json');
  let embedded: BenchReport['embedded'] = existsSync(embeddedFile)
    ? (JSON.parse(readFileSync(embeddedFile, 'utf8')) as BenchReport['embedded'])
    : [];
  if (opts.embedded) {
    embedded = [];
    log('\n■ embedded (PGlite): recon demo');
    for (const args of [[], ['--days', '7', '--orders-per-day', '10000']]) {
      const e = await embeddedRun(args);
      log(`  demo ${e.args}: ${e.seconds.toFixed(1)} s, peak RSS ${e.peakRssMb} MB`);
      embedded.push(e);
    }
  }
  const report: BenchReport = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `npm run bench -- ${argv.join(' ')}`,
    machine,
    sizes: [...results, ...earlierSizes(resultsFile, results)],
    embedded,
  };
  const { markdown, json } = renderResults(report);
  writeFileSync(path.join(opts.out, 'RESULTS.md'), markdown);
  writeFileSync(resultsFile, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(embeddedFile, `${JSON.stringify(embedded, null, 2)}\n`);
  process.stdout.write(markdown);
  log(`\nwrote ${path.join(opts.out, 'RESULTS.md')} and ${resultsFile}`);
}

await main(process.argv.slice(2));
