import { randomUUID } from 'node:crypto';

/** A new run id: the business date without dashes + a random suffix (safe in keys, SQL and execution names). */
export function newRunId(reconDate: string): string {
  return `${reconDate.replaceAll('-', '')}-${randomUUID().slice(0, 8)}`;
}
