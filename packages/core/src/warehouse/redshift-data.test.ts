import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { registerModel, splitStatements } from '@recon/sql';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionConfigError, WarehouseError, WarehouseTransientError } from '../errors.ts';
import {
  RedshiftDataWarehouse,
  type RedshiftDataWarehouseOptions,
  renderLiteral,
  toDataApiStatement,
} from './redshift-data.ts';

const redshift = mockClient(RedshiftDataClient);

/** A warehouse on the mocked client with a virtual clock: `sleep` records delays and advances it. */
function setup(options: Partial<RedshiftDataWarehouseOptions> = {}): {
  db: RedshiftDataWarehouse;
  sleeps: number[];
} {
  const sleeps: number[] = [];
  let clock = 0;
  const db = new RedshiftDataWarehouse({
    workgroupName: 'recon-wg',
    database: 'recon',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:recon-abc',
    client: new RedshiftDataClient({ region: 'eu-west-1' }),
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
    ...options,
  });
  return { db, sleeps };
}

beforeEach(() => {
  redshift.reset();
});

afterEach(() => {
  redshift.reset();
});

describe('RedshiftDataWarehouse statements', () => {
  it('sends named parameters as strings, nulls as NULL and positional $n as :pn', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-1', Status: 'FINISHED', ResultRows: 3 });
    const { db } = setup();

    const n = await db.execute(
      'UPDATE recon.t SET note = :note, amount = :amount, flag = :flag, at = :at::timestamp WHERE shop = :shop AND id = :id AND gone = :gone AND x::text = :shop',
      {
        note: null,
        amount: '12.50',
        flag: true,
        at: new Date('2024-03-10T07:00:00.123Z'),
        shop: "O'Hara",
        id: 9007199254740993n,
        gone: '',
        unused: 'ignored',
      },
    );
    await db.execute('DELETE FROM recon.t WHERE id = $2 AND shop = $1 AND owner = $2', ['s1', 42]);

    expect(n).toBe(3);
    const calls = redshift.commandCalls(ExecuteStatementCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      {
        WorkgroupName: 'recon-wg',
        Database: 'recon',
        SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:recon-abc',
        Sql: "UPDATE recon.t SET note = NULL, amount = :amount, flag = :flag, at = :at::timestamp WHERE shop = :shop AND id = :id AND gone = '' AND x::text = :shop",
        Parameters: [
          { name: 'amount', value: '12.50' },
          { name: 'flag', value: 'true' },
          { name: 'at', value: '2024-03-10 07:00:00.123' },
          { name: 'shop', value: "O'Hara" },
          { name: 'id', value: '9007199254740993' },
        ],
      },
      {
        WorkgroupName: 'recon-wg',
        Database: 'recon',
        SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:recon-abc',
        Sql: 'DELETE FROM recon.t WHERE id = :p2 AND shop = :p1 AND owner = :p2',
        Parameters: [
          { name: 'p2', value: '42' },
          { name: 'p1', value: 's1' },
        ],
      },
    ]);
  });

  it('leaves placeholders inside literals, quoted identifiers and comments alone, and omits empty Parameters', () => {
    expect(toDataApiStatement(`SELECT ':a', "$1", 1 -- :a\n, :a`, { a: 5 })).toEqual({
      sql: `SELECT ':a', "$1", 1 -- :a\n, :a`,
      parameters: [{ name: 'a', value: '5' }],
    });
    expect(toDataApiStatement('SELECT 1', undefined)).toEqual({ sql: 'SELECT 1', parameters: [] });
  });

  it('rejects a missing named or positional parameter before calling AWS', async () => {
    const { db } = setup();
    await expect(db.query('SELECT :a', {})).rejects.toThrow(/missing SQL parameter :a/);
    await expect(db.query('SELECT $2', ['x'])).rejects.toThrow(/missing SQL parameter \$2/);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it('polls SUBMITTED → STARTED → FINISHED with ×1.5 backoff capped at 5 s', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-2' });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 'st-2', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 'st-2', Status: 'PICKED' })
      .resolvesOnce({ Id: 'st-2', Status: 'STARTED' })
      .resolvesOnce({ Id: 'st-2', Status: 'STARTED' })
      .resolvesOnce({ Id: 'st-2', Status: 'STARTED' })
      .resolves({ Id: 'st-2', Status: 'FINISHED', ResultRows: -1 });
    const { db, sleeps } = setup({ pollIntervalMs: 2000 });

    expect(await db.execute('CREATE TABLE recon.x (a INT)')).toBe(0);

    expect(sleeps).toEqual([2000, 3000, 4500, 5000, 5000]);
    const describes = redshift.commandCalls(DescribeStatementCommand);
    expect(describes).toHaveLength(6);
    expect(describes.every((c) => c.args[0].input.Id === 'st-2')).toBe(true);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).not.toHaveProperty('Parameters');
  });

  it('cancels and raises WarehouseTransientError naming the statement id at the deadline', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-slow' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-slow', Status: 'STARTED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    const { db, sleeps } = setup({ pollIntervalMs: 1000, deadlineMs: 4000 });

    const error = await db.execute('VACUUM recon.x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).toMatch(
      /st-slow.*did not finish within 4000 ms \(last status STARTED\)/,
    );
    expect(sleeps).toEqual([1000, 1500, 1500]);
    expect(redshift.commandCalls(CancelStatementCommand)[0]?.args[0].input).toEqual({ Id: 'st-slow' });
  });

  it('raises WarehouseError with the Redshift error text and the registered model name on FAILED', async () => {
    const sql = 'INSERT INTO recon.fct SELECT * FROM recon.match_l1 WHERE business_date = :d';
    registerModel(sql, 'match/match_level1.sql');
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-3' });
    redshift.on(DescribeStatementCommand).resolves({
      Id: 'st-3',
      Status: 'FAILED',
      Error: 'ERROR: relation "recon.match_l1" does not exist',
    });
    const { db } = setup();

    const error = await db.execute(sql, { d: '2024-03-10' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseError);
    expect(error).not.toBeInstanceOf(WarehouseTransientError);
    const e = error as WarehouseError;
    expect(e.message).toBe(
      'redshift statement FAILED in match/match_level1.sql: ERROR: relation "recon.match_l1" does not exist',
    );
    expect(e.context).toMatchObject({
      model: 'match/match_level1.sql',
      statementId: 'st-3',
      status: 'FAILED',
    });
    expect(e.message).not.toContain('secret');
  });

  it('maps a serialization conflict to WarehouseTransientError and AWS throttling likewise', async () => {
    redshift.on(ExecuteStatementCommand).resolvesOnce({ Id: 'st-4' });
    redshift.on(DescribeStatementCommand).resolves({
      Id: 'st-4',
      Status: 'FAILED',
      Error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123',
    });
    const { db } = setup();
    await expect(db.execute('DELETE FROM recon.x')).rejects.toBeInstanceOf(WarehouseTransientError);

    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    redshift.on(ExecuteStatementCommand).rejects(throttled);
    const error = await db.execute('DELETE FROM recon.x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).toContain('[ThrottlingException]');

    const invalid = Object.assign(new Error('bad sql'), { name: 'ValidationException' });
    redshift.on(ExecuteStatementCommand).rejects(invalid);
    const hard = await db.execute('DELETE FROM recon.x').catch((e: unknown) => e);
    expect(hard).toBeInstanceOf(WarehouseError);
    expect(hard).not.toBeInstanceOf(WarehouseTransientError);
  });
});

describe('RedshiftDataWarehouse results', () => {
  it('pages GetStatementResult over NextToken and normalizes every type exactly', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-q' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-q', Status: 'FINISHED', HasResultSet: true });
    const columns = [
      { name: 'id', typeName: 'int8' },
      { name: 'amount', typeName: 'numeric' },
      { name: 'qty', typeName: 'int4' },
      { name: 'created', typeName: 'timestamp' },
      { name: 'day', typeName: 'date' },
      { name: 'ok', typeName: 'bool' },
      { name: 'note', typeName: 'varchar' },
      { name: 'at', typeName: 'timestamptz' },
    ];
    redshift
      .on(GetStatementResultCommand)
      .resolvesOnce({
        ColumnMetadata: columns,
        NextToken: 'page-2',
        Records: [
          [
            { stringValue: '9007199254740993' },
            { stringValue: '12345678901234567.89' },
            { longValue: 7 },
            { stringValue: '2024-03-10 07:00:00' },
            { stringValue: '2024-03-10' },
            { booleanValue: true },
            { stringValue: "it's" },
            { stringValue: '2024-03-10 07:00:00.5+00' },
          ],
        ],
      })
      .resolvesOnce({
        ColumnMetadata: columns,
        Records: [
          [
            { longValue: 42 },
            { stringValue: '0.10' },
            { isNull: true },
            { stringValue: '2024-03-10T23:59:59.123456' },
            { isNull: true },
            { booleanValue: false },
            { isNull: true },
            { isNull: true },
          ],
        ],
      });
    const { db } = setup();

    const rows = await db.query('SELECT * FROM recon.x');

    expect(rows).toEqual([
      {
        id: '9007199254740993',
        amount: '12345678901234567.89',
        qty: 7,
        created: '2024-03-10 07:00:00',
        day: '2024-03-10',
        ok: true,
        note: "it's",
        at: '2024-03-10T07:00:00.5Z',
      },
      {
        id: '42',
        amount: '0.10',
        qty: null,
        created: '2024-03-10 23:59:59.123456',
        day: null,
        ok: false,
        note: null,
        at: null,
      },
    ]);
    const pages = redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input);
    expect(pages).toEqual([{ Id: 'st-q' }, { Id: 'st-q', NextToken: 'page-2' }]);
  });

  it('refuses a BIGINT beyond 2^53 that arrived as an (already rounded) JSON number', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-b' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-b', Status: 'FINISHED', HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [{ name: 'id', typeName: 'int8' }],
      Records: [[{ longValue: 2 ** 53 }]],
    });
    const { db } = setup();
    await expect(db.query('SELECT id FROM recon.x')).rejects.toThrow(/beyond 2\^53.*VARCHAR/);
  });

  it('returns no rows without calling GetStatementResult when there is no result set', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-n' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-n', Status: 'FINISHED', HasResultSet: false });
    const { db } = setup();
    expect(await db.query('SET search_path TO recon')).toEqual([]);
    expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(0);
  });
});

describe('RedshiftDataWarehouse transactions', () => {
  it('runs the collected statements as one BatchExecuteStatement with safely rendered literals', async () => {
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'batch-1' });
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 'batch-1', Status: 'STARTED' })
      .resolves({ Id: 'batch-1', Status: 'FINISHED' });
    const { db } = setup();
    const evil = "x'); DROP TABLE recon.t; --";

    const result = await db.transaction(async (tx) => {
      expect(await tx.execute('DELETE FROM recon.t WHERE d = :d', { d: '2024-03-10' })).toBe(0);
      await tx.execute(
        'INSERT INTO recon.t VALUES (:note, :amount, :n, :neg, :ok, :none, :at, :big, :path)',
        {
          note: evil,
          amount: '12.50',
          n: 3,
          neg: -5,
          ok: false,
          none: null,
          at: new Date('2024-03-10T07:00:00Z'),
          big: -9007199254740993n,
          path: 'C:\\tmp\\x',
        },
      );
      await tx.execute('UPDATE recon.t SET a = $1 - $2', [1, -2]);
      return 'done';
    });

    expect(result).toBe('done');
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
    const batches = redshift.commandCalls(BatchExecuteStatementCommand);
    expect(batches).toHaveLength(1);
    const input = batches[0]?.args[0].input;
    expect(input).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'recon',
      SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:recon-abc',
      Sqls: [
        "DELETE FROM recon.t WHERE d = '2024-03-10'",
        "INSERT INTO recon.t VALUES ('x''); DROP TABLE recon.t; --', '12.50', 3, (-5), FALSE, NULL, " +
          "'2024-03-10 07:00:00.000', (-9007199254740993), ('C:' || CHR(92) || 'tmp' || CHR(92) || 'x'))",
        'UPDATE recon.t SET a = 1 - (-2)',
      ],
    });
    // The quotes and semicolons of the value stay inside its literal: still one statement each.
    for (const sql of input?.Sqls ?? []) expect(splitStatements(sql)).toHaveLength(1);
    expect(redshift.commandCalls(DescribeStatementCommand).map((c) => c.args[0].input)).toEqual([
      { Id: 'batch-1' },
      { Id: 'batch-1' },
    ]);
  });

  it('sends nothing when the callback throws or executes nothing', async () => {
    const { db } = setup();
    await expect(
      db.transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.t');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.transaction(() => Promise.resolve(7))).toBe(7);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it('names the failing sub-statement and its model when the batch FAILED', async () => {
    const second = 'INSERT INTO recon.fct_recon SELECT * FROM recon.match_l2';
    registerModel(second, 'match/match_level2.sql');
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'batch-2' });
    redshift.on(DescribeStatementCommand).resolves({
      Id: 'batch-2',
      Status: 'FAILED',
      Error: 'ERROR: column "x" does not exist',
      SubStatements: [
        { Id: 'batch-2:1', Status: 'FINISHED' },
        { Id: 'batch-2:2', Status: 'FAILED', Error: 'ERROR: column "x" does not exist' },
        { Id: 'batch-2:3', Status: 'ABORTED' },
      ],
    });
    const { db } = setup();

    const error = await db
      .transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.fct_recon');
        await tx.execute(second);
        await tx.execute('ANALYZE recon.fct_recon');
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseError);
    const e = error as WarehouseError;
    expect(e.message).toBe(
      'redshift transaction statement 2 of 3 FAILED in match/match_level2.sql: ERROR: column "x" does not exist',
    );
    expect(e.context).toMatchObject({
      model: 'match/match_level2.sql',
      statementId: 'batch-2:2',
      statement: second,
    });
  });

  it('refuses query and copyCsvFile inside a transaction', async () => {
    const { db } = setup();
    const error = await db
      .transaction(async (tx) => {
        await tx.query('SELECT 1');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as Error).message).toMatch(/cannot run queries.*BatchExecuteStatement/);

    await expect(db.transaction((tx) => tx.copyCsvFile('recon.t', ['a'], '/tmp/x.csv'))).rejects.toThrow(
      /COPY … FROM 's3:\/\/…'.*FORMAT AS PARQUET/,
    );
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });
});

describe('renderLiteral', () => {
  it('quotes, validates and rejects what cannot be a literal', () => {
    expect(renderLiteral("a'b;c")).toBe("'a''b;c'");
    expect(renderLiteral('2024-03-10 07:00:00')).toBe("'2024-03-10 07:00:00'");
    expect(renderLiteral(1.5)).toBe('1.5');
    expect(renderLiteral(true)).toBe('TRUE');
    expect(renderLiteral(null)).toBe('NULL');
    expect(() => renderLiteral('a\0b')).toThrow(/NUL/);
    expect(() => renderLiteral(Number.NaN)).toThrow(WarehouseError);
    expect(() => renderLiteral(undefined)).toThrow(WarehouseError);
    expect(() => renderLiteral({})).toThrow(WarehouseError);
  });
});

describe('RedshiftDataWarehouse.fromUrl', () => {
  it('parses redshift-data://<workgroup>/<database>', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-u' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-u', Status: 'FINISHED', ResultRows: 0 });
    const db = RedshiftDataWarehouse.fromUrl('redshift-data://recon-wg/dev', {
      client: new RedshiftDataClient({ region: 'eu-west-1' }),
    });
    expect(db.dialect).toEqual({
      name: 'redshift',
      supportsLocalCopy: false,
      supportsMaterializedViews: true,
    });
    await db.execute('SELECT 1');
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'dev',
      Sql: 'SELECT 1',
    });
    await db.close();
  });

  it.each([
    'postgres://h/db',
    'redshift-data://recon-wg',
    'redshift-data://recon-wg/',
    'redshift-data://recon-wg/db/extra',
    'redshift-data://user:hunter2@recon-wg/db',
    'redshift-data://recon-wg/db?x=1',
    'not a url',
  ])('rejects %s with a ConnectionConfigError naming RECON_WAREHOUSE_URL', (url) => {
    let error: unknown;
    try {
      RedshiftDataWarehouse.fromUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toContain('RECON_WAREHOUSE_URL');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('requires exactly one of workgroupName and clusterIdentifier', () => {
    expect(() => new RedshiftDataWarehouse({ database: 'd' })).toThrow(ConnectionConfigError);
    expect(
      () => new RedshiftDataWarehouse({ database: 'd', workgroupName: 'w', clusterIdentifier: 'c' }),
    ).toThrow(ConnectionConfigError);
  });
});
