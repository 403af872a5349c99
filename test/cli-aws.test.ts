/**
 * `recon aws …` through the real commander program, against mocked Step Functions and
 * CloudFormation clients on a virtual clock: what is sent to AWS, what is printed, exit codes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../packages/core/src/aws/sdk.ts';
import { type AwsIo } from '../packages/core/src/cli/aws.ts';
import { EXIT, main } from '../packages/core/src/cli/main.ts';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  FakeStepFunctions,
  mockPipelineStack,
  type PipelineEnding,
  pipelineHistory,
  type Script,
  STATE_MACHINE_ARN,
  virtualClock,
} from '../packages/core/src/aws/test-support.ts';
import { io } from './support/cli-io.ts';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
  mockPipelineStack(cfnMock, 'dev');
});
afterEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

/** A captured Io carrying the virtual clock (the clients are the mocked SDK classes). */
function awsIo(env: NodeJS.ProcessEnv = {}) {
  const clock = virtualClock();
  const x = io({ RECON_HOME: mkdtempSync(join(tmpdir(), 'recon-cli-aws-')), ...env });
  return Object.assign(x, { aws: { clock } }) satisfies AwsIo;
}

function scriptOf(ending: PipelineEnding, polls = 4): Script {
  const h = pipelineHistory(ending);
  return {
    polls,
    status: h.status,
    events: h.events,
    ...(h.error ? { error: h.error } : {}),
    ...(h.cause ? { cause: h.cause } : {}),
  };
}

describe('recon aws run', () => {
  it('starts the stage state machine with the run id and input, follows it and prints each state', async () => {
    const x = awsIo();
    const fake = new FakeStepFunctions(sfnMock, x.aws.clock, () => scriptOf('SUCCEEDED'));
    const code = await main(
      [
        'aws',
        '--region',
        'eu-west-1',
        'run',
        '--stage',
        'dev',
        '--date',
        '2026-11-20',
        '--as-of',
        '2026-11-21T05:00:00Z',
      ],
      x,
    );
    expect(x.stderr()).not.toMatch(/error/);
    expect(code).toBe(EXIT.OK);
    expect(cfnMock.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({
      StackName: 'dev-revenue-reconciliation-Pipeline',
    });
    const sent = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(sent[0]!.name).toMatch(/^20261120-[0-9a-f]{8}$/);
    expect(sent[0]!.input).toBe(
      `{"runId":"${sent[0]!.name}","reconDate":"2026-11-20","asOf":"2026-11-21T05:00:00.000Z"}`,
    );
    const name = sent[0]!.name!;
    expect(x.stderr()).toMatch(new RegExp(`recon aws run 2026-11-20 · stage dev · execution ${name}`));
    expect(x.stderr()).toMatch(/✓ StartRun\s+SUCCEEDED\s+4\.0 s/);
    expect(x.stderr()).toMatch(/✓ ExtractPartitions\s+SUCCEEDED\s+[\d.]+ s\s+3 iterations \(3 succeeded\)/);
    expect(x.stderr()).toMatch(/✓ RecordRun\s+SUCCEEDED/);
    // Live lines come in the order the states ran.
    expect(x.stderr().indexOf('StartRun')).toBeLessThan(x.stderr().indexOf('LoadStaging'));
    expect(x.stdout()).toMatch(
      new RegExp(`^Execution ${name} \\(2026-11-20, stage dev\\): SUCCEEDED in 9\\.5 s\n`),
    );
    expect(x.stdout()).toMatch(/ExtractPartition ×3\s+│ SUCCEEDED\s+│\s+[\d.]+ s\s+│\s+1 │/);
    expect(fake.executions.size).toBe(1);
  });

  it('exits 3 when the execution halts on data quality', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => scriptOf('DQ_HALT'));
    expect(
      await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20', '--region', 'eu-west-1'], x),
    ).toBe(EXIT.DQ_HALT);
    expect(x.stderr()).toMatch(/✗ HaltedByDataQuality\s+FAILED\s+.*DataQualityHalt/);
    expect(x.stderr()).toMatch(
      /halted by data quality: execution 20261120-[0-9a-f]{8} for 2026-11-20: DQ-01 record count on stg_recon_orders: 0 rows\n$/,
    );
    // Without --as-of the input has no asOf: the state machine uses the execution start.
    const input = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!;
    expect(Object.keys(JSON.parse(input) as object)).toEqual(['runId', 'reconDate']);
  });

  it('exits 1 on any other failure, naming the failed state and the error in one line', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => scriptOf('FAILED'));
    expect(await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20'], x)).toBe(EXIT.FAILURE);
    expect(x.stderr()).toMatch(/✗ MatchLevels\s+FAILED\s+.*2 retries · WarehouseError/);
    const last = x.stderr().trim().split('\n').at(-1);
    expect(last).toMatch(
      /^error: execution 20261120-[0-9a-f]{8} for 2026-11-20 FAILED in MatchLevels: WarehouseError: relation "recon.fct_x" does not exist$/,
    );
    expect(x.stdout()).toMatch(/MatchLevels\s+│ FAILED\s+│.*│\s+2 │ WarehouseError/);
  });

  it('--json prints one stable document', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => scriptOf('SUCCEEDED'));
    expect(await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20', '--json'], x)).toBe(EXIT.OK);
    expect(x.stderr()).toBe('');
    const doc = JSON.parse(x.stdout()) as Record<string, unknown> & { states: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual([
      'stage',
      'stateMachineArn',
      'executionArn',
      'name',
      'runId',
      'reconDate',
      'asOf',
      'status',
      'followed',
      'timedOut',
      'startDate',
      'stopDate',
      'durationSeconds',
      'error',
      'cause',
      'failedState',
      'redriveCount',
      'states',
    ]);
    expect(doc).toMatchObject({
      stage: 'dev',
      reconDate: '2026-11-20',
      asOf: null,
      status: 'SUCCEEDED',
      error: null,
    });
    expect(doc.runId).toBe(doc.name);
    expect(doc.states.find((s) => s.name === 'ExtractPartitions')).toEqual({
      name: 'ExtractPartitions',
      type: 'Map',
      parent: null,
      status: 'SUCCEEDED',
      runs: 1,
      durationSeconds: expect.any(Number) as number,
      retries: 0,
      retriedOn: [],
      error: null,
      iterations: { total: 3, succeeded: 3, failed: 0, aborted: 0 },
    });
  });

  it('--no-wait starts and returns without polling', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => scriptOf('SUCCEEDED'));
    expect(await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20', '--no-wait'], x)).toBe(
      EXIT.OK,
    );
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(x.stdout()).toMatch(
      /^Started 20261120-[0-9a-f]{8} for 2026-11-20 on stage dev \(not followed\)\.\n$/,
    );
  });

  it('exits 1 after --timeout minutes and says the execution goes on', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => ({ polls: 10_000, status: 'SUCCEEDED' }));
    expect(await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20', '--timeout', '5'], x)).toBe(
      EXIT.FAILURE,
    );
    expect(x.stderr()).toMatch(
      /error: execution 20261120-[0-9a-f]{8} is still RUNNING after 5 min; it goes on in AWS/,
    );
  });
});

describe('recon aws backfill', () => {
  it('runs every date, prints the table, exits 1 when a date failed, and the second run retries only that date', async () => {
    let startsOf2 = 0;
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, (_name, input) => {
      if (input.reconDate === '2026-11-02' && ++startsOf2 === 1) return scriptOf('FAILED', 3);
      return { polls: 3, status: 'SUCCEEDED' };
    });
    const argv = ['aws', 'backfill', '--stage', 'dev', '--from', '2026-11-01', '--to', '2026-11-03'];
    expect(await main(argv, x)).toBe(EXIT.FAILURE);
    expect(x.stdout()).toMatch(/2026-11-02 │ FAILED\s+│ 20261102-[0-9a-f]{8} │.*│ WarehouseError/);
    expect(x.stdout()).toMatch(/Backfill 2026-11-01 … 2026-11-03 on stage dev: 2\/3 date\(s\) succeeded/);
    expect(x.stderr()).toMatch(/1 date\(s\) did not succeed; run the same command again to continue/);
    const file = join(x.env.RECON_HOME!, 'aws-backfills', 'dev-2026-11-01-2026-11-03.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, stage: 'dev' });

    const y = Object.assign(io(x.env), { aws: { clock: x.aws.clock } });
    expect(await main(argv, y)).toBe(EXIT.OK);
    expect(y.stderr()).toMatch(/· 2026-11-01 already succeeded/);
    expect(y.stderr()).toMatch(/▸ 2026-11-02 started 20261102-[0-9a-f]{8} \(execution 2 for this date\)/);
    expect(y.stdout()).toMatch(/3\/3 date\(s\) succeeded/);
    const dates = sfnMock
      .commandCalls(StartExecutionCommand)
      .map((c) => (JSON.parse(c.args[0].input.input!) as { reconDate: string }).reconDate);
    expect(dates).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-02']);
  });
});

describe('recon aws executions', () => {
  async function seed(clock: Clock) {
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    fake.add(
      '20261119-aaaaaaaa',
      { runId: '20261119-aaaaaaaa', reconDate: '2026-11-19' },
      { polls: 1, status: 'SUCCEEDED' },
      'SUCCEEDED',
    );
    await clock.sleep(60_000);
    fake.add(
      '20261120-bbbbbbbb',
      { runId: '20261120-bbbbbbbb', reconDate: '2026-11-20' },
      { polls: 1, status: 'FAILED', error: 'WarehouseError' },
      'FAILED',
    );
    return fake;
  }

  it('lists name, business date, status, start and duration', async () => {
    const x = awsIo();
    await seed(x.aws.clock);
    expect(await main(['aws', 'executions', '--stage', 'dev'], x)).toBe(EXIT.OK);
    const lines = x.stdout().split('\n');
    expect(lines[1]).toMatch(/name\s+│ recon date │ status\s+│ started \(UTC\)\s+│ duration/);
    expect(x.stdout()).toMatch(
      /20261120-bbbbbbbb │ 2026-11-20 │ FAILED\s+│ 2026-11-21 06:01:00\s+│\s+0\.0 s/,
    );
    expect(x.stdout().indexOf('20261120-bbbbbbbb')).toBeLessThan(x.stdout().indexOf('20261119-aaaaaaaa'));
  });

  it('--json prints the executions, filtered by --status', async () => {
    const x = awsIo();
    await seed(x.aws.clock);
    expect(await main(['aws', 'executions', '--stage', 'dev', '--status', 'failed', '--json'], x)).toBe(
      EXIT.OK,
    );
    expect(JSON.parse(x.stdout())).toEqual({
      stage: 'dev',
      stateMachineArn: STATE_MACHINE_ARN,
      executions: [
        {
          name: '20261120-bbbbbbbb',
          executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:20261120-bbbbbbbb`,
          reconDate: '2026-11-20',
          status: 'FAILED',
          startDate: '2026-11-21T06:01:00.000Z',
          stopDate: '2026-11-21T06:01:00.000Z',
          durationSeconds: 0,
        },
      ],
    });
  });
});

describe('recon aws redrive', () => {
  it('redrives a FAILED execution by name and follows the redrive', async () => {
    const x = awsIo();
    const fake = new FakeStepFunctions(
      sfnMock,
      x.aws.clock,
      () => ({ polls: 1, status: 'SUCCEEDED' }),
      () => scriptOf('SUCCEEDED', 3),
    );
    const failed = scriptOf('FAILED');
    const sim = fake.add(
      '20261120-0a1b2c3d',
      { runId: '20261120-0a1b2c3d', reconDate: '2026-11-20' },
      failed,
      'FAILED',
    );
    expect(await main(['aws', 'redrive', '20261120-0a1b2c3d', '--stage', 'dev'], x)).toBe(EXIT.OK);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)[0]!.args[0].input.executionArn).toBe(
      sim.executionArn,
    );
    expect(x.stderr()).toMatch(
      /recon aws redrive 20261120-0a1b2c3d \(2026-11-20, was FAILED\) · stage dev · redrive 1/,
    );
    expect(x.stdout()).toMatch(/^Redriven execution 20261120-0a1b2c3d \(2026-11-20, stage dev\): SUCCEEDED/);
    // Only the states of this redrive are followed, not the failed first attempt's.
    expect(x.stderr()).toMatch(/✓ MatchLevels\s+SUCCEEDED/);
    expect(x.stderr()).not.toMatch(/✗ MatchLevels/);
  });

  it('refuses a SUCCEEDED execution, naming its status', async () => {
    const x = awsIo();
    const fake = new FakeStepFunctions(sfnMock, x.aws.clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    fake.add('20261120-0a1b2c3d', {}, { polls: 1, status: 'SUCCEEDED' }, 'SUCCEEDED');
    expect(await main(['aws', 'redrive', '20261120-0a1b2c3d', '--stage', 'dev'], x)).toBe(EXIT.FAILURE);
    expect(x.stderr()).toBe(
      'error: execution 20261120-0a1b2c3d is SUCCEEDED: only a FAILED, TIMED_OUT or ABORTED execution can be redriven\n',
    );
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('names an unknown execution', async () => {
    const x = awsIo();
    new FakeStepFunctions(sfnMock, x.aws.clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    expect(await main(['aws', 'redrive', 'nope', '--stage', 'dev'], x)).toBe(EXIT.FAILURE);
    expect(x.stderr()).toMatch(
      /^error: unknown execution arn:aws:states:.*:execution:PipelineStateMachine-Ab12Cd34:nope/,
    );
  });
});

describe('recon aws errors', () => {
  it('says the stage is not deployed when its stack is missing', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Stack with id qa-revenue-reconciliation-Pipeline does not exist'), {
        name: 'ValidationError',
      }),
    );
    const x = awsIo();
    expect(await main(['aws', '--region', 'eu-west-1', 'executions', '--stage', 'qa'], x)).toBe(EXIT.FAILURE);
    expect(x.stderr()).toBe(
      'error: stage "qa" is not deployed: there is no CloudFormation stack qa-revenue-reconciliation-Pipeline in eu-west-1; deploy it with `npx sst deploy --stage qa`\n',
    );
  });

  it('turns AccessDenied into one line without a stack trace', async () => {
    sfnMock.on(StartExecutionCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: states:StartExecution',
        ),
        {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        },
      ),
    );
    const x = awsIo();
    expect(await main(['aws', 'run', '--stage', 'dev', '--date', '2026-11-20'], x)).toBe(EXIT.FAILURE);
    expect(x.stderr()).toBe(
      'error: access denied for StartExecution: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: states:StartExecution\n',
    );
  });

  const usage: [string, string[], RegExp][] = [
    ['a missing --stage', ['run', '--date', '2026-11-20'], /required option '--stage <stage>' not specified/],
    [
      'a stage with other characters',
      ['run', '--stage', 'dev_1', '--date', '2026-11-20'],
      /invalid --stage "dev_1"/,
    ],
    ['an impossible date', ['run', '--stage', 'dev', '--date', '2026-02-30'], /invalid --date "2026-02-30"/],
    [
      'an as-of without a zone',
      ['run', '--stage', 'dev', '--date', '2026-11-20', '--as-of', '2026-11-21 05:00'],
      /invalid --as-of/,
    ],
    [
      'an as-of in the future',
      ['run', '--stage', 'dev', '--date', '2026-11-20', '--as-of', '2026-11-22T00:00:00Z'],
      /--as-of 2026-11-22T00:00:00.000Z is in the future/,
    ],
    [
      'a reversed range',
      ['backfill', '--stage', 'dev', '--from', '2026-11-05', '--to', '2026-11-01'],
      /reversed range: --to 2026-11-01 is before --from 2026-11-05/,
    ],
    [
      'a range over 366 days',
      ['backfill', '--stage', 'dev', '--from', '2025-01-01', '--to', '2026-01-02'],
      /has 367 days; an AWS backfill covers at most 366/,
    ],
    [
      'a concurrency over 10',
      ['backfill', '--stage', 'dev', '--from', '2026-11-01', '--to', '2026-11-02', '--max-concurrency', '11'],
      /--max-concurrency must be a whole number from 1 to 10/,
    ],
    [
      'a limit of 0',
      ['executions', '--stage', 'dev', '--limit', '0'],
      /--limit must be a whole number from 1 to 1000/,
    ],
    [
      'an unknown status',
      ['executions', '--stage', 'dev', '--status', 'DONE'],
      /--status must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE/,
    ],
    ['a malformed execution name', ['redrive', 'a b', '--stage', 'dev'], /invalid execution "a b"/],
    ['a bad region', ['--region', 'mars', 'executions', '--stage', 'dev'], /invalid --region "mars"/],
  ];
  for (const [what, argv, message] of usage) {
    it(`refuses ${what} (exit 2, one line)`, async () => {
      const x = awsIo();
      new FakeStepFunctions(sfnMock, x.aws.clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
      expect(await main(['aws', ...argv], x)).toBe(EXIT.USAGE);
      expect(x.stderr()).toMatch(message);
      expect(x.stderr().trim().split('\n')).toHaveLength(1);
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  }
});
