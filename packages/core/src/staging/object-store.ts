/**
 * The staging area: an object store laid out `stg_recon_<table>/dt=YYYY-MM-DD/…` (seed §9.2), with
 * tombstones under `deletes/…`, dead letters under `dead-letter/…` and, for warehouses that COPY
 * from S3, the merged load files under `load/dt=YYYY-MM-DD/run=<run id>/<staging table>.parquet`.
 * A local directory, or S3 (s3-object-store.ts) in AWS.
 */
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConnectionConfigError, StagingIOError } from '../errors.ts';
import { S3ObjectStore } from './s3-object-store.ts';

export interface ObjectStore {
  /** Where the store lives, e.g. `file:///…/staging` (no credentials). */
  readonly url: string;
  /** Store a local file under `key` (atomically: readers never see a partial object). */
  putFile(key: string, localPath: string): Promise<void>;
  /** A local path holding the object's bytes (downloaded to `tmpDir` when the store is remote). */
  localCopy(key: string, tmpDir: string): Promise<string>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Remove one object (no error when absent). */
  delete(key: string): Promise<void>;
  /**
   * The URL of the object stored under `key`, for engines that read it themselves: `s3://bucket/<key>`
   * on S3 (what Redshift's COPY reads), `file:///…` for a local directory. Nothing is checked or
   * fetched: the object need not exist yet.
   */
  urlOf(key: string): string;
}

function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '')) {
    throw new StagingIOError(`invalid object key "${key}"`);
  }
}

/** Object store over a local directory. */
export class FileObjectStore implements ObjectStore {
  readonly root: string;
  readonly url: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.url = `file://${this.root}`;
  }

  private path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    try {
      await mkdir(dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}`;
      await copyFile(localPath, tmp);
      await rename(tmp, target);
    } catch (error) {
      throw new StagingIOError(`could not write staging object ${key}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async localCopy(key: string): Promise<string> {
    const p = this.path(key);
    try {
      await stat(p);
    } catch (error) {
      throw new StagingIOError(`staging object ${key} is missing`, { cause: error });
    }
    return p;
  }

  async list(prefix: string): Promise<string[]> {
    const base = join(this.root, ...prefix.split('/').filter(Boolean));
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.includes('.tmp-')) out.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(base);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /** `file:///<root>/<key>` (percent-encoded where a path needs it). */
  urlOf(key: string): string {
    return pathToFileURL(this.path(key)).href;
  }
}

/**
 * Open the staging store from `RECON_STAGING_URL`: `file://<dir>`, `s3://bucket/prefix` (region
 * and credentials from the AWS environment, as in Lambda), or unset (→ `<home>/staging`).
 */
export function openObjectStore(url: string | undefined, home: string): ObjectStore {
  if (!url) return new FileObjectStore(join(home, 'staging'));
  if (url.startsWith('file://')) {
    const dir = url.slice('file://'.length);
    if (!dir)
      throw new ConnectionConfigError('RECON_STAGING_URL file:// needs a directory, e.g. file://./staging');
    return new FileObjectStore(dir);
  }
  if (url.startsWith('s3://')) return new S3ObjectStore(url);
  throw new ConnectionConfigError(
    `RECON_STAGING_URL must be file://<dir> or s3://bucket/prefix, got "${url}"`,
  );
}
