/**
 * Test support: a scripted stand-in for the Redshift Data API behind an `aws-sdk-client-mock`
 * stub of `RedshiftDataClient`, so adapter tests assert the exact statements, parameters, session
 * ids and polling protocol. Each ExecuteStatement gets an id (`st-1`, `st-2`, …) and, when it asks
 * for a session (`SessionKeepAliveSeconds`), a new session id (`session-1`, …); DescribeStatement
 * reports the outcome the script chose for that statement's SQL; GetStatementResult returns its
 * rows. Not used by product code.
 */
import {
  type ColumnMetadata,
  DescribeStatementCommand,
  type ExecuteStatementInput,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** How the fake answers for one statement. */
export interface FakeOutcome {
  /** Final status (default FINISHED). */
  status?: 'FINISHED' | 'FAILED' | 'ABORTED';
  /** Redshift's error text for FAILED. */
  error?: string;
  /** DescribeStatement `ResultRows` (default -1). */
  resultRows?: number;
  /** Result columns and rows: the statement has a result set when given. */
  columns?: ColumnMetadata[];
  records?: Field[][];
  /** DescribeStatement answers STARTED this many times before the final status. */
  pending?: number;
}

/** The script: the outcome of a submitted statement, by its SQL text and full input. */
export type FakeScript = (sql: string, input: ExecuteStatementInput) => FakeOutcome;

/** What a test reads back from the fake. */
export interface FakeDataApi {
  /** `submit <sql>` when a statement is submitted, `<status> <sql>` when it is reported done. */
  readonly events: string[];
  /** Every ExecuteStatement input, in order. */
  inputs(): ExecuteStatementInput[];
}

/**
 * Install the fake on `stub`. `delayMs` makes every DescribeStatement answer after a real timer,
 * so concurrently issued statements would interleave if the adapter let them.
 */
export function fakeDataApi(
  stub: AwsClientStub<RedshiftDataClient>,
  script: FakeScript = () => ({}),
  options: { delayMs?: number } = {},
): FakeDataApi {
  const events: string[] = [];
  const statements = new Map<string, { sql: string; outcome: FakeOutcome; polls: number }>();
  let statementCount = 0;
  let sessionCount = 0;
  stub.on(ExecuteStatementCommand).callsFake((input: ExecuteStatementInput) => {
    const id = `st-${++statementCount}`;
    const sql = input.Sql ?? '';
    events.push(`submit ${sql}`);
    statements.set(id, { sql, outcome: script(sql, input), polls: 0 });
    const sessionId =
      input.SessionId ??
      (input.SessionKeepAliveSeconds === undefined ? undefined : `session-${++sessionCount}`);
    return Promise.resolve({ Id: id, ...(sessionId === undefined ? {} : { SessionId: sessionId }) });
  });
  stub.on(DescribeStatementCommand).callsFake(async (input: { Id: string }) => {
    if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const statement = statements.get(input.Id);
    if (statement === undefined) throw new Error(`fake Data API: unknown statement ${input.Id}`);
    if (statement.polls++ < (statement.outcome.pending ?? 0)) return { Id: input.Id, Status: 'STARTED' };
    const status = statement.outcome.status ?? 'FINISHED';
    events.push(`${status.toLowerCase()} ${statement.sql}`);
    return {
      Id: input.Id,
      Status: status,
      ...(statement.outcome.error === undefined ? {} : { Error: statement.outcome.error }),
      ResultRows: statement.outcome.resultRows ?? -1,
      HasResultSet: statement.outcome.records !== undefined,
    };
  });
  stub.on(GetStatementResultCommand).callsFake((input: { Id: string }) => {
    const outcome = statements.get(input.Id)?.outcome;
    return Promise.resolve({ ColumnMetadata: outcome?.columns ?? [], Records: outcome?.records ?? [] });
  });
  return {
    events,
    inputs: () => stub.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input),
  };
}
