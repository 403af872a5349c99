/**
 * The staging area on Amazon S3 (seed §9.2: `s3://<bucket>/staging/reconciliation/…`): the AWS
 * implementation of {@link ObjectStore}, selected by `RECON_STAGING_URL=s3://bucket/prefix`.
 *
 * Object keys are the store's keys under the URL's prefix (`<prefix>/<key>`). Uploads stream the
 * local file through `@aws-sdk/lib-storage` (multipart above one part) with SSE-S3 (AES256); an
 * S3 PUT or CompleteMultipartUpload is atomic, so readers never see a partial object. Downloads
 * stream to a file (never buffered whole in memory). Every SDK failure becomes a
 * {@link StagingIOError} (the pipeline retries it) naming the operation and the key.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConnectionConfigError, StagingIOError } from '../errors.ts';
import type { ObjectStore } from './object-store.ts';

/** Default multipart part size: 16 MiB (S3's minimum is 5 MiB). */
export const S3_PART_SIZE = 16 * 1024 * 1024;
/** Default number of parts uploaded concurrently. */
export const S3_QUEUE_SIZE = 2;

/** Tuning of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** Multipart part size in bytes (≥ 5 MiB); default {@link S3_PART_SIZE}. */
  partSize?: number;
  /** Parts uploaded concurrently; default {@link S3_QUEUE_SIZE}. */
  queueSize?: number;
}

/** A parsed `s3://bucket/prefix` location. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/`; '' for the bucket root. */
  prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

function badUrl(reason: string): ConnectionConfigError {
  return new ConnectionConfigError(`RECON_STAGING_URL ${reason}; expected s3://bucket/prefix`);
}

/**
 * Parse and validate `s3://bucket[/prefix]` (S3 general-purpose bucket naming rules; the prefix
 * may not have empty, `.` or `..` segments). A trailing `/` is ignored.
 * @throws ConnectionConfigError naming RECON_STAGING_URL (never echoing credentials).
 */
export function parseS3Url(url: string): S3Location {
  if (!url.startsWith('s3://')) throw badUrl('must start with s3://');
  const rest = url.slice('s3://'.length);
  if (/[@?#\\\s]/.test(rest)) throw badUrl('must not contain credentials, a query, a fragment or spaces');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/$/, '');
  if (
    !BUCKET_NAME.test(bucket) ||
    bucket.includes('..') ||
    bucket.includes('.-') ||
    bucket.includes('-.') ||
    IP_ADDRESS.test(bucket) ||
    bucket.startsWith('xn--') ||
    bucket.startsWith('sthree-') ||
    bucket.endsWith('-s3alias') ||
    bucket.endsWith('--ol-s3')
  ) {
    throw badUrl(`has an invalid S3 bucket name "${bucket}" (3–63 lowercase letters, digits, dots, hyphens)`);
  }
  if (prefix !== '' && prefix.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw badUrl(`has an invalid key prefix "${prefix}" (empty, "." or ".." segment)`);
  }
  return { bucket, prefix };
}

function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((p) => p === '..' || p === '')) {
    throw new StagingIOError(`invalid object key "${key}"`);
  }
}

/** Short description of an SDK error: its name, HTTP status and message (no request data). */
function sdkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

/** Turn a GetObject body (a Node stream in Node, a web stream elsewhere) into a Node stream. */
function toNodeReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body !== null && typeof body === 'object' && 'getReader' in body) {
    return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  }
  throw new TypeError('GetObject returned no readable body');
}

/** {@link ObjectStore} over `s3://bucket/prefix`. */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  /**
   * @param url `s3://bucket[/prefix]` (the value of `RECON_STAGING_URL`).
   * @param client The S3 client to use; default `new S3Client({})` (region and credentials from
   *   the environment / Lambda role).
   * @param options Multipart tuning.
   * @throws ConnectionConfigError when the URL is not a valid S3 location.
   */
  constructor(url: string, client?: S3Client, options: S3ObjectStoreOptions = {}) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
    this.client = client ?? new S3Client({});
    this.partSize = options.partSize ?? S3_PART_SIZE;
    this.queueSize = options.queueSize ?? S3_QUEUE_SIZE;
  }

  /** The S3 object key of a store key: `<prefix>/<key>`, or `<key>` without a prefix. */
  objectKey(key: string): string {
    checkKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** `s3://<bucket>/<prefix>/<key>`: the object's URL as Redshift's COPY names it. */
  urlOf(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  private failure(operation: string, key: string, error: unknown): StagingIOError {
    return new StagingIOError(
      `S3 ${operation} of staging object ${key} in ${this.url} failed: ${sdkReason(error)}`,
      { cause: error, context: { operation, key, bucket: this.bucket } },
    );
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const Key = this.objectKey(key);
    const body = createReadStream(localPath);
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: body, ServerSideEncryption: 'AES256' },
        partSize: this.partSize,
        queueSize: this.queueSize,
        // A failed multipart upload is aborted, so no orphaned parts are left (and billed).
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error) {
      throw this.failure('upload', key, error);
    } finally {
      body.destroy();
    }
  }

  /**
   * Download the object to `<tmpDir>/<key>` (written to a temporary name, then renamed, so the
   * returned path always holds the whole object).
   * @throws StagingIOError when the object is missing or the download fails.
   */
  async localCopy(key: string, tmpDir: string): Promise<string> {
    const Key = this.objectKey(key);
    const target = join(tmpDir, ...key.split('/'));
    const partial = `${target}.tmp-${process.pid}`;
    let body: Readable;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      body = toNodeReadable(out.Body);
    } catch (error) {
      if (isNotFound(error)) {
        throw new StagingIOError(`staging object ${key} is missing in ${this.url}`, {
          cause: error,
          context: { operation: 'GetObject', key, bucket: this.bucket },
        });
      }
      throw this.failure('GetObject', key, error);
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await pipeline(body, createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      body.destroy();
      await rm(partial, { force: true });
      throw this.failure('download', key, error);
    }
    return target;
  }

  /**
   * Keys under `prefix` (a folder: `a/b` lists `a/b/…`, not `a/bc`), relative to the store's
   * prefix and sorted; pages through ListObjectsV2.
   */
  async list(prefix: string): Promise<string[]> {
    const folder = prefix.split('/').filter(Boolean).join('/');
    const relative = folder === '' ? '' : `${folder}/`;
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base + relative,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw this.failure('ListObjectsV2', relative === '' ? '(all)' : relative, error);
      }
      for (const object of page.Contents ?? []) {
        const k = object.Key;
        // Skip "folder" marker objects some tools create.
        if (k !== undefined && k.startsWith(base) && !k.endsWith('/')) keys.push(k.slice(base.length));
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  /** DeleteObject (S3 reports no error for a missing object). */
  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      throw this.failure('DeleteObject', key, error);
    }
  }
}
