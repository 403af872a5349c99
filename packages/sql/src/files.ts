/**
 * Loading SQL model files from this package (`ddl/`, `staging/`, `match/`, …), cached, with a
 * reverse lookup so a warehouse adapter can name the model a failing statement came from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the `packages/sql` directory, or of the copy `RECON_SQL_ROOT` names (a bundled
 * Lambda function carries the models beside its code, away from this module's own location).
 */
export const SQL_ROOT: string =
  process.env['RECON_SQL_ROOT']?.trim() || dirname(dirname(fileURLToPath(import.meta.url)));

const textCache = new Map<string, string>();
const modelByText = new Map<string, string>();
const registered = new Map<string, string>();

/** Raised for a path outside the SQL package or a missing file. */
export class SqlFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlFileError';
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

function resolveInside(relPath: string): { abs: string; rel: string } {
  if (isAbsolute(relPath)) throw new SqlFileError(`SQL path must be relative to packages/sql: ${relPath}`);
  const abs = normalize(join(SQL_ROOT, relPath));
  const rel = toPosix(relative(SQL_ROOT, abs));
  if (rel.startsWith('..') || rel === '') throw new SqlFileError(`SQL path escapes packages/sql: ${relPath}`);
  return { abs, rel };
}

/**
 * The text of the SQL file `relPath` (relative to `packages/sql`, e.g. `ddl/001_schema.sql`),
 * read once and cached.
 * @throws SqlFileError when the path leaves the package or the file does not exist.
 */
export function sqlFile(relPath: string): string {
  const { abs, rel } = resolveInside(relPath);
  const cached = textCache.get(rel);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (error) {
    throw new SqlFileError(`cannot read SQL file ${rel}`, { cause: error });
  }
  textCache.set(rel, text);
  if (!modelByText.has(text)) modelByText.set(text, rel);
  return text;
}

/**
 * The `.sql` files directly inside `dir` (relative to `packages/sql`), as package-relative paths
 * (`ddl/001_schema.sql`) sorted by file name — the order migrations are applied in.
 */
export function listSql(dir: string): string[] {
  const { abs, rel } = resolveInside(dir);
  let names: string[];
  try {
    names = readdirSync(abs, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.sql'))
      .map((d) => d.name);
  } catch (error) {
    throw new SqlFileError(`cannot list SQL directory ${rel}`, { cause: error });
  }
  return names.sort().map((name) => `${rel}/${name}`);
}

/** Every `.sql` file of the package, recursively, as package-relative paths, sorted. */
export function listAllSql(): string[] {
  const out: string[] = [];
  const walk = (dirAbs: string): void => {
    for (const d of readdirSync(dirAbs, { withFileTypes: true })) {
      if (d.name === 'node_modules' || d.name.startsWith('.')) continue;
      const abs = join(dirAbs, d.name);
      if (d.isDirectory()) walk(abs);
      else if (d.isFile() && d.name.endsWith('.sql')) out.push(toPosix(relative(SQL_ROOT, abs)));
    }
  };
  walk(SQL_ROOT);
  return out.sort();
}

/**
 * The package-relative path of the model whose full text is `sql`, when it was loaded through
 * {@link sqlFile} (or {@link registerModel}); undefined otherwise. Adapters use it to fill
 * `context.model` on errors.
 */
export function modelNameOf(sql: string): string | undefined {
  return modelByText.get(sql) ?? registered.get(sql);
}

/**
 * Remember that `sql` (e.g. one rendered step of a templated model) comes from `model`, so errors
 * raised while running it name that model. The registry is bounded to keep memory flat.
 */
export function registerModel(sql: string, model: string): void {
  if (modelByText.has(sql) || registered.has(sql)) return;
  if (registered.size >= 10_000) registered.clear();
  registered.set(sql, model);
}
