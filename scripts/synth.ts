/**
 * `npm run synth [-- --stage <stage>] [--out <dir>]`: writes the CloudFormation templates and the
 * bundled Lambda handlers of the whole app to a folder (default `dist/synth`), offline and without
 * AWS credentials. The stage's configuration is `stages/<stage>.json` (default stage `example`,
 * whose configuration names placeholder resources), or the file `RECON_STAGE_CONFIG` names.
 */
import path from 'node:path';
import { Command } from 'commander';
import { synthesizeApp } from '../stacks/synth.ts';

const program = new Command('synth')
  .description('Synthesize the SST app offline: CloudFormation templates + bundled handlers')
  .option('--stage <stage>', 'stage to synthesize (its configuration is stages/<stage>.json)', 'example')
  .option('--out <dir>', 'output folder (replaced)', 'dist/synth')
  .action(async (opts: { stage: string; out: string }) => {
    if (!/^[A-Za-z0-9-]{1,40}$/.test(opts.stage)) {
      throw new Error(`--stage must be letters, digits and "-", got "${opts.stage}"`);
    }
    const out = path.resolve(opts.out);
    const started = Date.now();
    const templates = await synthesizeApp(opts.stage, out);
    for (const [stack, file] of Object.entries(templates)) {
      process.stdout.write(`${stack}: ${path.relative(process.cwd(), file)}\n`);
    }
    process.stdout.write(
      `synthesized stage ${opts.stage} in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), out) || '.'}\n`,
    );
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`synth: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
