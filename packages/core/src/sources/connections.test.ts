import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMysqlSources } from '../../../../test/support/databases.ts';
import { ConnectionConfigError } from '../errors.ts';
import {
  closeAll,
  openSourceReaders,
  openSourceSinks,
  redactUrl,
  SOURCE_URL_ENV,
  sourceUrlsFromEnv,
} from './connections.ts';
import { EmbeddedSourceReader, EmbeddedSourceSink, EmbeddedSources } from './embedded.ts';
import { MysqlSourceReader, MysqlSourceSink } from './mysql.ts';
import { sourceTable } from './spec.ts';
import type { RawRow } from './types.ts';

describe('sourceUrlsFromEnv', () => {
  it('reads the four RECON_<SOURCE>_URL variables; unset or blank means embedded', () => {
    expect(
      sourceUrlsFromEnv({ RECON_SALESORDER_URL: 'mysql://u:p@h:3306/so', RECON_SALESPAYMENT_URL: '  ' }),
    ).toEqual({
      salesorder: 'mysql://u:p@h:3306/so',
      salespayment: undefined,
      ifiaccounting: undefined,
      iunifiedreconcile: undefined,
    });
    expect(Object.values(SOURCE_URL_ENV)).toEqual([
      'RECON_SALESORDER_URL',
      'RECON_SALESPAYMENT_URL',
      'RECON_IFIACCOUNTING_URL',
      'RECON_IUNIFIEDRECONCILE_URL',
    ]);
  });

  it.each([
    ['postgres://u:Top-Secret-9@h:5432/db', 'unsupported scheme'],
    ['mysql//u:Top-Secret-9@h/db', 'not a valid URL'],
    ['mysql://u:Top-Secret-9@h:99999/db', 'not a valid URL'],
    ['mysql://u:Top-Secret-9@h:3306/', 'names no database'],
  ])('rejects %s naming the variable, never the password', (url, message) => {
    let error: unknown;
    try {
      sourceUrlsFromEnv({ RECON_IFIACCOUNTING_URL: url });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toContain('RECON_IFIACCOUNTING_URL');
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('Top-Secret-9');
  });
});

describe('redactUrl', () => {
  it('replaces the password with ***', () => {
    expect(redactUrl('mysql://recon:s3cret@127.0.0.1:3306/db')).toBe('mysql://recon:***@127.0.0.1:3306/db');
    expect(redactUrl('mysql://recon@h/db')).toBe('mysql://recon@h/db');
    expect(redactUrl('mysql://u:p w@bad host/db')).toBe('mysql://***@bad host/db');
  });
});

describe('openSourceReaders / openSourceSinks', () => {
  let dbs: Awaited<ReturnType<typeof createTestMysqlSources>>;
  let embedded: EmbeddedSources;
  beforeAll(async () => {
    dbs = await createTestMysqlSources();
    embedded = new EmbeddedSources('memory://');
  });
  afterAll(async () => {
    await embedded?.close();
    await dbs?.drop();
  });

  it('uses MySQL where a URL is set and the embedded store elsewhere, and they really connect', async () => {
    const env = { RECON_SALESPAYMENT_URL: dbs.urls.salespayment };
    const sinks = openSourceSinks({ env, embedded });
    const readers = openSourceReaders({ env, embedded });
    try {
      expect(sinks.salespayment).toBeInstanceOf(MysqlSourceSink);
      expect(readers.salespayment).toBeInstanceOf(MysqlSourceReader);
      for (const source of ['salesorder', 'ifiaccounting', 'iunifiedreconcile'] as const) {
        expect(sinks[source]).toBeInstanceOf(EmbeddedSourceSink);
        expect(readers[source]).toBeInstanceOf(EmbeddedSourceReader);
      }
      const fee = sourceTable('t_channel_fee');
      const row: RawRow = ['1', 'T-1', '250', '0.029000', 1, '2026-03-08 07:30:00', 0];
      await sinks.salespayment.createTables();
      await sinks.salespayment.insert(fee, [row]);
      const got: RawRow[] = [];
      for await (const b of readers.salespayment.readPartition(fee, { from: '2026-03-08', to: '2026-03-09' }))
        got.push(...b);
      expect(got).toEqual([row]);
    } finally {
      await closeAll(readers);
      await closeAll(sinks);
    }
  });

  it('fails before opening anything when a URL is invalid or no embedded store is given', () => {
    expect(() => openSourceReaders({ env: { RECON_SALESORDER_URL: 'http://x/y' }, embedded })).toThrow(
      ConnectionConfigError,
    );
    expect(() => openSourceSinks({ env: {} })).toThrow(/RECON_SALESORDER_URL is not set and no embedded/);
  });
});
