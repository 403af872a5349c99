import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { registerModel } from '@recon/sql';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionConfigError, WarehouseError, WarehouseTransientError } from '../errors.ts';
import { fakeDataApi } from './fake-data-api.ts';
import {
  RedshiftDataWarehouse,
  type RedshiftDataWarehouseOptions,
  toDataApiStatement,
} from './redshift-data.ts';
import type { WarehouseTx } from './types.ts';

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

  it("cancels a statement still running at the invocation's deadline, long before its own", async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-slow' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-slow', Status: 'STARTED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    // The statement may run 15 minutes, the invocation has 10 s of warehouse time left.
    const { db, sleeps } = setup({ pollIntervalMs: 1000, invocationDeadline: () => 10_000 });

    const error = await db.execute('VACUUM recon.x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).toMatch(
      /st-slow did not finish before the invocation's time for warehouse statements ran out \(after 10000 ms\) \(last status STARTED\); cancelled/,
    );
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(redshift.commandCalls(CancelStatementCommand)[0]?.args[0].input).toEqual({ Id: 'st-slow' });
  });

  it('sends no statement once the invocation deadline has passed, but still rolls a transaction back', async () => {
    const api = fakeDataApi(redshift, (sql) => (sql.startsWith('DELETE') ? { pending: 3 } : {}));
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    // Each poll of the DELETE advances the virtual clock past the deadline at 2 s.
    const { db } = setup({ pollIntervalMs: 1000, invocationDeadline: () => 2_000 });

    const error = await db
      .transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.t');
        await tx.execute('INSERT INTO recon.t SELECT 1');
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).toMatch(/did not finish before the invocation's time/);
    // The DELETE was cancelled, the INSERT never sent, and the ROLLBACK sent in the session.
    expect(api.inputs().map((i) => [i.Sql, i.SessionId])).toEqual([
      ['BEGIN', undefined],
      ['DELETE FROM recon.t', 'session-1'],
      ['ROLLBACK', 'session-1'],
    ]);
    expect((error as WarehouseTransientError).context['rollbackError']).toBeUndefined();

    const late = await db.execute('SELECT 1').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WarehouseTransientError);
    expect((late as Error).message).toMatch(
      /^redshift statement not sent: the invocation's time for warehouse statements ran out \d+ ms ago$/,
    );
    expect(api.inputs()).toHaveLength(3);
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

const TARGET = {
  WorkgroupName: 'recon-wg',
  Database: 'recon',
  SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:recon-abc',
};
const ROLE = 'arn:aws:iam::123456789012:role/recon-redshift-copy';

describe('RedshiftDataWarehouse session transactions', () => {
  it('opens a session with BEGIN, runs each statement in it with bound parameters, then COMMITs', async () => {
    const api = fakeDataApi(redshift, (sql) => {
      if (sql.startsWith('SELECT')) {
        return {
          resultRows: 2,
          columns: [
            { name: 'id', typeName: 'int8' },
            { name: 'amount', typeName: 'numeric' },
          ],
          records: [
            [{ stringValue: '9007199254740993' }, { stringValue: '12.34' }],
            [{ longValue: 2 }, { isNull: true }],
          ],
        };
      }
      if (sql.startsWith('DELETE')) return { resultRows: 3 };
      return {};
    });
    const { db } = setup();

    const result = await db.transaction(async (tx) => {
      const deleted = await tx.execute('DELETE FROM recon.t WHERE d = :d AND note = :note', {
        d: '2024-03-10',
        note: "x'); DROP TABLE recon.t; --",
      });
      const rows = await tx.query('SELECT id, amount FROM recon.t WHERE shop = $1', [42]);
      const created = await tx.execute('CREATE TEMP TABLE tmp_x (a INT)');
      return { deleted, rows, created };
    });

    expect(result).toEqual({
      deleted: 3,
      rows: [
        { id: '9007199254740993', amount: '12.34' },
        { id: '2', amount: null },
      ],
      created: 0,
    });
    expect(api.inputs()).toEqual([
      { ...TARGET, Sql: 'BEGIN', SessionKeepAliveSeconds: 300 },
      {
        Sql: 'DELETE FROM recon.t WHERE d = :d AND note = :note',
        Parameters: [
          { name: 'd', value: '2024-03-10' },
          { name: 'note', value: "x'); DROP TABLE recon.t; --" },
        ],
        SessionId: 'session-1',
      },
      {
        Sql: 'SELECT id, amount FROM recon.t WHERE shop = :p1',
        Parameters: [{ name: 'p1', value: '42' }],
        SessionId: 'session-1',
      },
      { Sql: 'CREATE TEMP TABLE tmp_x (a INT)', SessionId: 'session-1' },
      { Sql: 'COMMIT', SessionId: 'session-1' },
    ]);
    expect(api.events.at(-1)).toBe('finished COMMIT');
    expect(redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input)).toEqual([
      { Id: 'st-3' },
    ]);
  });

  it('uses the configured keep-alive and a provisioned target', async () => {
    const api = fakeDataApi(redshift);
    const { db } = setup({
      workgroupName: undefined,
      clusterIdentifier: 'recon-cluster',
      secretArn: undefined,
      dbUser: 'etl',
      sessionKeepAliveSeconds: 120,
    });
    await db.transaction((tx) => tx.execute('DELETE FROM recon.t'));
    expect(api.inputs()[0]).toEqual({
      ClusterIdentifier: 'recon-cluster',
      Database: 'recon',
      DbUser: 'etl',
      Sql: 'BEGIN',
      SessionKeepAliveSeconds: 120,
    });
  });

  it('rolls back after a FAILED statement, keeps its typed error naming the model, and sends nothing queued after it', async () => {
    const failing = 'INSERT INTO recon.fct_recon SELECT * FROM recon.match_l2';
    registerModel(failing, 'match/match_level2.sql');
    const api = fakeDataApi(redshift, (sql) =>
      sql === failing ? { status: 'FAILED', error: 'ERROR: column "x" does not exist' } : {},
    );
    const { db } = setup();
    let third: Promise<number> | undefined;

    const error = await db
      .transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.fct_recon');
        const second = tx.execute(failing);
        third = tx.execute('ANALYZE recon.fct_recon');
        third.catch(() => undefined);
        await second;
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WarehouseError);
    expect(error).not.toBeInstanceOf(WarehouseTransientError);
    const e = error as WarehouseError;
    expect(e.message).toBe(
      'redshift statement FAILED in match/match_level2.sql: ERROR: column "x" does not exist',
    );
    expect(e.context).toMatchObject({
      model: 'match/match_level2.sql',
      statementId: 'st-3',
      statement: failing,
    });
    await expect(third).rejects.toThrow(/transaction aborted by an earlier error.*not sent/);
    expect(api.inputs().map((i) => [i.Sql, i.SessionId])).toEqual([
      ['BEGIN', undefined],
      ['DELETE FROM recon.fct_recon', 'session-1'],
      [failing, 'session-1'],
      ['ROLLBACK', 'session-1'],
    ]);
  });

  it('rolls back when the callback throws and never masks its error, even when ROLLBACK fails', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql === 'ROLLBACK' ? { status: 'FAILED', error: 'ERROR: session is gone' } : {},
    );
    const { db } = setup();
    const boom = new WarehouseError('boom');

    const error = await db
      .transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.t');
        throw boom;
      })
      .catch((e: unknown) => e);

    expect(error).toBe(boom);
    expect(boom.context['rollbackError']).toMatch(/ROLLBACK|session is gone/);
    expect(api.inputs().map((i) => i.Sql)).toEqual(['BEGIN', 'DELETE FROM recon.t', 'ROLLBACK']);

    // A plain Error passes through unchanged as well.
    const plain = new Error('plain');
    await expect(
      db.transaction(async (tx) => {
        await tx.execute('DELETE FROM recon.t');
        throw plain;
      }),
    ).rejects.toBe(plain);
  });

  it('runs statements issued without awaiting them one at a time, in call order', async () => {
    const api = fakeDataApi(redshift, (sql) => (sql.includes('slow') ? { pending: 2 } : {}), { delayMs: 2 });
    const { db } = setup();

    const counts = await db.transaction((tx) =>
      Promise.all([
        tx.execute('UPDATE recon.a SET x = 1 /* slow */'),
        tx.execute('UPDATE recon.b SET x = 2'),
        tx.query('SELECT 3 AS n /* slow */'),
        tx.execute('UPDATE recon.c SET x = 4'),
      ]),
    );

    expect(counts).toEqual([0, 0, [], 0]);
    expect(api.events).toEqual([
      'submit BEGIN',
      'finished BEGIN',
      'submit UPDATE recon.a SET x = 1 /* slow */',
      'finished UPDATE recon.a SET x = 1 /* slow */',
      'submit UPDATE recon.b SET x = 2',
      'finished UPDATE recon.b SET x = 2',
      'submit SELECT 3 AS n /* slow */',
      'finished SELECT 3 AS n /* slow */',
      'submit UPDATE recon.c SET x = 4',
      'finished UPDATE recon.c SET x = 4',
      'submit COMMIT',
      'finished COMMIT',
    ]);
  });

  it('waits for statements the callback did not await before it COMMITs, and fails on their error', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql.includes('bad') ? { status: 'FAILED', error: 'ERROR: bad' } : {},
    );
    const { db } = setup();
    const ok = await db.transaction((tx) => {
      void tx.execute('UPDATE recon.a SET x = 1');
      return Promise.resolve('done');
    });
    expect(ok).toBe('done');
    expect(api.inputs().map((i) => i.Sql)).toEqual(['BEGIN', 'UPDATE recon.a SET x = 1', 'COMMIT']);

    const error = await db
      .transaction((tx) => {
        tx.execute('UPDATE recon.bad SET x = 1').catch(() => undefined);
        return Promise.resolve('not committed');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as Error).message).toMatch(/FAILED: ERROR: bad/);
    expect(
      api
        .inputs()
        .map((i) => i.Sql)
        .slice(3),
    ).toEqual(['BEGIN', 'UPDATE recon.bad SET x = 1', 'ROLLBACK']);
  });

  it('sends nothing for a transaction without statements and refuses statements after it ended', async () => {
    fakeDataApi(redshift);
    const { db } = setup();
    expect(await db.transaction(() => Promise.resolve(7))).toBe(7);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);

    let leaked: WarehouseTx | undefined;
    await db.transaction((tx) => {
      leaked = tx;
      return Promise.resolve();
    });
    await expect(leaked?.execute('DELETE FROM recon.t')).rejects.toThrow(/transaction is closed/);
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it('turns a COMMIT that loses a serialization conflict into WarehouseTransientError and still sends ROLLBACK', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql === 'COMMIT'
        ? { status: 'FAILED', error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123' }
        : {},
    );
    const { db } = setup();
    const error = await db.transaction((tx) => tx.execute('DELETE FROM recon.t')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect(api.inputs().map((i) => i.Sql)).toEqual(['BEGIN', 'DELETE FROM recon.t', 'COMMIT', 'ROLLBACK']);
  });

  it('fails when BEGIN opens no session', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-1', Status: 'FINISHED' });
    const { db } = setup();
    await expect(db.transaction((tx) => tx.execute('DELETE FROM recon.t'))).rejects.toThrow(
      /returned no SessionId/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });
});

describe('RedshiftDataWarehouse COPY from S3', () => {
  it('COPYs the Parquet object in the session and reads the count with pg_last_copy_count()', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql.startsWith('SELECT pg_last_copy_count')
        ? { columns: [{ name: 'n', typeName: 'int8' }], records: [[{ longValue: 1234 }]], resultRows: 1 }
        : {},
    );
    const { db } = setup({ copyRoleArn: ROLE });

    const n = await db.transaction((tx) =>
      tx.copyParquetObject(
        'tmp_stg_recon_payments_incoming',
        ['order_pay_id', '_deleted'],
        's3://recon-staging/staging/load/dt=2024-03-10/run=r1/stg_recon_payments.parquet',
      ),
    );

    expect(n).toBe(1234);
    expect(api.inputs().map((i) => [i.Sql, i.SessionId])).toEqual([
      ['BEGIN', undefined],
      [
        "COPY tmp_stg_recon_payments_incoming FROM 's3://recon-staging/staging/load/dt=2024-03-10/run=r1/stg_recon_payments.parquet' " +
          `IAM_ROLE '${ROLE}' FORMAT AS PARQUET`,
        'session-1',
      ],
      ['SELECT pg_last_copy_count() AS n', 'session-1'],
      ['COMMIT', 'session-1'],
    ]);
  });

  it('refuses a COPY without a role (naming where to set it), an unsafe URL or table, before sending anything', async () => {
    fakeDataApi(redshift);
    const url = 's3://recon-staging/load/x.parquet';
    const noRole = setup({ copyRoleSource: 'RECON_REDSHIFT_COPY_ROLE_ARN' }).db;
    const missing = await noRole
      .transaction((tx) => tx.copyParquetObject('tmp_t', ['a'], url))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConnectionConfigError);
    expect((missing as Error).message).toMatch(/needs an IAM role for S3: set RECON_REDSHIFT_COPY_ROLE_ARN/);

    const { db } = setup({ copyRoleArn: ROLE });
    for (const bad of [
      "s3://recon-staging/load/x.parquet' IAM_ROLE 'arn:aws:iam::999999999999:role/evil",
      's3://recon-staging/load/../secret.parquet',
      's3://Recon_Staging/load/x.parquet',
      's3://recon-staging/load/x y.parquet',
      'file:///tmp/x.parquet',
      'https://recon-staging.s3.amazonaws.com/x.parquet',
    ]) {
      await expect(db.transaction((tx) => tx.copyParquetObject('tmp_t', ['a'], bad))).rejects.toThrow(
        /COPY source .* refused/,
      );
    }
    await expect(
      db.transaction((tx) => tx.copyParquetObject('tmp_t; DROP TABLE x', ['a'], url)),
    ).rejects.toThrow(/not a plain table name/);
    await expect(db.transaction((tx) => tx.copyParquetObject('tmp_t', ['A b'], url))).rejects.toThrow(
      /plain lower-case identifiers/,
    );
    await expect(db.transaction((tx) => tx.copyCsvFile('recon.t', ['a'], '/tmp/x.csv'))).rejects.toThrow(
      /copyParquetObject/,
    );
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it.each([
    'arn:aws:iam::123456789012:user/someone',
    'arn:aws:iam::12345:role/x',
    "arn:aws:iam::123456789012:role/x' --",
    'arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b',
    'not-an-arn',
  ])('refuses the copy role %s when the warehouse is built, naming its source', (arn) => {
    expect(() => setup({ copyRoleArn: arn, copyRoleSource: 'RECON_REDSHIFT_COPY_ROLE_ARN' })).toThrow(
      /^RECON_REDSHIFT_COPY_ROLE_ARN is not an IAM role ARN/,
    );
  });

  it('accepts roles of other partitions and with a path', () => {
    expect(() =>
      setup({ copyRoleArn: 'arn:aws-cn:iam::123456789012:role/service/recon-copy' }),
    ).not.toThrow();
    expect(() => setup({ sessionKeepAliveSeconds: 0 })).toThrow(ConnectionConfigError);
    expect(() => setup({ sessionKeepAliveSeconds: 86_401 })).toThrow(ConnectionConfigError);
  });
});

describe('RedshiftDataWarehouse.fromUrl', () => {
  it('parses redshift-data://<workgroup>/<database>', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'st-u' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'st-u', Status: 'FINISHED', ResultRows: 0 });
    const db = RedshiftDataWarehouse.fromUrl('redshift-data://recon-wg/dev', {
      client: new RedshiftDataClient({ region: 'eu-west-1' }),
    });
    expect(db.dialect).toMatchObject({
      name: 'redshift',
      supportsLocalCopy: false,
      supportsMaterializedViews: true,
    });
    expect(db.dialect).not.toHaveProperty('shims');
    await db.execute('SELECT 1');
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      WorkgroupName: 'recon-wg',
      Database: 'dev',
      Sql: 'SELECT 1',
    });
    await db.close();
  });

  it('parses a provisioned cluster with a database user and a copy role', async () => {
    const api = fakeDataApi(redshift, (sql) =>
      sql.startsWith('SELECT')
        ? { columns: [{ name: 'n', typeName: 'int8' }], records: [[{ longValue: 0 }]] }
        : {},
    );
    const db = RedshiftDataWarehouse.fromUrl(
      `redshift-data://cluster:recon-prod-1/analytics?dbUser=etl_user&copyRoleArn=${encodeURIComponent(ROLE)}`,
      { client: new RedshiftDataClient({ region: 'eu-west-1' }) },
    );
    await db.transaction((tx) => tx.copyParquetObject('tmp_t', ['a'], 's3://recon-staging/load/x.parquet'));
    expect(api.inputs()[0]).toEqual({
      ClusterIdentifier: 'recon-prod-1',
      Database: 'analytics',
      DbUser: 'etl_user',
      Sql: 'BEGIN',
      SessionKeepAliveSeconds: 300,
    });
    expect(api.inputs()[1]?.Sql).toContain(`IAM_ROLE '${ROLE}'`);
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
