import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import config from '../sst.config.ts';
import { TASKS } from './Pipeline.ts';
import { REPORT_FUNCTION_PACKAGES } from './Reporting.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('sst.config', () => {
  it('names the app and defaults the region to us-east-1', async () => {
    expect(await config.config({})).toEqual({ name: 'revenue-reconciliation', region: 'us-east-1' });
  });

  it('takes the region from the stage configuration when given', async () => {
    expect(await config.config({ stage: 'prod', region: 'eu-west-1' })).toMatchObject({
      region: 'eu-west-1',
    });
  });
});

describe('npm run synth', () => {
  it('writes every stack template and the bundled handlers, with no AWS configuration at all', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'recon-synth-home-'));
    const out = path.join(home, 'out');
    try {
      // No AWS configuration: no AWS_* variables, and config/credentials files that do not exist.
      const env = {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
        AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
      };
      const { stdout } = await promisify(execFile)(
        path.join(ROOT, 'node_modules/.bin/tsx'),
        ['scripts/synth.ts', '--stage', 'example', '--out', out],
        { cwd: ROOT, env, maxBuffer: 10 * 1024 * 1024 },
      );
      const stacks = ['Storage', 'Params', 'Pipeline', 'Monitoring', 'Reporting'].map(
        (s) => `example-revenue-reconciliation-${s}`,
      );
      for (const s of stacks) {
        expect(stdout).toContain(`${s}: `);
        expect(existsSync(path.join(out, 'cdk.out', `${s}.template.json`))).toBe(true);
      }
      expect(stdout).toMatch(/synthesized stage example in \d+\.\d s/);

      // Each task's handler is bundled, with the SQL models beside it; DuckDB (native, arm64) only
      // where a task uses it.
      const cdkOut = path.join(out, 'cdk.out');
      const bundles = readdirSync(cdkOut)
        .filter((d) => d.startsWith('asset.') && existsSync(path.join(cdkOut, d, 'packages/functions/src')))
        .map((d) => path.join(cdkOut, d));
      const byHandler = new Map(
        bundles.map((b) => [
          readdirSync(path.join(b, 'packages/functions/src')).find((f) => f.endsWith('.mjs'))!,
          b,
        ]),
      );
      // Each bundle loads on its own, outside the repository (nothing resolved from its
      // node_modules): no native engine is loaded at import time, no module is missing.
      const isolated = path.join(home, 'isolated');
      for (const [file, dir] of byHandler) {
        const copy = path.join(isolated, file);
        cpSync(dir, copy, { recursive: true });
        const { stdout: loaded } = await promisify(execFile)(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(pathToFileURL(path.join(copy, 'packages/functions/src', file)).href)}); process.stdout.write(typeof m.handler);`,
          ],
          { cwd: isolated, env: { ...env, RECON_SQL_ROOT: path.join(copy, 'sql') } },
        );
        expect(loaded, file).toBe('function');
      }
      expect(byHandler.has('record-failure.mjs')).toBe(true);
      expect(byHandler.has('migrate.mjs')).toBe(true);
      expect(byHandler.has('send-report.mjs')).toBe(true);
      expect(byHandler.has('refresh-views.mjs')).toBe(true);

      // The report bundle renders the monthly PDF's fonts: pdfkit is imported from the bundle's
      // node_modules (its standard font metrics load through its own package imports, which a
      // bundled copy loses), and a module beside the handler resolves it as the handler does.
      const reportSrc = path.join(isolated, 'send-report.mjs', 'packages/functions/src');
      const bundled = readFileSync(path.join(reportSrc, 'send-report.mjs'), 'utf8');
      expect(bundled).toMatch(/from\s*"pdfkit"/);
      for (const name of REPORT_FUNCTION_PACKAGES) {
        expect(existsSync(path.join(isolated, 'send-report.mjs', 'node_modules', name, 'package.json'))).toBe(
          true,
        );
      }
      writeFileSync(
        path.join(reportSrc, 'pdf-probe.mjs'),
        [
          `import PDFDocument from 'pdfkit';`,
          `const doc = new PDFDocument({ size: 'A4' });`,
          `const chunks = [];`,
          `doc.on('data', (c) => chunks.push(c));`,
          `const done = new Promise((resolve) => doc.on('end', resolve));`,
          `doc.font('Helvetica-Bold').text('Monthly reconciliation report').font('Helvetica').text('Revenue 1,234.56');`,
          `doc.end();`,
          `await done;`,
          `process.stdout.write(Buffer.concat(chunks).toString('latin1'));`,
        ].join('\n'),
      );
      const { stdout: pdf } = await promisify(execFile)(
        process.execPath,
        [path.join(reportSrc, 'pdf-probe.mjs')],
        {
          cwd: isolated,
          env,
          maxBuffer: 10 * 1024 * 1024,
        },
      );
      expect(pdf.startsWith('%PDF-')).toBe(true);
      expect(pdf).toContain('/BaseFont /Helvetica-Bold');
      expect(pdf).toContain('/BaseFont /Helvetica\n');

      for (const [state, spec] of Object.entries(TASKS)) {
        const dir = byHandler.get(`${spec.handler}.mjs`);
        expect(dir, state).toBeDefined();
        expect(existsSync(path.join(dir!, 'sql/ddl/001_schema.sql')), state).toBe(true);
        const binding = path.join(dir!, 'node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node');
        expect(existsSync(binding), state).toBe(spec.needs.includes('duckdb'));
        if (spec.needs.includes('duckdb')) {
          // An ELF object for AArch64 (e_machine 183), not the build machine's.
          const header = readFileSync(binding).subarray(0, 20);
          expect(header.subarray(1, 4).toString()).toBe('ELF');
          expect(header.readUInt16LE(18)).toBe(183);
        }
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 300_000);
});
