/**
 * The warehouse: adapters (PostgreSQL, PGlite), opening by URL, migrations, staging loads,
 * dead letters and extraction watermarks. See types.ts for the value-normalization contract.
 */
export { type OpenWarehouseOptions, openWarehouse, parseWarehouseUrl } from './connect.ts';
export {
  DELETED_COLUMN,
  type DeadLetterRow,
  INSERT_DEAD_LETTERS_MODEL,
  insertDeadLetters,
  type LoadResult,
  loadStagingTable,
  MERGE_STAGING_MODEL,
  truncateUtf8,
} from './load.ts';
export { mapWarehouseError, redact, redactUrl } from './map-error.ts';
export { BOOTSTRAP_MIGRATION, type MigrateOptions, type MigrateResult, migrate } from './migrate.ts';
export { PGLITE_DIALECT, type PgliteLike, PgliteWarehouse } from './pglite.ts';
export {
  POSTGRES_DIALECT,
  type PostgresFamilyDialect,
  PostgresWarehouse,
  type PostgresWarehouseOptions,
} from './postgres.ts';
export { applyShims, shimDirsOf } from './shims.ts';
export type { Row, SqlExecutor, SqlParams, Warehouse, WarehouseDialect, WarehouseTx } from './types.ts';
export { dateToUtcText, timestamptzToIso, toBindValue } from './values.ts';
export {
  WATERMARKS_MODEL,
  WarehouseWatermarkStore,
  type Watermark,
  type WatermarkStore,
} from './watermarks.ts';
