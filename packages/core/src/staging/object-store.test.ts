import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnectionConfigError, StagingIOError } from '../errors.ts';
import { FileObjectStore, type ObjectStore, openObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

describe('staging object stores', () => {
  it('stores, lists, reads and deletes files under stg_recon_<table>/dt=D/ keys', async () => {
    const root = mkdtempSync(join(tmpdir(), 'recon-os-'));
    const store: ObjectStore = new FileObjectStore(root);
    const src = join(root, 'src.bin');
    writeFileSync(src, 'parquet bytes');
    await store.putFile('stg_recon_orders/dt=2026-11-20/part-a.parquet', src);
    await store.putFile('stg_recon_orders/dt=2026-11-21/part-b.parquet', src);
    await store.putFile('stg_recon_ordersx/dt=2026-11-21/part-c.parquet', src);
    expect(await store.list('stg_recon_orders/')).toEqual([
      'stg_recon_orders/dt=2026-11-20/part-a.parquet',
      'stg_recon_orders/dt=2026-11-21/part-b.parquet',
    ]);
    const path = await store.localCopy('stg_recon_orders/dt=2026-11-20/part-a.parquet', root);
    expect(readFileSync(path, 'utf8')).toBe('parquet bytes');
    await store.delete('stg_recon_orders/dt=2026-11-20/part-a.parquet');
    await expect(store.localCopy('stg_recon_orders/dt=2026-11-20/part-a.parquet', root)).rejects.toThrow(
      StagingIOError,
    );
    await expect(store.putFile('../escape', src)).rejects.toThrow(/invalid object key/);
  });

  it('gives the URL of an object: file:// for a directory, s3://bucket/<prefix>/<key> on S3', () => {
    const root = mkdtempSync(join(tmpdir(), 'recon os #1-'));
    const key = 'load/dt=2024-03-10/run=r1/stg_recon_orders.parquet';
    expect(new FileObjectStore(root).urlOf(key)).toBe(pathToFileURL(join(root, key)).href);
    expect(new S3ObjectStore('s3://recon-staging/staging/reconciliation').urlOf(key)).toBe(
      `s3://recon-staging/staging/reconciliation/${key}`,
    );
    expect(new S3ObjectStore('s3://recon-staging').urlOf(key)).toBe(`s3://recon-staging/${key}`);
    expect(() => new FileObjectStore(root).urlOf('../x')).toThrow(/invalid object key/);
    expect(() => new S3ObjectStore('s3://recon-staging').urlOf('a//b')).toThrow(/invalid object key/);
  });

  it('opens the store RECON_STAGING_URL names', () => {
    const home = mkdtempSync(join(tmpdir(), 'recon-home-'));
    expect(openObjectStore(undefined, home).url).toBe(`file://${join(home, 'staging')}`);
    expect(openObjectStore(`file://${join(home, 'x')}`, home)).toBeInstanceOf(FileObjectStore);
    const s3 = openObjectStore('s3://recon-staging-bucket/reconciliation', home);
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(s3.url).toBe('s3://recon-staging-bucket/reconciliation');
    expect(() => openObjectStore('ftp://x', home)).toThrow(ConnectionConfigError);
    expect(() => openObjectStore('file://', home)).toThrow(/needs a directory/);
  });
});
