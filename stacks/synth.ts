import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { App, getStack, type StackContext } from 'sst/constructs';
import { initProject, useProject } from 'sst/project.js';

/** A functional SST stack, as passed to `app.stack(…)`. */
export type StackFn = (ctx: StackContext) => unknown;

/** Repository root: where `sst.config.ts` lives. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let initialized: Promise<void> | undefined;

/**
 * Loads `sst.config.ts` once per process with an explicit stage: without one SST prompts on stdin
 * for a personal stage.
 */
function initOnce(stage = 'test'): Promise<void> {
  initialized ??= initProject({ stage, root: ROOT });
  return initialized;
}

/**
 * Test-only: builds an SST app for `stage`, lets `define` add stacks (as `sst.config.ts` does),
 * finishes it offline as `sst deploy` would (including function bundling in `app.finish()`), and
 * returns what `inspect` reads from it. Needs no AWS credentials or network.
 *
 * Everything SST and CDK write (`types/`, function artifacts, the cloud assembly) goes to a private
 * temp dir, removed afterwards, so parallel test workers never race on the repo's `.sst/`.
 */
export async function synthApp<T>(
  stage: string,
  define: (app: App) => unknown,
  inspect: (app: App) => T,
): Promise<T> {
  // App.finish() looks up the CDK bootstrap stack in AWS unless NODE_ENV is 'test'.
  process.env['NODE_ENV'] = 'test';
  await initOnce();
  const out = mkdtempSync(path.join(tmpdir(), 'recon-sst-'));
  try {
    const { paths } = useProject();
    paths.out = out;
    paths.artifacts = path.join(out, 'artifacts');
    const app = new App(
      { mode: 'deploy', stage, name: 'revenue-reconciliation', region: 'us-east-1' },
      { outdir: path.join(out, 'cdk.out') },
    );
    await define(app);
    await app.finish();
    return inspect(app);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Synthesizes the whole app (`sst.config.ts`) for `stage` into `outDir`, as `sst deploy` would up
 * to the point where it needs AWS: `outDir/cdk.out` holds the CloudFormation templates
 * (`<stack>.template.json`) and the bundled handlers (asset directories the templates reference).
 * Needs no AWS credentials; fetches only the Linux arm64 DuckDB binding from the npm registry
 * (cached after the first time).
 * @returns the template file of each stack, by stack name
 */
export async function synthesizeApp(stage: string, outDir: string): Promise<Record<string, string>> {
  process.env['NODE_ENV'] = 'test';
  await initOnce(stage);
  const { paths } = useProject();
  rmSync(outDir, { recursive: true, force: true });
  paths.out = path.join(outDir, '.sst');
  paths.artifacts = path.join(outDir, '.sst', 'artifacts');
  const cdkOut = path.join(outDir, 'cdk.out');
  const app = new App(
    { mode: 'deploy', stage, name: 'revenue-reconciliation', region: 'us-east-1' },
    { outdir: cdkOut },
  );
  const { default: config } = await import('../sst.config.ts');
  await config.stacks(app);
  await app.finish();
  const assembly = app.synth();
  rmSync(paths.out, { recursive: true, force: true });
  return Object.fromEntries(assembly.stacks.map((s) => [s.stackName, path.join(cdkOut, s.templateFile)]));
}

/**
 * Test-only: synthesizes the given stacks in order (later ones may `use` earlier ones) and returns
 * the CloudFormation template of the last one.
 */
export function synthStack(stage: string, ...stacks: [...StackFn[], StackFn]): Promise<Template> {
  return synthApp(
    stage,
    async (app) => {
      for (const fn of stacks) await app.stack(fn);
    },
    () => Template.fromStack(getStack(stacks[stacks.length - 1]!)),
  );
}
