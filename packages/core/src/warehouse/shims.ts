/**
 * PostgreSQL-only shims (`packages/sql/shims/<dir>/*.sql`): functions such as Redshift's
 * DATEDIFF that PostgreSQL lacks, so the Redshift SQL of the models runs unchanged. Which shim
 * directories apply is a capability of the dialect (`shims`), never a check of the engine name.
 */
import { listSql, registerModel, splitStatements, sqlFile } from '@recon/sql';
import { WarehouseError } from '../errors.ts';
import { mapWarehouseError } from './map-error.ts';
import type { Warehouse, WarehouseDialect } from './types.ts';

const applied = new WeakSet<Warehouse>();

/** The shim directories a dialect asks for (none for dialects without a `shims` list). */
export function shimDirsOf(dialect: WarehouseDialect): readonly string[] {
  const shims = (dialect as { shims?: unknown }).shims;
  return Array.isArray(shims) ? shims.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * Apply the dialect's shims (idempotent: every shim is CREATE OR REPLACE), once per warehouse
 * object. Concurrent first runs from several processes can collide in the catalog; the
 * transaction is retried a few times before giving up.
 * @returns the shim files applied (empty when already applied or none apply).
 */
export async function applyShims(wh: Warehouse): Promise<string[]> {
  const dirs = shimDirsOf(wh.dialect);
  if (dirs.length === 0 || applied.has(wh)) return [];
  const files = dirs.flatMap((dir) => listSql(`shims/${dir}`));
  let lastError: unknown;
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      await wh.transaction(async (tx) => {
        for (const file of files) {
          for (const statement of splitStatements(sqlFile(file))) {
            registerModel(statement, file);
            await tx.execute(statement);
          }
        }
      });
      applied.add(wh);
      return files;
    } catch (error) {
      lastError = error;
      // Not allowed is not transient: a read-only user gets the answer at once.
      if (mapWarehouseError(error, { dialect: wh.dialect.name }).context['sqlstate'] === '42501') break;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  const mapped = mapWarehouseError(lastError, { dialect: wh.dialect.name, operation: 'apply shims' });
  throw new WarehouseError(`applying PostgreSQL shims failed: ${mapped.message}`, {
    cause: lastError,
    context: { ...mapped.context, model: files.join(', ') },
  });
}

/** The functions the dialect's shim files create (`CREATE OR REPLACE FUNCTION schema.name`) that do not exist. */
export async function missingShimFunctions(wh: Warehouse): Promise<string[]> {
  const files = shimDirsOf(wh.dialect).flatMap((dir) => listSql(`shims/${dir}`));
  const names = new Set<string>();
  for (const file of files) {
    for (const m of sqlFile(file).matchAll(/CREATE OR REPLACE FUNCTION\s+([a-z_]+)\.([a-z_]+)\s*\(/gi)) {
      names.add(`${m[1]!.toLowerCase()}.${m[2]!.toLowerCase()}`);
    }
  }
  if (names.size === 0) return [];
  const rows = await wh.query<{ name: string }>(
    `SELECT n.nspname || '.' || p.proname AS name
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace`,
  );
  const present = new Set(rows.map((r) => r.name));
  return [...names].filter((n) => !present.has(n)).sort();
}

/**
 * {@link applyShims}; a user who may not create them (the read-only group: SQLSTATE 42501) works
 * on with the shims the pipeline's user created, when they all exist.
 * @throws WarehouseError naming the missing functions when such a user finds some absent.
 */
export async function ensureShims(wh: Warehouse): Promise<void> {
  try {
    await applyShims(wh);
  } catch (error) {
    if (!(error instanceof WarehouseError) || error.context['sqlstate'] !== '42501') throw error;
    const missing = await missingShimFunctions(wh);
    if (missing.length > 0) {
      throw new WarehouseError(
        `the warehouse lacks the functions ${missing.join(', ')} and this user may not create them: ` +
          'run `recon migrate` once as the pipeline user',
        { cause: error, context: error.context },
      );
    }
  }
}
