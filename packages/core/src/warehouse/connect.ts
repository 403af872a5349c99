/**
 * Opening the warehouse named by `RECON_WAREHOUSE_URL` (SPEC §11): `postgres://…` /
 * `postgresql://…` → PostgreSQL, `pglite://<dir>` or `pglite://memory` → embedded PGlite, unset →
 * PGlite under `<home>/warehouse`, and Amazon Redshift through the Data API:
 *
 *     redshift-data://<workgroup>/<database>[?secretArn=…][&copyRoleArn=…]             Serverless
 *     redshift-data://cluster:<cluster-id>/<database>[?secretArn=…|dbUser=…][&copyRoleArn=…]  provisioned
 *
 * (redshift-url.ts has the rules). Opening Redshift sends nothing — the Data API is connectionless
 * and the first statement reaches it — and applies no shims (its dialect lists none). Region and
 * AWS credentials come from the ambient AWS configuration.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConnectionConfigError } from '../errors.ts';
import { redactUrl } from './map-error.ts';
import { PgliteWarehouse } from './pglite.ts';
import { PostgresWarehouse } from './postgres.ts';
import { RedshiftDataWarehouse } from './redshift-data.ts';
import { parseRedshiftDataUrl, type RedshiftDataUrlTarget, URL_COPY_ROLE_SOURCE } from './redshift-url.ts';
import { ensureShims } from './shims.ts';
import type { Warehouse } from './types.ts';

/** Options of {@link openWarehouse}. */
export interface OpenWarehouseOptions {
  /** The product's local state directory (default `.recon`, relative to the working directory). */
  home?: string;
  /** PostgreSQL pool size (default 4). */
  poolSize?: number;
}

/** Where a warehouse URL points (see {@link parseWarehouseUrl}). */
export type WarehouseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'redshift-data'; target: RedshiftDataUrlTarget };

/**
 * Where a warehouse URL points, without opening anything.
 * @throws ConnectionConfigError for unsupported schemes or a malformed URL (naming
 *   `RECON_WAREHOUSE_URL`, never echoing a password or secret).
 */
export function parseWarehouseUrl(
  url: string | undefined,
  options: OpenWarehouseOptions = {},
): WarehouseTarget {
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
  if (/^redshift-data:\/\//i.test(value))
    return { kind: 'redshift-data', target: parseRedshiftDataUrl(value) };
  throw new ConnectionConfigError(
    `RECON_WAREHOUSE_URL ${redactUrl(value)} is not supported: use postgres://user:pass@host:port/db, ` +
      'pglite://<dir>, pglite://memory, redshift-data://<workgroup>/<db> or redshift-data://cluster:<id>/<db>; ' +
      'unset for the embedded warehouse',
  );
}

/**
 * Open the warehouse `url` points to (see {@link parseWarehouseUrl}) and apply its dialect's shims
 * (the PostgreSQL ones on PostgreSQL/PGlite, none on Redshift; idempotent). Migrations are not
 * run: call `migrate()`.
 * @throws ConnectionConfigError for an unsupported URL; WarehouseError/WarehouseTransientError
 * when the engine cannot be reached.
 */
export async function openWarehouse(
  url: string | undefined,
  options: OpenWarehouseOptions = {},
): Promise<Warehouse> {
  const target = parseWarehouseUrl(url, options);
  let wh: Warehouse;
  if (target.kind === 'postgres') {
    wh = new PostgresWarehouse({
      url: target.url,
      ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    });
  } else if (target.kind === 'redshift-data') {
    wh = new RedshiftDataWarehouse({ ...target.target, copyRoleSource: URL_COPY_ROLE_SOURCE });
  } else {
    wh = await PgliteWarehouse.open({ dataDir: target.dataDir });
  }
  try {
    await ensureShims(wh);
  } catch (error) {
    await wh.close().catch(() => {});
    throw error;
  }
  return wh;
}
