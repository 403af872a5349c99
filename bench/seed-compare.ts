/**
 * The seed design's way against the product's, on the same engine and the same data
 * (`bench.ts --seed-compare`). Three phases, each side timed the same way (wall clock around the
 * statement, rows counted):
 *
 * - extraction (MariaDB/MySQL sources): for each of the nine source tables, the seed's query
 *   `WHERE DATE(create_time) = D AND …` (bench/seed-sql/extraction.mysql.sql; the seed has none for
 *   t_reconcile_voucher, whose query applies its pattern by analogy) against the product's own
 *   query, built by `mysqlSelectSql` (the reader's text: the spec's watermark column — update_time,
 *   or create_time on append-only tables — in the half-open range of the business day
 *   [start of D, start of D + 1) in `timeZone`). Every row of each query is streamed (mysql2,
 *   `rowsAsArray`, `.stream()`) and counted; the phase's time is the sum over the tables. Both
 *   queries of a table run once untimed first (the warm-up), then once timed.
 * - l1 / l2 (PostgreSQL warehouse, on the staging tables the product's run loaded): the seed's
 *   Level 1 / Level 2 SQL (bench/seed-sql/level1.sql, level2.sql: renames only) against the
 *   product's match_level1.sql / match_level2.sql steps `delete_window` + `insert_results`, run
 *   exactly as `runMatching` runs them, with the settings' defaults and over the product's
 *   re-evaluation window D − extractionLookbackDays … D (what a run for D rewrites; the seed's SQL
 *   has no date predicate and reads the whole staging table). Each side runs in a transaction that
 *   is rolled back; the seed's query is timed as `INSERT INTO <temp table> <query>` (the temp
 *   table created empty beforehand, untimed) so that both sides are INSERT … SELECT under the same
 *   planner rules. The product's two steps run once untimed first (the warm-up), then timed; the
 *   seed's statement runs once under `SET LOCAL statement_timeout` = `limitSeconds`.
 *
 * A seed statement exceeding `limitSeconds` makes its phase's seedSeconds, seedRows and ratio
 * null, with note `> N s`. No value is spliced into SQL text: dates and limits are bound.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { namedSteps } from '@recon/sql';
import mysql, { type Connection } from 'mysql2';
import pg from 'pg';
import { settingsSchema } from '../packages/core/src/settings.ts';
import { mysqlConnectionOptions, mysqlSelectSql, parseMysqlUrl } from '../packages/core/src/sources/mysql.ts';
import { SOURCE_TABLES, type SourceId, type SourceTableSpec } from '../packages/core/src/sources/spec.ts';
import { addDays, BusinessCalendar, formatTimestamp, isValidDate } from '../packages/core/src/time.ts';
import { modelSteps } from '../packages/core/src/warehouse/model.ts';
import { prepareStatement } from '../packages/core/src/warehouse/values.ts';

export interface PhaseComparison {
  /** Seconds the seed's way took; null when one of its statements hit the limit. */
  seedSeconds: number | null;
  productSeconds: number;
  /** seedSeconds ÷ productSeconds (how many times slower the seed's way is); null at the limit. */
  ratio: number | null;
  /** What was compared (`> N s` when the seed hit the limit). */
  note: string;
  /** Rows the seed's way produced (extraction: read); null when it hit the limit. */
  seedRows: number | null;
  productRows: number;
}

export interface SeedComparisonContext {
  /** mysql://… URL of each source database (keys: salesorder, salespayment, ifiaccounting, iunifiedreconcile), already filled with generated data */
  sourceUrls: Record<'salesorder' | 'salespayment' | 'ifiaccounting' | 'iunifiedreconcile', string>;
  /** postgres://… URL of a warehouse database on which the product's pipeline has ALREADY run for `reconDate` (so recon.stg_* staging tables are populated) */
  warehouseUrl: string;
  /** The business date 'YYYY-MM-DD' the run reconciled */
  reconDate: string;
  /** Business time zone (e.g. 'America/New_York') */
  timeZone: string;
  /** Time limit per seed statement in seconds (e.g. 600); a seed statement exceeding it is reported with seedSeconds null and note '> 600 s' */
  limitSeconds: number;
  /** Optional progress and per-table detail lines. */
  log?: (line: string) => void;
}

type Phase = 'extraction' | 'l1' | 'l2';

const SEED_SQL_DIR = new URL('./seed-sql/', import.meta.url);

/** The PostgreSQL session settings of the product's warehouse adapter (warehouse/postgres.ts). */
const PG_SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres';

/** PostgreSQL's query_canceled (statement_timeout). */
const PG_QUERY_CANCELED = '57014';
/** MariaDB ER_STATEMENT_TIMEOUT (max_statement_time), MySQL ER_QUERY_TIMEOUT (max_execution_time). */
const MYSQL_TIMEOUT_ERRNOS = new Set([1969, 3024]);
/** ER_UNKNOWN_SYSTEM_VARIABLE: the server is MySQL, not MariaDB. */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
/** Grace the client gives the server to enforce the limit before it drops the connection itself. */
const CLIENT_GRACE_MS = 5_000;

/** The named steps of a file of bench/seed-sql. */
function seedSteps(file: string): (name: string) => string {
  const steps = new Map(
    namedSteps(readFileSync(new URL(file, SEED_SQL_DIR), 'utf8')).map((s) => [s.name, s.sql]),
  );
  return (name) => {
    const sql = steps.get(name);
    if (sql === undefined) throw new Error(`bench/seed-sql/${file} has no step ${name}`);
    return sql;
  };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

function phase(
  seed: { seconds: number; rows: number } | null,
  product: { seconds: number; rows: number },
  note: string,
): PhaseComparison {
  return {
    seedSeconds: seed === null ? null : round(seed.seconds),
    productSeconds: round(product.seconds),
    ratio: seed === null ? null : Math.round((seed.seconds / Math.max(product.seconds, 1e-6)) * 10) / 10,
    note,
    seedRows: seed === null ? null : seed.rows,
    productRows: product.rows,
  };
}

const count = (items: readonly string[]) =>
  [...new Set(items)].map((k) => `${k}×${items.filter((i) => i === k).length}`).join(' ');

// ---------------------------------------------------------------------------------------------
// Extraction (MariaDB/MySQL)
// ---------------------------------------------------------------------------------------------

/** A connection with the product reader's options (exact values, UTC wall clock). */
async function openMysql(url: string, source: SourceId): Promise<Connection> {
  const connection = mysql.createConnection(
    mysqlConnectionOptions(parseMysqlUrl(url, `source URL of ${source}`)),
  );
  await connection.promise().connect();
  return connection;
}

function errno(error: unknown): number | undefined {
  const n = (error as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? n : undefined;
}

/** Limit every statement of the session to `seconds` (MariaDB max_statement_time, else MySQL's). */
async function limitSession(connection: Connection, seconds: number): Promise<void> {
  try {
    await connection.promise().query('SET SESSION max_statement_time = ?', [seconds]);
  } catch (error) {
    if (errno(error) !== ER_UNKNOWN_SYSTEM_VARIABLE) throw error;
    await connection.promise().query('SET SESSION max_execution_time = ?', [Math.ceil(seconds * 1000)]);
  }
}

/**
 * Stream every row of `sql` (as arrays, like the product's reader) and count them. With
 * `limitSeconds`, null when the statement was stopped at the limit (the connection is then closed).
 */
async function streamRows(
  url: string,
  source: SourceId,
  sql: string,
  params: readonly string[],
  limitSeconds: number | null,
): Promise<{ seconds: number; rows: number } | null> {
  const connection = await openMysql(url, source);
  let timer: NodeJS.Timeout | undefined;
  let droppedByClient = false;
  let healthy = false;
  try {
    if (limitSeconds !== null) await limitSession(connection, limitSeconds);
    const started = performance.now();
    if (limitSeconds !== null) {
      timer = setTimeout(
        () => {
          droppedByClient = true;
          connection.destroy();
        },
        limitSeconds * 1000 + CLIENT_GRACE_MS,
      );
    }
    let rows = 0;
    try {
      const stream = connection
        .query({ sql, rowsAsArray: true }, [...params])
        .stream({ highWaterMark: 1024 });
      for await (const _row of stream) rows++;
    } catch (error) {
      if (limitSeconds !== null && (droppedByClient || MYSQL_TIMEOUT_ERRNOS.has(errno(error) ?? 0)))
        return null;
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    healthy = true;
    return { seconds, rows };
  } finally {
    if (timer) clearTimeout(timer);
    if (healthy) await connection.promise().end();
    else connection.destroy();
  }
}

interface PlanRow {
  table?: unknown;
  type?: unknown;
  key?: unknown;
}

/** MariaDB's access type of `table` in the plan of `sql` ('ALL' = full scan, 'range' = index range). */
async function accessType(
  url: string,
  source: SourceId,
  spec: SourceTableSpec,
  sql: string,
  params: string[],
) {
  const connection = await openMysql(url, source);
  try {
    const [plan] = await connection.promise().query(`EXPLAIN ${sql}`, params);
    const rows = plan as PlanRow[];
    const row = rows.find((r) => r.table === spec.table) ?? rows[0];
    const type = String(row?.type ?? '?');
    return row?.key ? `${type}(${String(row.key)})` : type;
  } finally {
    await connection.promise().end();
  }
}

/** Names of the indexes whose first column is `column` (the source DDL of sources/ddl.ts). */
async function indexesOn(url: string, source: SourceId, table: string, column: string): Promise<string[]> {
  const connection = await openMysql(url, source);
  try {
    const [rows] = await connection
      .promise()
      .query(
        'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS ' +
          'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? AND SEQ_IN_INDEX = 1',
        [table, column],
      );
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    await connection.promise().end();
  }
}

async function compareExtraction(
  ctx: SeedComparisonContext,
  log: (line: string) => void,
): Promise<PhaseComparison> {
  const seedSql = seedSteps('extraction.mysql.sql');
  const calendar = new BusinessCalendar(ctx.timeZone);
  const lo = formatTimestamp(calendar.startOf(ctx.reconDate));
  const hi = formatTimestamp(calendar.startOf(addDays(ctx.reconDate, 1)));
  const seed = { seconds: 0, rows: 0 };
  const product = { seconds: 0, rows: 0 };
  let seedTimedOut = false;
  const seedPlans: string[] = [];
  const productPlans: string[] = [];
  const missingIndexes: string[] = [];
  for (const spec of SOURCE_TABLES) {
    const url = ctx.sourceUrls[spec.source];
    const seedText = seedSql(spec.table);
    const seedParams = [ctx.reconDate];
    const productText = mysqlSelectSql(spec);
    const productParams = [lo, hi];

    const indexes = await indexesOn(url, spec.source, spec.table, spec.watermark);
    if (indexes.length === 0) missingIndexes.push(`${spec.table}.${spec.watermark}`);
    const seedPlan = await accessType(url, spec.source, spec, seedText, seedParams);
    const productPlan = await accessType(url, spec.source, spec, productText, productParams);
    seedPlans.push(seedPlan.replace(/\(.*\)$/, ''));
    productPlans.push(productPlan.replace(/\(.*\)$/, ''));

    // Warm-up (untimed), then the timed runs. Once a seed statement hit the limit, the phase's
    // seed figure is null and the remaining seed statements are not run.
    const seedRun = () =>
      seedTimedOut
        ? Promise.resolve(null)
        : streamRows(url, spec.source, seedText, seedParams, ctx.limitSeconds);
    const productRun = () => streamRows(url, spec.source, productText, productParams, null);
    if ((await seedRun()) === null) seedTimedOut = true;
    await productRun();
    const s = await seedRun();
    const p = await productRun();
    if (p === null) throw new Error(`product extraction of ${spec.table} returned no result`);
    product.seconds += p.seconds;
    product.rows += p.rows;
    if (s === null) seedTimedOut = true;
    else {
      seed.seconds += s.seconds;
      seed.rows += s.rows;
    }
    log(
      `    extraction ${spec.table}: seed ${s === null ? `> ${ctx.limitSeconds} s` : `${s.seconds.toFixed(3)} s, ${s.rows} rows`} [${seedPlan}]; ` +
        `product ${p.seconds.toFixed(3)} s, ${p.rows} rows [${productPlan}; ${spec.watermark} ∈ [${lo}, ${hi})]; ` +
        `indexes on ${spec.watermark}: ${indexes.join(', ') || 'NONE'}`,
    );
  }
  if (seedTimedOut) return phase(null, product, `> ${ctx.limitSeconds} s`);
  const note =
    `9 tables; seed DATE(create_time) = '${ctx.reconDate}' (UTC date; t_reconcile_voucher by analogy), plans ${count(seedPlans)}; ` +
    `product watermark ∈ [${lo}, ${hi}) UTC (${ctx.timeZone} day), plans ${count(productPlans)}; ` +
    (missingIndexes.length ? `NO index on ${missingIndexes.join(', ')}` : 'watermark indexed on 9/9');
  return phase(seed, product, note);
}

// ---------------------------------------------------------------------------------------------
// Levels 1 and 2 (PostgreSQL warehouse)
// ---------------------------------------------------------------------------------------------

type Timed = { seconds: number; rows: number };

/** Run `fn` in a transaction that is always rolled back. */
async function rolledBack<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    return await fn();
  } finally {
    await client.query('ROLLBACK');
  }
}

async function runProduct(
  client: pg.Client,
  model: string,
  params: Readonly<Record<string, string>>,
): Promise<Timed> {
  const step = modelSteps(model);
  const del = prepareStatement(step('delete_window'), params);
  const insert = prepareStatement(step('insert_results'), params);
  return rolledBack(client, async () => {
    const started = performance.now();
    await client.query(del.text, del.values);
    const result = await client.query(insert.text, insert.values);
    return { seconds: (performance.now() - started) / 1000, rows: result.rowCount ?? 0 };
  });
}

/** The seed's query into an empty temp table, under the statement limit; null at the limit. */
async function runSeed(
  client: pg.Client,
  query: string,
  tempTable: string,
  limitSeconds: number,
): Promise<Timed | null> {
  return rolledBack(client, async () => {
    await client.query(`CREATE TEMP TABLE ${tempTable} ON COMMIT DROP AS\n${query}\nWITH NO DATA`);
    await client.query("SELECT set_config('statement_timeout', $1, true)", [
      String(Math.ceil(limitSeconds * 1000)),
    ]);
    const started = performance.now();
    try {
      const result = await client.query(`INSERT INTO ${tempTable}\n${query}`);
      return { seconds: (performance.now() - started) / 1000, rows: result.rowCount ?? 0 };
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === PG_QUERY_CANCELED) return null;
      throw error;
    }
  });
}

async function compareLevels(
  ctx: SeedComparisonContext,
  log: (line: string) => void,
): Promise<Record<'l1' | 'l2', PhaseComparison>> {
  const settings = settingsSchema.parse({});
  const params = {
    fromDate: addDays(ctx.reconDate, -settings.extractionLookbackDays),
    toDate: ctx.reconDate,
    l1AmountTolerance: settings.l1AmountTolerance,
    l2AmountTolerance: settings.l2AmountTolerance,
    l3AmountTolerance: settings.l3AmountTolerance,
    stripeFeeMin: settings.stripeFeeMin,
    stripeFeeMax: settings.stripeFeeMax,
  };
  const client = new pg.Client({
    connectionString: ctx.warehouseUrl,
    connectionTimeoutMillis: 10_000,
    application_name: 'recon-seed-compare',
    options: PG_SESSION_OPTIONS,
  });
  await client.connect();
  try {
    const scope = await client.query<{
      orders: string;
      first: string | null;
      last: string | null;
      window: string;
    }>(
      `SELECT COUNT(*)::text AS orders, MIN(biz_date)::text AS first, MAX(biz_date)::text AS last,
              COUNT(*) FILTER (WHERE biz_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE))::text AS window
       FROM recon.stg_recon_orders WHERE order_status IN (5, 6, 7)`,
      [params.fromDate, params.toDate],
    );
    const s = scope.rows[0];
    const scopeNote =
      `seed: all staging, no date filter (${s?.orders ?? '?'} completed orders, biz_date ${s?.first ?? '–'}…${s?.last ?? '–'}); ` +
      `product: delete_window + insert_results for ${params.fromDate}…${params.toDate} (${s?.window ?? '?'} completed orders); ` +
      'both INSERT … SELECT, rolled back';
    const levels = [
      {
        phase: 'l1',
        model: 'match/match_level1.sql',
        file: 'level1.sql',
        step: 'seed_level1',
        temp: 'seed_l1',
      },
      {
        phase: 'l2',
        model: 'match/match_level2.sql',
        file: 'level2.sql',
        step: 'seed_level2',
        temp: 'seed_l2',
      },
    ] as const;
    const out = {} as Record<'l1' | 'l2', PhaseComparison>;
    for (const level of levels) {
      await runProduct(client, level.model, params); // warm-up, untimed
      const product = await runProduct(client, level.model, params);
      log(`    ${level.phase} product: ${product.seconds.toFixed(3)} s, ${product.rows} rows`);
      const seed = await runSeed(client, seedSteps(level.file)(level.step), level.temp, ctx.limitSeconds);
      log(
        `    ${level.phase} seed: ${seed === null ? `> ${ctx.limitSeconds} s` : `${seed.seconds.toFixed(3)} s, ${seed.rows} rows`}`,
      );
      out[level.phase] = phase(seed, product, seed === null ? `> ${ctx.limitSeconds} s` : scopeNote);
    }
    return out;
  } finally {
    await client.end();
  }
}

/**
 * Time the seed design's extraction, Level 1 and Level 2 against the product's on the same data
 * (see the file comment). Read-only on the sources; on the warehouse every statement runs in a
 * transaction that is rolled back.
 */
export async function compareWithSeed(ctx: SeedComparisonContext): Promise<Record<Phase, PhaseComparison>> {
  if (!isValidDate(ctx.reconDate)) throw new Error(`invalid reconDate "${ctx.reconDate}"`);
  if (!(Number.isFinite(ctx.limitSeconds) && ctx.limitSeconds > 0)) {
    throw new Error(`limitSeconds must be a positive number, got ${ctx.limitSeconds}`);
  }
  new BusinessCalendar(ctx.timeZone).startOf(ctx.reconDate); // throws for an unknown zone
  const log = ctx.log ?? (() => {});
  log('  seed comparison: extraction');
  const extraction = await compareExtraction(ctx, log);
  log('  seed comparison: levels 1 and 2');
  const { l1, l2 } = await compareLevels(ctx, log);
  return { extraction, l1, l2 };
}
