/**
 * Opening the warehouse named by `RECON_WAREHOUSE_URL` (SPEC §11): `postgres://…` /
 * `postgresql://…` → PostgreSQL, `pglite://<dir>` or `pglite://memory` → embedded PGlite, unset →
 * PGlite under `<home>/warehouse`. `redshift-data://…` runs in AWS only.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConnectionConfigError } from '../errors.ts';
import { redactUrl } from './map-error.ts';
import { PgliteWarehouse } from './pglite.ts';
import { PostgresWarehouse } from './postgres.ts';
import { applyShims } from './shims.ts';
import type { Warehouse } from './types.ts';

/** Options of {@link openWarehouse}. */
export interface OpenWarehouseOptions {
  /** The product's local state directory (default `.recon`, relative to the working directory). */
  home?: string;
  /** PostgreSQL pool size (default 4). */
  poolSize?: number;
}

/**
 * Where a warehouse URL points, without opening anything.
 * @throws ConnectionConfigError for unsupported schemes (naming `RECON_WAREHOUSE_URL`).
 */
export function parseWarehouseUrl(
  url: string | undefined,
  options: OpenWarehouseOptions = {},
): { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string } {
  const home = options.home ?? '.recon';
  const value = url?.trim();
  if (value === undefined || value === '')
    return { kind: 'pglite', dataDir: resolve(join(home, 'warehouse')) };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConnectionConfigError(`RECON_WAREHOUSE_URL ${redactUrl(value)} is not a valid URL`);
    }
    if (!parsed.hostname)
      throw new ConnectionConfigError(`RECON_WAREHOUSE_URL ${redactUrl(value)} names no host`);
    return { kind: 'postgres', url: value };
  }
  if (/^pglite:\/\//i.test(value)) {
    const rest = value.slice('pglite://'.length);
    if (rest === '') {
      throw new ConnectionConfigError(
        'RECON_WAREHOUSE_URL pglite:// needs a directory or "memory" (pglite://memory)',
      );
    }
    if (rest === 'memory' || rest === 'memory/' || rest.startsWith('memory:'))
      return { kind: 'pglite', dataDir: 'memory://' };
    return { kind: 'pglite', dataDir: isAbsolute(rest) ? rest : resolve(rest) };
  }
  if (/^redshift-data:\/\//i.test(value)) {
    throw new ConnectionConfigError(
      `RECON_WAREHOUSE_URL ${redactUrl(value)}: the Redshift Data API adapter runs in AWS and comes with the ` +
        'deployment work; locally use postgres://… or pglite://<dir>',
    );
  }
  throw new ConnectionConfigError(
    `RECON_WAREHOUSE_URL ${redactUrl(value)} is not supported: use postgres://user:pass@host:port/db, ` +
      'pglite://<dir>, pglite://memory or redshift-data://<workgroup>/<db> (AWS only); unset for the embedded warehouse',
  );
}

/**
 * Open the warehouse `url` points to (see {@link parseWarehouseUrl}) and apply the PostgreSQL
 * shims (idempotent). Migrations are not run: call `migrate()`.
 * @throws ConnectionConfigError for an unsupported URL; WarehouseError/WarehouseTransientError
 * when the engine cannot be reached.
 */
export async function openWarehouse(
  url: string | undefined,
  options: OpenWarehouseOptions = {},
): Promise<Warehouse> {
  const target = parseWarehouseUrl(url, options);
  const wh: Warehouse =
    target.kind === 'postgres'
      ? new PostgresWarehouse({
          url: target.url,
          ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
        })
      : await PgliteWarehouse.open({ dataDir: target.dataDir });
  try {
    await applyShims(wh);
  } catch (error) {
    await wh.close().catch(() => {});
    throw error;
  }
  return wh;
}
