/**
 * Opening the product for one process: settings, warehouse (migrated), staging store, sources
 * and the pipeline runtime — from the environment variables of SPEC §11.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { UsageError } from './errors.ts';
import { join, resolve } from 'node:path';
import type { Runtime } from './pipeline/runtime.ts';
import { loadSettings, type SettingKey, type Settings } from './settings.ts';
import { closeAll, openSourceReaders, openSourceSinks, SOURCE_URL_ENV } from './sources/connections.ts';
import { EmbeddedSources } from './sources/embedded.ts';
import { DEFAULT_BATCH_SIZE } from './sources/read-request.ts';
import { SOURCE_IDS, SOURCE_TABLES, type SourceId } from './sources/spec.ts';
import type { SourceReader, SourceSink } from './sources/types.ts';
import { type ObjectStore, openObjectStore } from './staging/object-store.ts';
import { BusinessCalendar } from './time.ts';
import { openWarehouse } from './warehouse/connect.ts';
import { WECOM_WEBHOOK_ENV } from './notify/webhook-url.ts';
import { migrate } from './warehouse/migrate.ts';
import type { Warehouse } from './warehouse/types.ts';
import { WarehouseWatermarkStore } from './warehouse/watermarks.ts';

export interface AppOptions {
  /** Environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Directory of `recon.config.json` (default: current directory). */
  cwd?: string;
  /** Home of embedded state (default `RECON_HOME` or `.recon`). */
  home?: string;
  /** Settings that win over config and environment. */
  settings?: Partial<Record<SettingKey, unknown>>;
  /** Ignore every `RECON_*_URL`: embedded sources, PGlite warehouse and file staging under home. */
  embeddedOnly?: boolean;
  /** Rows per source batch (default 10,000). */
  batchSize?: number;
  /** Share an already open embedded source store (not closed by this app). */
  embeddedSources?: EmbeddedSources;
}

export interface App {
  readonly home: string;
  readonly settings: Settings;
  readonly warehouse: Warehouse;
  readonly staging: ObjectStore;
  readonly runtime: Runtime;
  /** The embedded source store (used by sources without a URL). */
  readonly embedded: EmbeddedSources;
  /** Sinks for the sources (the synthetic generator writes through them). */
  sinks(): Record<SourceId, SourceSink>;
  /**
   * Fail clearly when a source without a URL falls back to embedded sources that hold no tables
   * (a fresh home: nothing to reconcile until `recon demo` runs or the URLs are set).
   */
  checkSources(): Promise<void>;
  /** Where each connection points, without credentials (for messages). */
  readonly describe: { warehouse: string; staging: string; sources: string };
  close(): Promise<void>;
}

const CONNECTION_VARS = [...Object.values(SOURCE_URL_ENV), 'RECON_WAREHOUSE_URL', 'RECON_STAGING_URL'];

/** Open settings, warehouse (applying pending migrations), staging, sources and the runtime. */
export async function openApp(options: AppOptions = {}): Promise<App> {
  const baseEnv = options.env ?? process.env;
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  if (options.embeddedOnly) for (const v of CONNECTION_VARS) delete env[v];
  const home = resolve(options.home ?? env.RECON_HOME ?? '.recon');
  const settings = loadSettings({
    env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    overrides: options.settings ?? {},
  });
  await mkdir(home, { recursive: true });
  const staging = openObjectStore(env.RECON_STAGING_URL, home);
  const embedded = options.embeddedSources ?? new EmbeddedSources(join(home, 'sources'));
  // Validate every source URL before opening anything heavy.
  let readers: Record<SourceId, SourceReader> | undefined;
  const readersFor = () => {
    readers ??= openSourceReaders({ env, embedded });
    return readers;
  };
  readersFor();
  let sinks: Record<SourceId, SourceSink> | undefined;
  const warehouse = await openWarehouse(env.RECON_WAREHOUSE_URL, { home });
  try {
    await migrate(warehouse);
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  await mkdir(join(home, 'tmp'), { recursive: true });
  const tmpDir = await mkdtemp(join(home, 'tmp', 'run-'));
  const runtime: Runtime = {
    settings,
    calendar: new BusinessCalendar(settings.businessTimeZone),
    warehouse,
    watermarks: new WarehouseWatermarkStore(warehouse),
    staging,
    reader: (source) => readersFor()[source],
    tmpDir,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    // Raw values: a malformed URL is recorded as a FAILED alert naming the variable, never thrown.
    webhooks: async () =>
      Object.fromEntries(
        Object.entries(WECOM_WEBHOOK_ENV).flatMap(([channel, name]) =>
          env[name] ? [[channel, env[name]]] : [],
        ),
      ),
  };
  const anyEmbedded = Object.values(SOURCE_URL_ENV).some((v) => !env[v]);
  return {
    home,
    settings,
    warehouse,
    staging,
    runtime,
    embedded,
    sinks() {
      sinks ??= openSourceSinks({ env, embedded });
      return sinks;
    },
    async checkSources() {
      const missing = SOURCE_IDS.filter((s) => !env[SOURCE_URL_ENV[s]]);
      if (missing.length === 0) return;
      const db = await embedded.db();
      const found = await db.query<{ table_schema: string; table_name: string }>(
        'SELECT table_schema, table_name FROM information_schema.tables',
      );
      const have = new Set(found.rows.map((r) => `${r.table_schema}.${r.table_name}`));
      const absent = SOURCE_TABLES.filter(
        (t) => missing.includes(t.source) && !have.has(`${t.source}.${t.table}`),
      );
      if (absent.length > 0) {
        throw new UsageError(
          `no source connection is set for ${missing.map((s) => SOURCE_URL_ENV[s]).join(', ')} and the embedded sources under ${join(home, 'sources')} have no ${absent[0]!.source}.${absent[0]!.table} table; set the URLs (mysql://user:pass@host:port/db) or run \`recon demo\` and use its RECON_HOME`,
        );
      }
    },
    describe: {
      warehouse: env.RECON_WAREHOUSE_URL
        ? warehouse.dialect.name
        : `embedded PGlite (${join(home, 'warehouse')})`,
      staging: staging.url,
      sources: anyEmbedded ? `embedded (${join(home, 'sources')})` : 'MySQL',
    },
    async close() {
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (error) {
          errors.push(error);
        }
      };
      if (readers) await attempt(() => closeAll(readers!));
      if (sinks) await attempt(() => closeAll(sinks!));
      if (!options.embeddedSources) await attempt(() => embedded.close());
      await attempt(() => warehouse.close());
      // Partition tasks still in flight when an execution fails may be finishing their temp files.
      await attempt(() => rm(tmpDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
      if (errors.length) throw errors[0];
    },
  };
}
