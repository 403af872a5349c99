import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where Node would find package `name` required from `fromDir`: the nearest `node_modules/<name>`. */
function findPackage(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(
    `bundle: package ${name} is not installed (needed from ${path.relative(ROOT, fromDir) || '.'})`,
  );
}

/**
 * Copies the installed package `name` (as resolved from `fromDir`, a repository directory) and
 * every package it depends on at run time into a function bundle directory `out`, each at the same
 * place under `out/node_modules` as under the repository's `node_modules`, so the bundle resolves
 * exactly the versions the product is tested with, with no install at synthesis.
 *
 * For a package esbuild cannot bundle faithfully: pdfkit loads its standard font metrics at run
 * time through its own package `imports` (`#standard-fonts/*`), which exist only inside pdfkit's
 * directory.
 * @returns the repository-relative directories copied
 */
export function copyPackageClosure(out: string, name: string, fromDir: string): string[] {
  const seen = new Set<string>();
  const pending = [findPackage(name, fromDir)];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) pending.push(findPackage(dep, dir));
  }
  const copied: string[] = [];
  for (const dir of seen) {
    const rel = path.relative(ROOT, dir);
    // `node_modules/a/node_modules/b` or `packages/x/node_modules/a`: kept below the bundle's
    // node_modules at the path after the first `node_modules/`, as Node resolves it there.
    const parts = rel.split(path.sep);
    const first = parts.indexOf('node_modules');
    if (first < 0) throw new Error(`bundle: ${rel} is not an installed package`);
    cpSync(dir, path.join(out, ...parts.slice(first)), { recursive: true, dereference: true });
    copied.push(rel);
  }
  return copied.sort();
}
