import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionConfigError, StagingIOError } from '../errors.ts';
import { S3_PART_SIZE, S3ObjectStore, parseS3Url } from './s3-object-store.ts';

const s3 = mockClient(S3Client);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-s3-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  s3.reset();
});

function store(url = 's3://luckyus-data-lake/staging/reconciliation'): S3ObjectStore {
  return new S3ObjectStore(url, new S3Client({ region: 'us-east-1' }));
}

function body(bytes: Buffer): GetObjectCommandOutput['Body'] {
  return Readable.from([
    bytes.subarray(0, 3),
    bytes.subarray(3),
  ]) as unknown as GetObjectCommandOutput['Body'];
}

describe('S3 URL', () => {
  it('parses bucket and optional prefix, ignoring a trailing slash', () => {
    expect(parseS3Url('s3://luckyus-data-lake/staging/reconciliation/')).toEqual({
      bucket: 'luckyus-data-lake',
      prefix: 'staging/reconciliation',
    });
    expect(parseS3Url('s3://my.bucket-1')).toEqual({ bucket: 'my.bucket-1', prefix: '' });
    expect(store('s3://b12/').url).toBe('s3://b12');
    expect(store('s3://b12/a/b/').url).toBe('s3://b12/a/b');
  });

  it.each([
    'file:///tmp/x',
    's3://',
    's3://ab',
    's3://Upper/x',
    's3://under_score',
    's3://-leading',
    's3://a..b',
    's3://192.168.0.1',
    's3://xn--bucket',
    's3://bucket-s3alias',
    `s3://${'a'.repeat(64)}`,
    's3://bucket//double',
    's3://bucket/a/../b',
    's3://bucket/a?x=1',
  ])('rejects %s with ConnectionConfigError naming RECON_STAGING_URL', (url) => {
    expect(() => store(url)).toThrow(ConnectionConfigError);
    expect(() => store(url)).toThrow(/RECON_STAGING_URL/);
  });

  it('never echoes credentials', () => {
    let message = '';
    try {
      store('s3://AKIAXXX:secret@bucket/p');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/RECON_STAGING_URL/);
    expect(message).not.toContain('secret');
  });
});

describe('S3ObjectStore', () => {
  it('maps keys under the prefix, or bare without one', () => {
    expect(store().objectKey('stg_recon_orders/dt=2026-02-15/part-r1-0.parquet')).toBe(
      'staging/reconciliation/stg_recon_orders/dt=2026-02-15/part-r1-0.parquet',
    );
    expect(store('s3://bucket').objectKey('a/b.parquet')).toBe('a/b.parquet');
    expect(() => store().objectKey('../escape')).toThrow(StagingIOError);
    expect(() => store().objectKey('/abs')).toThrow(StagingIOError);
  });

  it('uploads a small file in one encrypted PutObject', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const file = join(dir, 'small.parquet');
    await writeFile(file, 'PAR1 small');
    await store().putFile('stg_recon_orders/dt=2026-02-15/part-r1-0.parquet', file);
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input.Bucket).toBe('luckyus-data-lake');
    expect(input.Key).toBe('staging/reconciliation/stg_recon_orders/dt=2026-02-15/part-r1-0.parquet');
    expect(input.ServerSideEncryption).toBe('AES256');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('uploads a file larger than one part as an encrypted multipart upload', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber?: number }) => ({
      ETag: `"p${input.PartNumber}"`,
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const file = join(dir, 'large.parquet');
    const size = S3_PART_SIZE + 1024 * 1024;
    await writeFile(file, Buffer.alloc(size, 7));
    await store('s3://bucket/p').putFile('t/dt=2026-02-15/big.parquet', file);

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    const create = s3.commandCalls(CreateMultipartUploadCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'p/t/dt=2026-02-15/big.parquet',
      ServerSideEncryption: 'AES256',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => [p.PartNumber, p.UploadId, p.Key, (p.Body as Uint8Array).byteLength])).toEqual([
      [1, 'up-1', 'p/t/dt=2026-02-15/big.parquet', S3_PART_SIZE],
      [2, 'up-1', 'p/t/dt=2026-02-15/big.parquet', 1024 * 1024],
    ]);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete).toHaveLength(1);
    expect(complete[0]!.args[0].input.MultipartUpload?.Parts?.map((p) => [p.PartNumber, p.ETag])).toEqual([
      [1, '"p1"'],
      [2, '"p2"'],
    ]);
  });

  it('maps an upload failure to StagingIOError naming the key', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    const file = join(dir, 'denied.parquet');
    await writeFile(file, 'x');
    const error = await store()
      .putFile('a/b.parquet', file)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StagingIOError);
    expect((error as Error).message).toMatch(/upload of staging object a\/b\.parquet/);
    expect((error as Error).message).toMatch(/AccessDenied \(HTTP 403\)/);
  });

  it('fails a missing local file with StagingIOError before any S3 call', async () => {
    await expect(store().putFile('a.parquet', join(dir, 'no-such-file'))).rejects.toThrow(
      /S3 upload of staging object a\.parquet .*ENOENT/,
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('downloads an object to a file under tmpDir with the exact bytes', async () => {
    const bytes = Buffer.from([0x50, 0x41, 0x52, 0x31, 0x00, 0xff, 0x0a, 0x0d, 0x80]);
    s3.on(GetObjectCommand, {
      Bucket: 'luckyus-data-lake',
      Key: 'staging/reconciliation/t/dt=D/x.parquet',
    }).resolves({
      Body: body(bytes),
    });
    const tmp = await mkdtemp(join(dir, 'dl-'));
    const path = await store().localCopy('t/dt=D/x.parquet', tmp);
    expect(path).toBe(join(tmp, 't', 'dt=D', 'x.parquet'));
    expect(await readFile(path)).toEqual(bytes);
    expect(await readdir(join(tmp, 't', 'dt=D'))).toEqual(['x.parquet']);
  });

  it('reports a missing object as StagingIOError naming the key', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
    );
    const tmp = await mkdtemp(join(dir, 'missing-'));
    const error = await store()
      .localCopy('t/dt=D/gone.parquet', tmp)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StagingIOError);
    expect((error as Error).message).toBe(
      'staging object t/dt=D/gone.parquet is missing in s3://luckyus-data-lake/staging/reconciliation',
    );
    expect(await readdir(tmp)).toEqual([]);
  });

  it('removes the partial file when a download breaks', async () => {
    const broken = new Readable({
      read() {
        this.push(Buffer.from('abc'));
        this.destroy(new Error('socket hang up'));
      },
    });
    s3.on(GetObjectCommand).resolves({ Body: broken as unknown as GetObjectCommandOutput['Body'] });
    const tmp = await mkdtemp(join(dir, 'broken-'));
    await expect(store().localCopy('k.parquet', tmp)).rejects.toThrow(
      /S3 download of staging object k\.parquet .*socket hang up/,
    );
    expect(await readdir(tmp)).toEqual([]);
  });

  it('lists keys over three ListObjectsV2 pages, relative to the prefix and sorted', async () => {
    const P = 'staging/reconciliation/stg_recon_orders/';
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 't1',
        Contents: [{ Key: `${P}dt=2026-02-15/part-b.parquet` }, { Key: `${P}dt=2026-02-14/` }],
      })
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 't2',
        Contents: [{ Key: `${P}dt=2026-02-14/part-a.parquet` }],
      })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: `${P}dt=2026-02-15/part-a.parquet` }] });
    expect(await store().list('stg_recon_orders')).toEqual([
      'stg_recon_orders/dt=2026-02-14/part-a.parquet',
      'stg_recon_orders/dt=2026-02-15/part-a.parquet',
      'stg_recon_orders/dt=2026-02-15/part-b.parquet',
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'luckyus-data-lake', Prefix: P },
      { Bucket: 'luckyus-data-lake', Prefix: P, ContinuationToken: 't1' },
      { Bucket: 'luckyus-data-lake', Prefix: P, ContinuationToken: 't2' },
    ]);
  });

  it('lists the whole store and an empty folder', async () => {
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
    expect(await store('s3://bucket').list('')).toEqual([]);
    expect(await store('s3://bucket/p').list('/a/b/')).toEqual([]);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'bucket', Prefix: '' },
      { Bucket: 'bucket', Prefix: 'p/a/b/' },
    ]);
  });

  it('deletes with DeleteObject and maps failures to StagingIOError', async () => {
    s3.on(DeleteObjectCommand).resolvesOnce({}).rejectsOnce(new Error('connect ETIMEDOUT'));
    await store().delete('a/b.parquet');
    expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'luckyus-data-lake',
      Key: 'staging/reconciliation/a/b.parquet',
    });
    await expect(store().delete('a/b.parquet')).rejects.toThrow(StagingIOError);
  });
});
