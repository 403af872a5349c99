/**
 * Source connections from the environment (SPEC §11): `RECON_<SOURCE>_URL` names a MySQL database
 * (`mysql://user:pass@host:port/db`); a source without one uses the embedded demo store. URLs are
 * secrets: errors name the variable, never its value.
 */
import { ConnectionConfigError } from '../errors.ts';
import type { EmbeddedSources } from './embedded.ts';
import { MysqlSourceReader, MysqlSourceSink, parseMysqlUrl } from './mysql.ts';
import { SOURCE_IDS, type SourceId } from './spec.ts';
import type { SourceReader, SourceSink } from './types.ts';

/** Environment variable holding the URL of each source. */
export const SOURCE_URL_ENV: Record<SourceId, string> = {
  salesorder: 'RECON_SALESORDER_URL',
  salespayment: 'RECON_SALESPAYMENT_URL',
  ifiaccounting: 'RECON_IFIACCOUNTING_URL',
  iunifiedreconcile: 'RECON_IUNIFIEDRECONCILE_URL',
};

/** Environment the connection helpers read (a subset of `process.env`). */
export type SourceEnv = Record<string, string | undefined>;

/**
 * The configured URL per source, `undefined` where the variable is unset or blank (embedded).
 * Every set URL is validated.
 * @throws ConnectionConfigError naming the variable when a URL is malformed or not `mysql://`.
 */
export function sourceUrlsFromEnv(env: SourceEnv = process.env): Record<SourceId, string | undefined> {
  const urls = {} as Record<SourceId, string | undefined>;
  for (const source of SOURCE_IDS) {
    const name = SOURCE_URL_ENV[source];
    const value = env[name]?.trim();
    if (!value) {
      urls[source] = undefined;
      continue;
    }
    parseMysqlUrl(value, `environment variable ${name}`);
    urls[source] = value;
  }
  return urls;
}

/**
 * Replace the password of a URL with `***` (for logs and messages). A string that does not parse
 * as a URL is returned with anything between `://` and `@` replaced, so no secret survives.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  }
}

export interface OpenSourcesOptions {
  /** Environment holding `RECON_<SOURCE>_URL` (default `process.env`). */
  env?: SourceEnv;
  /** The embedded store used for every source without a URL. */
  embedded?: EmbeddedSources;
}

function embeddedFor(source: SourceId, embedded: EmbeddedSources | undefined): EmbeddedSources {
  if (!embedded) {
    throw new ConnectionConfigError(
      `${SOURCE_URL_ENV[source]} is not set and no embedded source store was provided`,
    );
  }
  return embedded;
}

/**
 * One reader per source: MySQL where `RECON_<SOURCE>_URL` is set, the embedded store otherwise.
 * @throws ConnectionConfigError for an invalid URL (validated before anything is opened).
 */
export function openSourceReaders(options: OpenSourcesOptions = {}): Record<SourceId, SourceReader> {
  const urls = sourceUrlsFromEnv(options.env ?? process.env);
  for (const source of SOURCE_IDS) if (!urls[source]) embeddedFor(source, options.embedded);
  const readers = {} as Record<SourceId, SourceReader>;
  for (const source of SOURCE_IDS) {
    const url = urls[source];
    readers[source] = url
      ? new MysqlSourceReader(source, parseMysqlUrl(url, `environment variable ${SOURCE_URL_ENV[source]}`))
      : embeddedFor(source, options.embedded).reader(source);
  }
  return readers;
}

/**
 * One sink per source: MySQL where `RECON_<SOURCE>_URL` is set, the embedded store otherwise.
 * @throws ConnectionConfigError for an invalid URL (validated before anything is opened).
 */
export function openSourceSinks(options: OpenSourcesOptions = {}): Record<SourceId, SourceSink> {
  const urls = sourceUrlsFromEnv(options.env ?? process.env);
  for (const source of SOURCE_IDS) if (!urls[source]) embeddedFor(source, options.embedded);
  const sinks = {} as Record<SourceId, SourceSink>;
  for (const source of SOURCE_IDS) {
    const url = urls[source];
    sinks[source] = url
      ? new MysqlSourceSink(source, parseMysqlUrl(url, `environment variable ${SOURCE_URL_ENV[source]}`))
      : embeddedFor(source, options.embedded).sink(source);
  }
  return sinks;
}

/** Close every reader or sink of a record (errors of one do not stop the others). */
export async function closeAll(items: Record<SourceId, { close(): Promise<void> }>): Promise<void> {
  const results = await Promise.allSettled(Object.values(items).map((item) => item.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
