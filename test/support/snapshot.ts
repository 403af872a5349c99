/**
 * Snapshots of warehouse contents for equality checks (incremental = full, idempotency).
 */
import { SOURCE_TABLES } from '../../packages/core/src/sources/spec.ts';
import type { Warehouse } from '../../packages/core/src/warehouse/types.ts';

export type Snapshot = Record<string, unknown[]>;

/** Every staging table's rows, ordered by primary key. */
export async function stagingSnapshot(wh: Warehouse): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const spec of SOURCE_TABLES) {
    const cols = spec.staging.columns.map((c) => c.name).join(', ');
    out[spec.staging.name] = await wh.query(
      `SELECT ${cols} FROM recon.${spec.staging.name} ORDER BY ${spec.staging.primaryKey}`,
    );
  }
  return out;
}

/** Dead letters without the run that first saw them. */
export async function deadLetterSnapshot(wh: Warehouse): Promise<unknown[]> {
  return wh.query(
    `SELECT table_name, source_pk, source_version, reason, raw_row FROM recon.dwd_recon_dead_letter
     ORDER BY table_name, source_pk, source_version, reason`,
  );
}

/** Row counts per staging table. */
export function counts(s: Snapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length]));
}
