/**
 * Full contents of every `recon` table, for "a re-run changes nothing" checks. Run-log rows
 * (one row per run) and the columns naming the run that last wrote a row are left out: they
 * record that a run happened, not what the data is.
 */
import type { Warehouse } from '../../packages/core/src/warehouse/types.ts';

/** Tables whose grain is one row per run or per command invocation (the alert log also depends on run timing). */
const RUN_LOGS = new Set([
  'dwd_recon_anomaly_metrics',
  'dwd_recon_alerts',
  'etl_backfills',
  'schema_migrations',
]);
/** Columns that identify the run or the moment that wrote the row. */
const RUN_COLUMNS = new Set(['run_id', 'last_run_id', 'updated_at', 'applied_at']);

export async function reconSnapshot(wh: Warehouse): Promise<Record<string, unknown[]>> {
  const tables = await wh.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'recon' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    if (RUN_LOGS.has(table_name)) continue;
    const cols = await wh.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'recon' AND table_name = :t ORDER BY ordinal_position",
      { t: table_name },
    );
    const keep = cols.map((c) => c.column_name).filter((c) => !RUN_COLUMNS.has(c));
    const list = keep.join(', ');
    out[table_name] = await wh.query(`SELECT ${list} FROM recon.${table_name} ORDER BY ${list}`);
  }
  return out;
}
