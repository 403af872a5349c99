/**
 * The pipeline {@link Runtime} inside AWS Lambda: settings from SSM Parameter Store (under
 * `/recon/`, cached with a short TTL so a threshold change applies on the next run without a
 * deploy), staging on S3, watermarks in DynamoDB, the warehouse through the Redshift Data API
 * (`RECON_REDSHIFT_WORKGROUP`, `RECON_REDSHIFT_DATABASE`, optional `RECON_REDSHIFT_SECRET_ARN`, and
 * `RECON_REDSHIFT_COPY_ROLE_ARN` for the staging load's COPY from S3) and the MySQL sources with
 * credentials from Secrets Manager.
 *
 * The connections are opened once per Lambda container (a module-level promise); settings are
 * re-read on every call through the Parameters cache. Secrets are never logged: error messages
 * name the environment variable or the secret's field, never a value.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ConnectionConfigError, SettingsError } from '../../core/src/errors.ts';
import { WECOM_WEBHOOK_PARAMETERS, type WecomChannel } from '../../core/src/notify/webhook-url.ts';
import type { Runtime } from '../../core/src/pipeline/runtime.ts';
import {
  envNameOf,
  loadSettings,
  SETTING_KEYS,
  type SettingKey,
  type Settings,
} from '../../core/src/settings.ts';
import { type MysqlConnectionConfig, MysqlSourceReader } from '../../core/src/sources/mysql.ts';
import { DEFAULT_BATCH_SIZE } from '../../core/src/sources/read-request.ts';
import { SOURCE_DATABASES, type SourceId, type SourceTableSpec } from '../../core/src/sources/spec.ts';
import type { RawRow, SourceReader } from '../../core/src/sources/types.ts';
import type { ObjectStore } from '../../core/src/staging/object-store.ts';
import { S3ObjectStore } from '../../core/src/staging/s3-object-store.ts';
import { BusinessCalendar } from '../../core/src/time.ts';
import { DynamoDbWatermarkStore } from '../../core/src/warehouse/dynamodb-watermarks.ts';
import { RedshiftDataWarehouse } from '../../core/src/warehouse/redshift-data.ts';
import type { Warehouse } from '../../core/src/warehouse/types.ts';
import type { WatermarkStore } from '../../core/src/warehouse/watermarks.ts';
import { logger as defaultLogger } from './observability.ts';

/**
 * Environment variable holding the IAM role ARN Redshift assumes to COPY the staging load files
 * from S3 (`arn:aws:iam::<account>:role/<name>`). Read when the connections open: a malformed
 * value fails every task with a ConnectionConfigError naming it; when unset, only the staging
 * load fails (at its COPY), naming it too.
 */
export const COPY_ROLE_ENV = 'RECON_REDSHIFT_COPY_ROLE_ARN';

/** Parameter Store path holding the settings in production (seed Appendix B). */
export const PARAMETER_PATH = '/recon/';

/**
 * The Parameter Store path of this stage's settings: `RECON_PARAMETER_ROOT` (set by the stack:
 * `/recon` in prod, `/<stage>/recon` elsewhere) with a trailing slash, default {@link PARAMETER_PATH}.
 * @throws SettingsError when the variable is not a parameter path
 */
export function parameterPath(env: NodeJS.ProcessEnv): string {
  const root = env.RECON_PARAMETER_ROOT?.trim();
  if (!root) return PARAMETER_PATH;
  if (!/^(\/[A-Za-z0-9_.-]+)+\/?$/.test(root)) {
    throw new SettingsError(
      `RECON_PARAMETER_ROOT must be a parameter path such as /recon or /dev/recon, got "${root}"`,
    );
  }
  return root.endsWith('/') ? root : `${root}/`;
}
/** Default cache TTL of the settings parameters, in seconds. */
export const DEFAULT_PARAMETERS_MAX_AGE_SECONDS = 60;
/** Longest allowed settings cache TTL (a threshold change must apply within 5 minutes). */
export const MAX_PARAMETERS_MAX_AGE_SECONDS = 300;
/** Cache TTL of the source database secrets, in seconds (a rotation applies within it). */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Parameters under `/recon/` that are deliberately not settings (secrets read elsewhere). */
const NON_SETTING_PARAMETERS = new Set(['wecom_warning_webhook', 'wecom_critical_webhook']);

/** Environment variable naming the Secrets Manager secret of each source database. */
export const SOURCE_SECRET_ENV: Record<SourceId, string> = {
  salesorder: 'RECON_SALESORDER_SECRET_ARN',
  salespayment: 'RECON_SALESPAYMENT_SECRET_ARN',
  ifiaccounting: 'RECON_IFIACCOUNTING_SECRET_ARN',
  iunifiedreconcile: 'RECON_IUNIFIEDRECONCILE_SECRET_ARN',
};

/** The logging this module needs (a Powertools `Logger` satisfies it). */
export interface WarnLogger {
  warn(message: string, attributes: Record<string, string>): void;
}

/** The Parameters provider calls used here (Powertools providers satisfy them). */
export interface ParameterSource {
  getMultiple(
    path: string,
    options: { recursive: boolean; maxAge: number },
  ): Promise<Record<string, unknown> | undefined>;
  /** One parameter, decrypted (the SecureString webhooks). */
  get(name: string, options: { decrypt: boolean; maxAge: number }): Promise<unknown>;
}
/** Reads one secret's value (a Powertools `SecretsProvider` satisfies it). */
export interface SecretSource {
  get(name: string, options: { maxAge: number }): Promise<string | Uint8Array | undefined>;
}

/** Seams for tests and alternative wiring; every field defaults to the AWS implementation. */
export interface AwsRuntimeDeps {
  parameters?: ParameterSource;
  secrets?: SecretSource;
  logger?: WarnLogger;
  /** Opens a MySQL reader for a source (default {@link MysqlSourceReader}). */
  openReader?: (source: SourceId, config: MysqlConnectionConfig) => SourceReader;
  staging?: ObjectStore;
  watermarks?: WatermarkStore;
  warehouse?: Warehouse;
}

/** `thresholds/l1_amount_tolerance` or `/recon/thresholds/l1_amount_tolerance` → `l1AmountTolerance`. */
export function parameterKey(name: string): string {
  const last = name.split('/').filter(Boolean).pop() ?? '';
  return last.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The settings cache TTL from `RECON_PARAMETERS_MAX_AGE_SECONDS` (0…300, default 60). */
export function parametersMaxAge(env: NodeJS.ProcessEnv): number {
  const text = env.RECON_PARAMETERS_MAX_AGE_SECONDS?.trim();
  if (!text) return DEFAULT_PARAMETERS_MAX_AGE_SECONDS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > MAX_PARAMETERS_MAX_AGE_SECONDS) {
    throw new SettingsError(
      `RECON_PARAMETERS_MAX_AGE_SECONDS must be a whole number of seconds from 0 to ${MAX_PARAMETERS_MAX_AGE_SECONDS}`,
    );
  }
  return n;
}

/** Only the `RECON_*` variables that are settings (the others are connections, not settings). */
function settingEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set(SETTING_KEYS.map(envNameOf));
  return Object.fromEntries(Object.entries(env).filter(([name]) => names.has(name)));
}

/**
 * Settings from parameter values keyed by name (full `/recon/…` or relative to it): defaults ←
 * `RECON_<SETTING>` environment variables ← parameters. A parameter whose last segment is not a
 * setting is ignored with a warning.
 * @throws SettingsError naming the parameter when its value is invalid, or when two parameters
 *   set the same setting.
 */
export function settingsFromParameters(
  parameters: Record<string, unknown>,
  options: { env?: NodeJS.ProcessEnv; logger?: WarnLogger } = {},
): Settings {
  const log = options.logger ?? defaultLogger;
  const root = parameterPath(options.env ?? {});
  const known = new Set<string>(SETTING_KEYS);
  const overrides: Partial<Record<SettingKey, unknown>> = {};
  const from = new Map<string, string>();
  for (const [rawName, value] of Object.entries(parameters)) {
    const name = rawName.startsWith('/') ? rawName : `${root}${rawName}`;
    const last = name.split('/').pop() ?? '';
    if (NON_SETTING_PARAMETERS.has(last)) continue;
    const key = parameterKey(name);
    if (!known.has(key)) {
      log.warn('ignoring SSM parameter that is not a setting', { parameter: name });
      continue;
    }
    const earlier = from.get(key);
    if (earlier !== undefined) {
      throw new SettingsError(`SSM parameters ${earlier} and ${name} both set ${key}`, {
        context: { key, parameter: name },
      });
    }
    from.set(key, name);
    overrides[key as SettingKey] = value;
  }
  try {
    return loadSettings({ env: settingEnv(options.env ?? {}), overrides });
  } catch (error) {
    const key = error instanceof SettingsError ? error.context.key : undefined;
    const parameter = typeof key === 'string' ? from.get(key) : undefined;
    if (!(error instanceof SettingsError) || parameter === undefined) throw error;
    const detail = error.message.replace(/^invalid setting \S+ \(from [^)]*\): /, '');
    throw new SettingsError(`invalid SSM parameter ${parameter} (setting ${String(key)}): ${detail}`, {
      cause: error,
      context: { key, parameter },
    });
  }
}

/** Read every parameter under the stage's path (recursively, paged, cached for `maxAge`) into settings. */
export async function loadAwsSettings(
  env: NodeJS.ProcessEnv,
  deps: { parameters: ParameterSource; logger?: WarnLogger },
): Promise<Settings> {
  const values = await deps.parameters.getMultiple(parameterPath(env), {
    recursive: true,
    maxAge: parametersMaxAge(env),
  });
  return settingsFromParameters(values ?? {}, { env, ...(deps.logger ? { logger: deps.logger } : {}) });
}

function secretError(label: string, what: string): ConnectionConfigError {
  return new ConnectionConfigError(`secret of ${label} ${what}`);
}

/**
 * The MySQL connection of a source from its Secrets Manager value, as RDS writes it:
 * `{ host, port, username, password, dbname }` (`port` number or numeric text, default 3306;
 * `dbname` defaults to the source's database). `label` names the secret in messages; no value is
 * ever echoed.
 * @throws ConnectionConfigError naming the missing or invalid field.
 */
export function mysqlConfigFromSecret(
  source: SourceId,
  secret: string | Uint8Array,
  label: string,
): MysqlConnectionConfig {
  const text = typeof secret === 'string' ? secret : new TextDecoder().decode(secret);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw secretError(label, 'is not JSON; expected {host, port, username, password, dbname}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw secretError(label, 'is not a JSON object; expected {host, port, username, password, dbname}');
  }
  const s = parsed as Record<string, unknown>;
  const text_ = (field: string): string => {
    const v = s[field];
    if (typeof v !== 'string' || v.trim() === '') throw secretError(label, `has no ${field}`);
    return v;
  };
  const host = text_('host').trim();
  const user = text_('username');
  const password = text_('password');
  const rawPort = s.port ?? 3306;
  const port = typeof rawPort === 'string' && /^\d+$/.test(rawPort.trim()) ? Number(rawPort) : rawPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw secretError(label, 'has an invalid port');
  }
  const database = s.dbname === undefined || s.dbname === '' ? SOURCE_DATABASES[source] : s.dbname;
  if (typeof database !== 'string' || !/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw secretError(label, 'has an invalid dbname');
  }
  return { host, port, user, password, database };
}

/** Secret values seen by this container, scrubbed from anything {@link redactSecrets} is given. */
const knownSecrets = new Set<string>();

/** Register a webhook URL and its query values (the key) as secrets {@link redactSecrets} scrubs. */
function rememberWebhookSecrets(webhook: string): void {
  knownSecrets.add(webhook);
  try {
    for (const v of new URL(webhook).searchParams.values()) knownSecrets.add(v);
  } catch {
    // Not a URL: the whole value is registered already.
  }
}

/**
 * Replace every known secret value (database passwords, webhook URLs and keys) in `text` with
 * `***`, longest first (a URL before the key inside it).
 */
export function redactSecrets(text: string): string {
  let out = text;
  const secrets = [...knownSecrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/**
 * A source reader whose MySQL credentials come from Secrets Manager on first use (and again after
 * the secret cache expires: a rotated secret opens a new pool).
 */
export class SecretMysqlReader implements SourceReader {
  readonly source: SourceId;
  #current: { fingerprint: string; reader: SourceReader } | undefined;
  readonly #config: () => Promise<MysqlConnectionConfig>;
  readonly #open: (source: SourceId, config: MysqlConnectionConfig) => SourceReader;

  /**
   * @param source the source served
   * @param config resolves the current connection config (cached by the caller)
   * @param open opens a reader for a config
   */
  constructor(
    source: SourceId,
    config: () => Promise<MysqlConnectionConfig>,
    open: (source: SourceId, config: MysqlConnectionConfig) => SourceReader,
  ) {
    this.source = source;
    this.#config = config;
    this.#open = open;
  }

  async #reader(): Promise<SourceReader> {
    const config = await this.#config();
    const fingerprint = JSON.stringify(config);
    if (this.#current?.fingerprint !== fingerprint) {
      const old = this.#current?.reader;
      this.#current = { fingerprint, reader: this.#open(this.source, config) };
      if (old) void old.close().catch(() => undefined);
    }
    return this.#current.reader;
  }

  async *readPartition(
    spec: SourceTableSpec,
    window: { from: string; to: string },
    options?: { batchSize?: number },
  ): AsyncIterable<RawRow[]> {
    const reader = await this.#reader();
    yield* reader.readPartition(spec, window, options);
  }

  async close(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    await current?.reader.close();
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConnectionConfigError(`environment variable ${name} is not set`);
  return v;
}

/** What is opened once per container. */
interface Connections {
  staging: ObjectStore;
  watermarks: WatermarkStore;
  warehouse: Warehouse;
  readers: Map<SourceId, SourceReader>;
  tmpDir: string;
  calendars: Map<string, BusinessCalendar>;
  parameters: ParameterSource;
  secrets: SecretSource;
  logger: WarnLogger;
  openReader: (source: SourceId, config: MysqlConnectionConfig) => SourceReader;
}

async function openConnections(env: NodeJS.ProcessEnv, deps: AwsRuntimeDeps): Promise<Connections> {
  const secretArn = env.RECON_REDSHIFT_SECRET_ARN?.trim();
  const copyRoleArn = env[COPY_ROLE_ENV]?.trim();
  const staging = deps.staging ?? new S3ObjectStore(required(env, 'RECON_STAGING_URL'));
  const warehouse =
    deps.warehouse ??
    new RedshiftDataWarehouse({
      workgroupName: required(env, 'RECON_REDSHIFT_WORKGROUP'),
      database: required(env, 'RECON_REDSHIFT_DATABASE'),
      ...(secretArn ? { secretArn } : {}),
      // Optional at open: only the staging load COPYs from S3, and it fails naming the variable
      // when it is unset; a malformed value fails here, for every task.
      ...(copyRoleArn ? { copyRoleArn } : {}),
      copyRoleSource: COPY_ROLE_ENV,
      invocationDeadline: warehouseDeadline,
    });
  const tableName = env.RECON_WATERMARK_TABLE?.trim();
  const watermarks = deps.watermarks ?? new DynamoDbWatermarkStore(tableName ? { tableName } : {});
  return {
    staging,
    warehouse,
    watermarks,
    readers: new Map(),
    tmpDir: await mkdtemp(join(tmpdir(), 'recon-')),
    calendars: new Map(),
    parameters: deps.parameters ?? new SSMProvider(),
    secrets: deps.secrets ?? new SecretsProvider(),
    logger: deps.logger ?? defaultLogger,
    openReader: deps.openReader ?? ((source, config) => new MysqlSourceReader(source, config)),
  };
}

function runtimeOf(c: Connections, env: NodeJS.ProcessEnv, settings: Settings): Runtime {
  const tz = settings.businessTimeZone;
  let calendar = c.calendars.get(tz);
  if (!calendar) {
    calendar = new BusinessCalendar(tz);
    c.calendars.set(tz, calendar);
  }
  const reader = (source: SourceId): SourceReader => {
    let r = c.readers.get(source);
    if (!r) {
      const envName = SOURCE_SECRET_ENV[source];
      r = new SecretMysqlReader(
        source,
        async () => {
          const arn = required(env, envName);
          const value = await c.secrets.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
          if (value === undefined) throw secretError(envName, 'is empty');
          const config = mysqlConfigFromSecret(source, value, envName);
          knownSecrets.add(config.password);
          return config;
        },
        c.openReader,
      );
      c.readers.set(source, r);
    }
    return r;
  };
  return {
    settings,
    calendar,
    warehouse: c.warehouse,
    watermarks: c.watermarks,
    staging: c.staging,
    reader,
    tmpDir: c.tmpDir,
    batchSize: DEFAULT_BATCH_SIZE,
    webhooks: () => wecomWebhooks(env, c.parameters, c.logger),
  };
}

/**
 * The stage's WeCom webhooks from its SecureString parameters (created out of band; decrypted,
 * cached like the settings). A parameter that is missing or unreadable leaves its channel
 * unconfigured (its alerts are recorded NOT_CONFIGURED) with a warning naming the parameter —
 * never its value.
 */
export async function wecomWebhooks(
  env: NodeJS.ProcessEnv,
  parameters: ParameterSource,
  logger: WarnLogger,
): Promise<{ critical?: string; warning?: string }> {
  const out: { critical?: string; warning?: string } = {};
  for (const [channel, name] of Object.entries(WECOM_WEBHOOK_PARAMETERS) as [WecomChannel, string][]) {
    const parameter = `${parameterPath(env)}${name}`;
    try {
      const value = await parameters.get(parameter, { decrypt: true, maxAge: parametersMaxAge(env) });
      if (typeof value === 'string' && value.trim() !== '') {
        out[channel] = value.trim();
        rememberWebhookSecrets(out[channel]);
      } else logger.warn('WeCom webhook parameter is empty or missing', { parameter });
    } catch (error) {
      logger.warn('WeCom webhook parameter not readable', {
        parameter,
        error: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  return out;
}

/**
 * Build a runtime factory over its own connections (opened on first call): each call re-reads
 * the settings through the Parameters cache and returns a runtime with them.
 */
export function createAwsRuntime(
  env: NodeJS.ProcessEnv = process.env,
  deps: AwsRuntimeDeps = {},
): () => Promise<Runtime> {
  let connections: Promise<Connections> | undefined;
  return async () => {
    connections ??= openConnections(env, deps).catch((error: unknown) => {
      connections = undefined; // a later invocation tries again
      throw error;
    });
    const c = await connections;
    const settings = await loadAwsSettings(env, { parameters: c.parameters, logger: c.logger });
    return runtimeOf(c, env, settings);
  };
}

let containerRuntime: (() => Promise<Runtime>) | undefined;

/** Most time kept back at the end of an invocation to cancel a statement and roll back (ms). */
export const WAREHOUSE_STOP_MARGIN_MS = 20_000;

let invocationStopBy: number | undefined;

/**
 * Starts an invocation of `remainingMs` (the Lambda context's `getRemainingTimeInMillis()`):
 * until {@link endInvocation}, warehouse statements must finish by its end less a margin
 * ({@link WAREHOUSE_STOP_MARGIN_MS}, at most a quarter of the time), or they are cancelled and
 * their transaction rolled back while the function still runs. Without it a statement outlives
 * a timed-out function, holding its locks, and the task's retry waits on them.
 */
export function beginInvocation(remainingMs: number | undefined, now: number = Date.now()): void {
  invocationStopBy =
    remainingMs === undefined || !Number.isFinite(remainingMs)
      ? undefined
      : now + remainingMs - Math.min(WAREHOUSE_STOP_MARGIN_MS, Math.floor(remainingMs / 4));
}

/** Ends the invocation started by {@link beginInvocation}: no deadline until the next one. */
export function endInvocation(): void {
  invocationStopBy = undefined;
}

/** The current invocation's deadline for warehouse statements (epoch ms), if one is running. */
export function warehouseDeadline(): number | undefined {
  return invocationStopBy;
}

/**
 * The runtime of this Lambda container: connections opened once, settings from SSM `/recon/`
 * (cached `RECON_PARAMETERS_MAX_AGE_SECONDS`, default 60 s).
 * @throws ConnectionConfigError naming a missing environment variable; SettingsError naming a
 *   bad parameter.
 */
export function awsRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  containerRuntime ??= createAwsRuntime(env);
  return containerRuntime();
}
