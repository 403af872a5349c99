import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: the whole suite writes its temporary files (every test's `mkdtemp`, the
 * embedded homes, the CLI child processes, PGlite and DuckDB scratch) under one directory of its
 * own, removed when the suite ends — so a run, passing or failing, leaves nothing behind in the
 * machine's temporary directory. `TMPDIR` is set before any test worker starts, and workers and
 * the processes they spawn inherit it (`os.tmpdir()` reads it on every call).
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'recon-suite-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
