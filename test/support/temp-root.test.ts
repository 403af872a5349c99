import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the suite temporary directory', () => {
  it('is the one the global setup made, in the test worker and in the processes it spawns', () => {
    const dir = tmpdir();
    expect(basename(dir)).toMatch(/^recon-suite-/);
    const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("os").tmpdir())'], {
      encoding: 'utf8',
    });
    expect(child).toBe(dir);
  });
});
