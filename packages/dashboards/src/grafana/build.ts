/**
 * Writes the Grafana dashboards and provisioning files of this package:
 *
 *   npx tsx packages/dashboards/src/grafana/build.ts           write them (and delete stale ones)
 *   npx tsx packages/dashboards/src/grafana/build.ts --check   exit 1 if the checked-in files differ
 *
 * The files under packages/dashboards/grafana/ are checked in: Grafana provisions them as they are.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type GeneratedFile, generatedFiles, OUTPUT_DIR, PACKAGE_ROOT } from './render.ts';

/** Every file currently under the output directory, as package-relative '/' paths. */
export async function existingFiles(): Promise<string[]> {
  const root = join(PACKAGE_ROOT, OUTPUT_DIR);
  let entries: string[];
  try {
    entries = await readdir(root, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(root, entry);
    if ((await stat(full)).isFile()) files.push(relative(PACKAGE_ROOT, full).split(sep).join('/'));
  }
  return files.sort();
}

/** Differences between the generated files and those on disk: changed, missing and stale paths. */
export async function drift(files: readonly GeneratedFile[]): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const f of files) {
    const onDisk = await readFile(join(PACKAGE_ROOT, f.path), 'utf8').catch(() => null);
    if (onDisk === null) problems.push(`missing: ${f.path}`);
    else if (onDisk !== f.content) problems.push(`differs: ${f.path}`);
  }
  for (const path of await existingFiles()) if (!expected.has(path)) problems.push(`stale: ${path}`);
  return problems;
}

async function main(args: readonly string[]): Promise<number> {
  const files = await generatedFiles();
  if (args.includes('--check')) {
    const problems = await drift(files);
    for (const p of problems) process.stderr.write(`${p}\n`);
    if (problems.length > 0) {
      process.stderr.write('run `npx tsx packages/dashboards/src/grafana/build.ts` to regenerate\n');
      return 1;
    }
    process.stdout.write(`${files.length} generated files are up to date\n`);
    return 0;
  }
  const expected = new Set(files.map((f) => f.path));
  // A renamed dashboard must not stay provisioned under its old name.
  for (const path of await existingFiles()) {
    if (!expected.has(path)) await rm(join(PACKAGE_ROOT, path));
  }
  for (const f of files) {
    const target = join(PACKAGE_ROOT, f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    process.stdout.write(`wrote packages/dashboards/${f.path}\n`);
  }
  return 0;
}

// Run only as a script, not when imported (the drift test imports `drift`).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
