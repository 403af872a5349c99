import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionConfigError, WarehouseError } from '../errors.ts';
import { loadStaging, type PartitionResult } from '../pipeline/tasks.ts';
import type { Runtime } from '../pipeline/runtime.ts';
import { loadSettings } from '../settings.ts';
import { sourceTable } from '../sources/spec.ts';
import { csvToParquet, duck } from '../staging/duck.ts';
import { FileObjectStore, type ObjectStore } from '../staging/object-store.ts';
import { S3ObjectStore } from '../staging/s3-object-store.ts';
import { BusinessCalendar } from '../time.ts';
import { fakeDataApi, type FakeScript } from './fake-data-api.ts';
import { INSERT_DEAD_LETTERS_MODEL, loadStagingTable, MERGE_STAGING_MODEL } from './load.ts';
import { modelSteps } from './model.ts';
import { RedshiftDataWarehouse } from './redshift-data.ts';
import { WarehouseWatermarkStore } from './watermarks.ts';

const redshift = mockClient(RedshiftDataClient);
const s3 = mockClient(S3Client);
const payments = sourceTable('t_order_pay');
const ROLE = 'arn:aws:iam::123456789012:role/recon-redshift-copy';
const RUN = { runId: 'run-20240311-a1', reconDate: '2024-03-10', asOf: '2024-03-11T06:00:00Z' };
const LOAD_KEY = `load/dt=${RUN.reconDate}/run=${RUN.runId}/stg_recon_payments.parquet`;

let dir: string;
/** The fake bucket: S3 object key → bytes. */
const bucket = new Map<string, Buffer>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recon-rs-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  redshift.restore();
  s3.restore();
});
beforeEach(() => {
  redshift.reset();
  s3.reset();
  bucket.clear();
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: unknown }) => {
    const body = input.Body;
    if (body instanceof Uint8Array || typeof body === 'string') {
      bucket.set(input.Key, Buffer.from(body));
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      bucket.set(input.Key, Buffer.concat(chunks));
    }
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const bytes = bucket.get(input.Key);
    if (bytes === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return Promise.resolve({ Body: Readable.from([bytes]) });
  });
});

function warehouse(options: { copyRoleArn?: string } = { copyRoleArn: ROLE }): RedshiftDataWarehouse {
  return new RedshiftDataWarehouse({
    workgroupName: 'recon-wg',
    database: 'recon',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon-rs',
    ...options,
    copyRoleSource: 'RECON_REDSHIFT_COPY_ROLE_ARN',
    client: new RedshiftDataClient({ region: 'us-east-1' }),
    sleep: () => Promise.resolve(),
  });
}

function runtime(wh: RedshiftDataWarehouse, staging: ObjectStore): Runtime {
  return {
    webhooks: async () => ({}),
    settings: loadSettings({ env: {} }),
    calendar: new BusinessCalendar('America/New_York'),
    warehouse: wh,
    watermarks: new WarehouseWatermarkStore(wh),
    staging,
    reader: () => {
      throw new Error('no source is read by a load');
    },
    tmpDir: dir,
    batchSize: 1000,
  };
}

/** Extracted staging files of one partition (rows + tombstones), as extractPartition writes them. */
async function stageFiles(store: ObjectStore): Promise<PartitionResult> {
  const rowsCsv = join(dir, 'rows.csv');
  const delsCsv = join(dir, 'dels.csv');
  // order_pay_id, order_id, order_id_str, trade_no, pay_amount_usd, pay_type, pay_status, create, update, biz_date
  await writeFile(
    rowsCsv,
    '1,1001,"1001","T1",9999999999.99,1,1,2024-03-10 09:00:00,2024-03-10 10:00:00.123456,2024-03-10\n' +
      '1,1001,"1001","T1",0.10,1,1,2024-03-10 09:00:00,2024-03-10 11:00:00,2024-03-10\n' +
      '3,1003,"1003","T3",12.34,\\N,0,2024-03-10 09:30:00,2024-03-10 09:30:00,2024-03-10\n',
  );
  await writeFile(delsCsv, '2,2024-03-10 12:00:00,"SOFT_DELETED"\n');
  await csvToParquet(rowsCsv, join(dir, 'rows.parquet'), payments.staging.columns);
  await csvToParquet(delsCsv, join(dir, 'dels.parquet'), [
    { name: 'pk', kind: 'bigint', sqlType: 'BIGINT' },
    { name: 'version', kind: 'timestamp', sqlType: 'TIMESTAMP' },
    { name: 'reason', kind: 'text', sqlType: 'VARCHAR(32)' },
  ]);
  const dataKey = `stg_recon_payments/dt=${RUN.reconDate}/part-${RUN.runId}-00000.parquet`;
  const deletesKey = `deletes/stg_recon_payments/dt=${RUN.reconDate}/part-${RUN.runId}-00000.parquet`;
  await store.putFile(dataKey, join(dir, 'rows.parquet'));
  await store.putFile(deletesKey, join(dir, 'dels.parquet'));
  return {
    partition: {
      source: 'salesorder',
      table: 't_order_pay',
      from: '2024-03-10 00:00:00',
      to: '2024-03-11 06:00:00',
      index: 0,
    },
    table: 't_order_pay',
    stagingTable: 'stg_recon_payments',
    rowsRead: 4,
    rowsStaged: 3,
    softDeleted: 1,
    nonUsd: 0,
    deadLettered: 0,
    dataKey,
    deletesKey,
    deadLetterKey: null,
    seconds: { read: 0.1, convert: 0.1, store: 0.1 },
    startedAt: '2024-03-11T06:00:01Z',
    finishedAt: '2024-03-11T06:00:02Z',
  };
}

/** Counts the merge's SELECT COUNT steps report; everything else finishes with a row count. */
const mergeScript: FakeScript = (sql) => {
  const count = (n: number) => ({
    columns: [{ name: 'n', typeName: 'int8' }],
    records: [[{ stringValue: String(n) }]],
    resultRows: 1,
  });
  if (sql.startsWith('SELECT pg_last_copy_count()')) return count(4);
  const s = modelSteps(MERGE_STAGING_MODEL, mergeVars());
  if (sql === s('count_incoming_live')) return count(3);
  if (sql === s('count_pk_conflicts')) return count(0);
  if (sql === s('count_stale')) return count(0);
  if (sql === s('count_deleted')) return count(1);
  if (sql === s('insert_latest')) return { resultRows: 2 };
  return {};
};

function mergeVars() {
  return {
    target: 'recon.stg_recon_payments',
    target_name: 'stg_recon_payments',
    incoming: 'tmp_stg_recon_payments_incoming',
    latest: 'tmp_stg_recon_payments_latest',
    pk: 'order_pay_id',
    version: 'update_time',
    columns: payments.staging.columns.map((c) => c.name),
  };
}

describe('staging load on Redshift (COPY from S3 Parquet)', () => {
  it('writes one exact Parquet load file, COPYs it in the session, merges there and COMMITs last', async () => {
    const api = fakeDataApi(redshift, mergeScript);
    const store = new S3ObjectStore(
      's3://recon-staging/staging/reconciliation',
      new S3Client({ region: 'us-east-1' }),
    );
    const partition = await stageFiles(store);
    const wh = warehouse();

    const result = await loadStaging(runtime(wh, store), { ...RUN, partitions: [partition] });

    expect(result.tables).toEqual([
      {
        table: 't_order_pay',
        stagingTable: 'stg_recon_payments',
        incoming: 4,
        upserted: 2,
        deleted: 1,
        staleSkipped: 0,
        incomingLive: 3,
        pkConflicts: 0,
      },
    ]);
    expect(result.deadLettersInserted).toBe(0);

    // The load file: one object under the run-scoped key, read back exactly with DuckDB.
    const objectKey = `staging/reconciliation/${LOAD_KEY}`;
    const bytes = bucket.get(objectKey);
    expect(bytes).toBeDefined();
    const local = join(dir, 'back.parquet');
    await writeFile(local, bytes as Buffer);
    const db = await duck();
    const rows = (
      await db.runAndReadAll(
        `SELECT order_pay_id::VARCHAR, pay_amount_usd::VARCHAR, pay_type, update_time::VARCHAR, biz_date::VARCHAR, _deleted
         FROM read_parquet('${local}') ORDER BY order_pay_id, update_time`,
      )
    ).getRows();
    expect(rows).toEqual([
      ['1', '9999999999.99', 1, '2024-03-10 10:00:00.123456', '2024-03-10', false],
      ['1', '0.10', 1, '2024-03-10 11:00:00', '2024-03-10', false],
      ['2', null, null, '2024-03-10 12:00:00', null, true],
      ['3', '12.34', null, '2024-03-10 09:30:00', '2024-03-10', false],
    ]);
    const schema = (
      await db.runAndReadAll(
        `SELECT name, type, logical_type::VARCHAR, converted_type, scale, precision FROM parquet_schema('${local}') WHERE name <> 'duckdb_schema'`,
      )
    ).getRows();
    expect(schema.map((r) => r[0])).toEqual([...payments.staging.columns.map((c) => c.name), '_deleted']);
    const byName = new Map(schema.map((r) => [r[0], r]));
    expect(byName.get('pay_amount_usd')?.slice(3)).toEqual(['DECIMAL', 2n, 12n]);
    expect(byName.get('pay_amount_usd')?.[1]).toBe('INT64');
    expect(byName.get('update_time')?.[1]).toBe('INT64');
    expect(String(byName.get('update_time')?.[2])).toMatch(/TimestampType.*MICROS/i);
    expect(byName.get('_deleted')?.[1]).toBe('BOOLEAN');

    // The statements: BEGIN with the target, then everything in that session, COMMIT last.
    const s = modelSteps(MERGE_STAGING_MODEL, mergeVars());
    const copy =
      `COPY tmp_stg_recon_payments_incoming FROM 's3://recon-staging/${objectKey}' ` +
      `IAM_ROLE '${ROLE}' FORMAT AS PARQUET`;
    const inputs = api.inputs();
    expect(inputs[0]).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'recon',
      SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon-rs',
      Sql: 'BEGIN',
      SessionKeepAliveSeconds: 300,
    });
    const inSession = inputs.slice(1, -1);
    expect(inSession.map((i) => i.Sql)).toEqual([
      // Executions take turns on the pipeline's writing transactions.
      modelSteps('runs/pipeline_lock.sql')('lock'),
      s('create_incoming'),
      copy,
      'SELECT pg_last_copy_count() AS n',
      s('count_incoming_live'),
      s('count_pk_conflicts'),
      s('create_latest'),
      s('count_stale'),
      s('drop_superseded'),
      s('count_deleted'),
      s('forget_tombstones'),
      s('delete_replaced'),
      s('insert_latest'),
      s('record_tombstones'),
      s('drop_latest'),
      s('drop_incoming'),
      // Dead letters past their retention go in the same transaction.
      modelSteps(INSERT_DEAD_LETTERS_MODEL, { incoming: 'tmp_dwd_recon_dead_letter_incoming' })(
        'purge_expired',
      ),
      'COMMIT',
    ]);
    for (const input of inSession) {
      expect(input.SessionId).toBe('session-1');
      expect(input).not.toHaveProperty('WorkgroupName');
      expect(input).not.toHaveProperty('Database');
      expect(input).not.toHaveProperty('SecretArn');
    }
    expect(inSession.find((i) => i.Sql === s('count_stale'))?.Parameters).toEqual([
      { name: 'tableName', value: 'stg_recon_payments' },
    ]);
    // Statistics are refreshed after the commit, outside the session.
    const analyze = modelSteps('staging/analyze_staging.sql', { target: 'recon.stg_recon_payments' })(
      'analyze',
    );
    expect(inputs.at(-1)).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'recon',
      SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:recon-rs',
      Sql: analyze,
    });
    expect(api.events.indexOf('finished COMMIT')).toBeLessThan(api.events.indexOf(`submit ${analyze}`));
  });

  it('refuses a load URL that is not a safe s3:// object before anything is sent', async () => {
    fakeDataApi(redshift, mergeScript);
    const wh = warehouse();
    for (const objectUrl of [
      "s3://recon-staging/load/x.parquet' IAM_ROLE 'arn:aws:iam::999999999999:role/evil",
      'file:///tmp/load/x.parquet',
      's3://recon-staging/load/../x.parquet',
    ]) {
      await expect(
        wh.transaction((tx) => loadStagingTable(tx, payments, { kind: 'parquet', objectUrl })),
      ).rejects.toThrow(WarehouseError);
    }
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);

    // A staging store that is not S3 cannot feed Redshift's COPY: refused before Redshift is asked.
    const files = new FileObjectStore(join(dir, 'file-store'));
    const partition = await stageFiles(files);
    await expect(loadStaging(runtime(wh, files), { ...RUN, partitions: [partition] })).rejects.toThrow(
      /COPY source "file:\/\/.*refused: not an s3:\/\/ URL/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it('refuses a malformed copy role when the warehouse is built, and a missing one at the COPY, naming the variable', async () => {
    expect(() => warehouse({ copyRoleArn: "arn:aws:iam::123456789012:role/x' --" })).toThrow(
      /RECON_REDSHIFT_COPY_ROLE_ARN is not an IAM role ARN/,
    );
    const api = fakeDataApi(redshift, mergeScript);
    const store = new S3ObjectStore('s3://recon-staging/staging', new S3Client({ region: 'us-east-1' }));
    const partition = await stageFiles(store);
    const error = await loadStaging(runtime(warehouse({}), store), { ...RUN, partitions: [partition] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toMatch(/set RECON_REDSHIFT_COPY_ROLE_ARN/);
    // Nothing was COPYed and the transaction was rolled back.
    expect(api.inputs().map((i) => i.Sql)).toEqual([
      'BEGIN',
      modelSteps('runs/pipeline_lock.sql')('lock'),
      modelSteps(MERGE_STAGING_MODEL, mergeVars())('create_incoming'),
      'ROLLBACK',
    ]);
  });
});
