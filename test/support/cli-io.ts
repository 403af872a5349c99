/**
 * Test support for the CLI and the pipeline: a captured `Io` and the run as-of of a generated day.
 */
import type { Io } from '../../packages/core/src/cli/main.ts';

/** An `Io` whose output is captured in memory. */
export function io(env: NodeJS.ProcessEnv = {}): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    stdout: () => out,
    stderr: () => err,
  };
}

/** A generated batch end ('YYYY-MM-DD HH:MM:SS' UTC) as the ISO as-of of the day's run. */
export const asOfOf = (batchEnd: string): string => `${batchEnd.replace(' ', 'T')}Z`;
