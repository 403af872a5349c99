/**
 * Schema migrations: the files of `packages/sql/ddl/`, applied once each, in file-name order,
 * each in its own transaction, recorded in `recon.schema_migrations`.
 *
 * The DDL is written once, in the Redshift/PostgreSQL common subset. Each statement goes through
 * the dialect's `renderDdl` capability when it has one: on Redshift that appends every CREATE
 * TABLE's `-- redshift:` marker as DISTSTYLE/DISTKEY/SORTKEY and refuses index creation before
 * anything is sent; PostgreSQL and PGlite have none and run the text exactly as written.
 */
import { listSql, registerModel, splitStatements, sqlFile } from '@recon/sql';
import { type ReconError, WarehouseError } from '../errors.ts';
import { mapWarehouseError } from './map-error.ts';
import { applyShims, ensureShims } from './shims.ts';
import type { Warehouse, WarehouseDialect } from './types.ts';
import { dateToUtcText } from './values.ts';

/** The bootstrap migration: creates schema `recon` and `recon.schema_migrations`, idempotently. */
export const BOOTSTRAP_MIGRATION = 'ddl/001_schema.sql';

/** What one {@link migrate} call did. */
export interface MigrateResult {
  /** Migration files applied by this call, in order (package-relative, e.g. `ddl/002_staging_tables.sql`). */
  applied: string[];
  /** Files already recorded as applied (by an earlier call or a concurrent process). */
  skipped: string[];
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Migration files to consider (default: every `ddl/*.sql`, sorted). */
  files?: readonly string[];
  /** Clock for `applied_at` (default: now). */
  now?: () => Date;
}

/**
 * The statements of migration `file` as `dialect` must run them, each registered under the file's
 * name so a failure names it.
 * @throws WarehouseError naming the file when the dialect refuses a statement.
 */
export function migrationStatements(file: string, dialect: WarehouseDialect): string[] {
  return splitStatements(sqlFile(file)).map((statement) => {
    let rendered: string;
    try {
      rendered = dialect.renderDdl === undefined ? statement : dialect.renderDdl(statement);
    } catch (error) {
      throw new WarehouseError(
        `migration ${file} cannot run on ${dialect.name}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, context: { dialect: dialect.name, model: file } },
      );
    }
    registerModel(rendered, file);
    return rendered;
  });
}

function withModel(error: unknown, wh: Warehouse, file: string): ReconError {
  const mapped = mapWarehouseError(error, { dialect: wh.dialect.name, model: file });
  if (mapped.context['model'] === undefined) mapped.context['model'] = file;
  return mapped;
}

/**
 * The probe of a statement preceded by a `-- skip-if: <query>` comment line: the statement is
 * skipped when the query returns a row. For objects that live outside the database and cannot be
 * created IF NOT EXISTS on Redshift, such as groups (`SELECT 1 FROM pg_group WHERE groname = …`).
 */
export function skipIfProbe(statement: string): string | null {
  const match = /^\s*--\s*skip-if:\s*(\S.*?)\s*$/m.exec(statement);
  if (!match) return null;
  // Only a marker among the statement's leading comments counts.
  const before = statement.slice(0, match.index);
  if (before.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--'))) return null;
  return match[1]!;
}

/** "already exists" for an object created concurrently (SQLSTATE 42710, or a catalog unique key). */
function isDuplicateObject(error: ReconError): boolean {
  const code = error.context['sqlstate'];
  return code === '42710' || code === '23505' || /already exists/i.test(error.message);
}

/** The versions recorded in `recon.schema_migrations`, or null when it cannot be read (not there yet). */
async function recordedVersions(wh: Warehouse): Promise<Set<string> | null> {
  try {
    const rows = await wh.query<{ version: string }>('SELECT version FROM recon.schema_migrations');
    return new Set(rows.map((r) => r.version));
  } catch {
    return null;
  }
}

async function bootstrap(wh: Warehouse): Promise<void> {
  const statements = migrationStatements(BOOTSTRAP_MIGRATION, wh.dialect);
  // Two processes creating the schema at the same moment can collide on the catalog's unique
  // index even with IF NOT EXISTS; the loser simply retries.
  for (let attempt = 1; ; attempt++) {
    try {
      for (const statement of statements) await wh.execute(statement);
      return;
    } catch (error) {
      if (attempt >= 3) throw withModel(error, wh, BOOTSTRAP_MIGRATION);
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Apply every migration not yet recorded in `recon.schema_migrations`, in order, each in its own
 * transaction that also records it; a second call applies nothing. The dialect's shims are
 * applied first (on PostgreSQL/PGlite the DDL's views use them; Redshift has none). Concurrent callers serialize on a table lock of
 * `recon.schema_migrations`, so each file is applied by exactly one of them.
 * @throws WarehouseError with `context.model` naming the failing file (that file's transaction
 * is rolled back; files applied before it stay applied).
 */
export async function migrate(wh: Warehouse, options: MigrateOptions = {}): Promise<MigrateResult> {
  const files = options.files ?? listSql('ddl');
  const now = options.now ?? (() => new Date());
  // Up to date already (the usual case): no bootstrap, no locks — one read. A user of the
  // read-only group gets this far too, so its read commands work.
  const recorded = await recordedVersions(wh);
  if (recorded !== null && files.every((f) => recorded.has(f))) {
    await ensureShims(wh);
    return { applied: [], skipped: [...files] };
  }
  await applyShims(wh);
  await bootstrap(wh);
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const file of files) {
    const statements = migrationStatements(file, wh.dialect).map((sql) => ({
      sql,
      skipIf: skipIfProbe(sql),
    }));
    const clusterWide = statements.some((st) => st.skipIf !== null);
    for (let attempt = 1; ; attempt++) {
      let recording = false;
      try {
        const applied = await wh.transaction(async (tx) => {
          await tx.execute('LOCK TABLE recon.schema_migrations');
          const done = await tx.query<{ n: string }>(
            'SELECT COUNT(*) AS n FROM recon.schema_migrations WHERE version = :version',
            { version: file },
          );
          if (done[0]?.n !== '0') return false;
          for (const st of statements) {
            if (st.skipIf !== null && (await tx.query(st.skipIf)).length > 0) continue;
            await tx.execute(st.sql);
          }
          recording = true;
          await tx.execute(
            'INSERT INTO recon.schema_migrations (version, applied_at) VALUES (:version, :appliedAt)',
            {
              version: file,
              appliedAt: dateToUtcText(now()),
            },
          );
          return true;
        });
        (applied ? result.applied : result.skipped).push(file);
        break;
      } catch (error) {
        const mapped = withModel(error, wh, file);
        if (recording && mapped.context['sqlstate'] === '23505') {
          throw new WarehouseError(
            `migration ${file} was recorded by a concurrent migrate while this one applied it; ` +
              'its transaction was rolled back — run migrate again',
            { cause: error, context: { ...mapped.context, model: file } },
          );
        }
        // A cluster-wide object (a group) is not guarded by this database's migration lock: another
        // database's migrate may create it between the probe and the CREATE. The transaction rolled
        // back; the next attempt's probe sees the object and skips it.
        if (clusterWide && !recording && attempt < 3 && isDuplicateObject(mapped)) continue;
        throw mapped;
      }
    }
  }
  return result;
}
