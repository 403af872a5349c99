/**
 * What the commands share: option parsers that refuse a bad value as a usage error naming the
 * option, and opening the app for one command.
 */
import { InvalidArgumentError } from 'commander';
import { type App, openApp } from '../app.ts';
import { RUN_ID_RE } from '../pipeline/run-id.ts';
import { parseDateArg } from '../time.ts';
import type { Io } from './main.ts';

/** A parser for a business-date option `name` (YYYY-MM-DD, a real calendar date). */
export function dateOption(name: string): (value: string) => string {
  return (value: string) => {
    try {
      return parseDateArg(value, name);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A parser for a run-id option `name` (1–64 letters, digits, "-" or "_"). */
export function runIdOption(name: string): (value: string) => string {
  return (value: string) => {
    if (!RUN_ID_RE.test(value)) {
      throw new InvalidArgumentError(
        `${name} must be a run id (1–64 letters, digits, "-" or "_"), got "${value}"`,
      );
    }
    return value;
  };
}

/** A parser for a whole-number option `name` from 1 to `max`. */
export function positiveIntOption(name: string, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

/** Open the app for one command and always close it. */
export async function withApp<T>(io: Io, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp({ env: io.env });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
