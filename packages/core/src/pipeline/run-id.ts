import { createHash, randomUUID } from 'node:crypto';

/** What a run id may be: 1–64 letters, digits, "-" or "_" (safe in keys, SQL and execution names). */
export const RUN_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A new run id: the business date without dashes + a random suffix (safe in keys, SQL and execution names). */
export function newRunId(reconDate: string): string {
  return `${reconDate.replaceAll('-', '')}-${randomUUID().slice(0, 8)}`;
}

/**
 * A run id derived from an execution name that cannot be one itself: the same name always gives
 * the same id, so the failure recorder lands on the run StartRun started.
 */
export function runIdOfName(reconDate: string, executionName: string): string {
  const hash = createHash('sha256').update(executionName).digest('hex').slice(0, 12);
  return `${reconDate.replaceAll('-', '')}-${hash}`;
}
