import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import {
  followExecution,
  listPipelineExecutions,
  pipelineInput,
  reconDateOf,
  redrivePipelineExecution,
  resolveExecutionArn,
  startPipelineExecution,
} from './executions.ts';
import { AwsOperationError, awsCall, translateAwsError } from './sdk.ts';
import { findStateMachineArn, parseStage, pipelineStackName } from './stack.ts';
import {
  FakeStepFunctions,
  mockPipelineStack,
  pipelineHistory,
  STATE_MACHINE_ARN,
  virtualClock,
} from './test-support.ts';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const sfn = new SFNClient({ region: 'eu-west-1' });
const cfn = new CloudFormationClient({ region: 'eu-west-1' });

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});
afterEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

const sdkError = (name: string, message = name, status?: number) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

describe('the execution input', () => {
  it('is runId, reconDate and — only when given — asOf, in that order', () => {
    expect(pipelineInput('20261120-0a1b2c3d', { reconDate: '2026-11-20' })).toBe(
      '{"runId":"20261120-0a1b2c3d","reconDate":"2026-11-20"}',
    );
    expect(
      pipelineInput('20261120-0a1b2c3d', { asOf: '2026-11-21T06:00:00.000Z', reconDate: '2026-11-20' }),
    ).toBe('{"runId":"20261120-0a1b2c3d","reconDate":"2026-11-20","asOf":"2026-11-21T06:00:00.000Z"}');
  });

  it('StartExecution gets the state machine, a run-id name and that input text', async () => {
    sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
      startDate: new Date('2026-11-21T06:00:01Z'),
    }));
    const started = await startPipelineExecution(
      sfn,
      STATE_MACHINE_ARN,
      { reconDate: '2026-11-20', asOf: '2026-11-21T05:00:00.000Z' },
      virtualClock(),
    );
    const sent = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(sent.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(sent.name).toMatch(/^20261120-[0-9a-f]{8}$/);
    expect(sent.input).toBe(
      `{"runId":"${sent.name}","reconDate":"2026-11-20","asOf":"2026-11-21T05:00:00.000Z"}`,
    );
    expect(started).toEqual({
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${sent.name}`,
      name: sent.name,
      input: sent.input,
      startDate: Date.parse('2026-11-21T06:00:01Z'),
    });
  });
});

describe('following an execution', () => {
  it('polls with backoff 2 s ×1.5 up to 15 s and returns the outcome with every state', async () => {
    const clock = virtualClock();
    const run = pipelineHistory('SUCCEEDED');
    new FakeStepFunctions(sfnMock, clock, () => ({ polls: 9, status: 'SUCCEEDED', events: run.events }));
    const started = await startPipelineExecution(sfn, STATE_MACHINE_ARN, { reconDate: '2026-11-20' }, clock);
    const seen: string[] = [];
    const result = await followExecution(sfn, started.executionArn, {
      clock,
      timeoutMs: 3_600_000,
      onState: (r) => seen.push(r.name),
    });
    expect(clock.sleeps).toEqual([2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000]);
    expect(result).toMatchObject({ status: 'SUCCEEDED', timedOut: false, name: started.name, error: null });
    expect(result.durationMs).toBe(clock.sleeps.reduce((a, b) => a + b, 0));
    expect(result.states.find((s) => s.name === 'ExtractPartitions')?.iterations?.total).toBe(3);
    expect(seen[0]).toBe('StartRun');
    expect(seen.at(-1)).toBe('RecordRun');
    expect(result.input).toEqual({ runId: started.name, reconDate: '2026-11-20' });
  });

  it('backs off on throttling instead of failing', async () => {
    const clock = virtualClock();
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 2, status: 'SUCCEEDED' }));
    const sim = fake.add(
      '20261120-00000001',
      { runId: '20261120-00000001', reconDate: '2026-11-20' },
      {
        polls: 1,
        status: 'SUCCEEDED',
      },
    );
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(sdkError('ThrottlingException', 'Rate exceeded', 400))
      .rejectsOnce(sdkError('TooManyRequestsException', 'slow down', 429))
      .resolves({
        executionArn: sim.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: sim.name,
        status: 'SUCCEEDED',
        startDate: new Date(0),
        stopDate: new Date(90_000),
      });
    const result = await followExecution(sfn, sim.executionArn, { clock, timeoutMs: 60_000, states: false });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.durationMs).toBe(90_000);
    expect(clock.sleeps).toEqual([2000, 3000]);
  });

  it('gives up after the timeout while the execution goes on', async () => {
    const clock = virtualClock();
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 10_000, status: 'SUCCEEDED' }));
    const started = await startPipelineExecution(sfn, STATE_MACHINE_ARN, { reconDate: '2026-11-20' }, clock);
    const t0 = clock.now();
    const result = await followExecution(sfn, started.executionArn, { clock, timeoutMs: 120_000 });
    expect(result).toMatchObject({ status: 'RUNNING', timedOut: true, stopDate: null, durationMs: null });
    expect(clock.now() - t0).toBe(120_000);
    expect(fake.executions.get(started.executionArn)?.status).toBe('RUNNING');
  });

  it('turns an unknown execution into one line naming it', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(sdkError('ExecutionDoesNotExist', "Execution Does Not Exist: 'x'"));
    const error = await followExecution(sfn, `${STATE_MACHINE_ARN}:nope`, {
      clock: virtualClock(),
      timeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsOperationError);
    expect((error as Error).message).toMatch(
      /^unknown execution arn:aws:states:.*:nope: Execution Does Not Exist/,
    );
  });
});

describe('listing executions', () => {
  it('pages up to the limit, newest first, with the business date from the input or the name', async () => {
    const clock = virtualClock(Date.parse('2026-11-21T07:00:00Z'));
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    // 1 200 finished executions forces two ListExecutions pages for a limit of 1 005.
    for (let i = 0; i < 1200; i++) {
      const name = `2026${String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}-${String(i).padStart(8, '0')}`;
      fake.add(
        name,
        { runId: name, reconDate: '2026-01-05' },
        { polls: 1, status: 'SUCCEEDED' },
        'SUCCEEDED',
      );
    }
    const rows = await listPipelineExecutions(sfn, STATE_MACHINE_ARN, { limit: 1005, clock });
    expect(rows).toHaveLength(1005);
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.maxResults)).toEqual([
      1000, 5,
    ]);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(1005);
    expect(rows[0]!.reconDate).toBe('2026-01-05');
  });

  it('filters by status and reads dates from input, name, or not at all', async () => {
    const clock = virtualClock(Date.parse('2026-11-21T07:00:00Z'));
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    fake.add(
      '20261119-aaaaaaaa',
      { runId: '20261119-aaaaaaaa', reconDate: '2026-11-18' },
      { polls: 99, status: 'SUCCEEDED' },
    );
    fake.add('20261117-bbbbbbbb', {}, { polls: 99, status: 'SUCCEEDED' });
    fake.add(
      '6f1c2a-scheduled',
      { scheduledTime: '2026-11-21T06:00:00Z' },
      { polls: 99, status: 'SUCCEEDED' },
    );
    fake.add(
      '20261116-cccccccc',
      { reconDate: '2026-11-16' },
      { polls: 1, status: 'FAILED', error: 'X' },
      'FAILED',
    );
    const rows = await listPipelineExecutions(sfn, STATE_MACHINE_ARN, {
      limit: 20,
      status: 'RUNNING',
      clock,
    });
    expect(sfnMock.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 20,
      statusFilter: 'RUNNING',
    });
    expect(Object.fromEntries(rows.map((r) => [r.name, r.reconDate]))).toEqual({
      '20261119-aaaaaaaa': '2026-11-18',
      '20261117-bbbbbbbb': '2026-11-17',
      '6f1c2a-scheduled': null,
    });
    expect(rows.every((r) => r.status === 'RUNNING' && r.stopDate === null && r.durationMs === 0)).toBe(true);
  });

  it('reconDateOf ignores impossible dates', () => {
    expect(reconDateOf('20261332-aaaaaaaa', { reconDate: 'soon' })).toBeNull();
    expect(reconDateOf('x', { reconDate: '2026-02-28' })).toBe('2026-02-28');
  });
});

describe('naming an execution', () => {
  it('turns a name into an ARN of the stage state machine', () => {
    expect(resolveExecutionArn(STATE_MACHINE_ARN, '20261120-0a1b2c3d', 'dev')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:PipelineStateMachine-Ab12Cd34:20261120-0a1b2c3d',
    );
  });

  it('accepts an ARN of this state machine and refuses one of another, or a malformed one', () => {
    const own = 'arn:aws:states:eu-west-1:123456789012:execution:PipelineStateMachine-Ab12Cd34:r1';
    expect(resolveExecutionArn(STATE_MACHINE_ARN, own, 'dev')).toBe(own);
    expect(() =>
      resolveExecutionArn(
        STATE_MACHINE_ARN,
        'arn:aws:states:eu-west-1:123456789012:execution:Other:r1',
        'dev',
      ),
    ).toThrow(/is not an execution of stage "dev"/);
    expect(() => resolveExecutionArn(STATE_MACHINE_ARN, 'arn:aws:s3:::bucket', 'dev')).toThrow(UsageError);
    expect(() => resolveExecutionArn(STATE_MACHINE_ARN, 'two words', 'dev')).toThrow(
      /invalid execution "two words"/,
    );
  });
});

describe('redrive', () => {
  it('redrives a FAILED execution', async () => {
    const clock = virtualClock();
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    const sim = fake.add(
      '20261120-0a1b2c3d',
      { runId: '20261120-0a1b2c3d', reconDate: '2026-11-20' },
      {
        polls: 1,
        status: 'FAILED',
        error: 'WarehouseError',
      },
      'FAILED',
    );
    const redriven = await redrivePipelineExecution(sfn, sim.executionArn, clock);
    expect(sfnMock.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: sim.executionArn, clientToken: '20261120-0a1b2c3d-redrive-1' },
    ]);
    expect(redriven).toMatchObject({ name: '20261120-0a1b2c3d', previousStatus: 'FAILED', attempt: 1 });
    expect(sim.status).toBe('RUNNING');
  });

  it('refuses a SUCCEEDED execution, naming its status, without calling RedriveExecution', async () => {
    const clock = virtualClock();
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    const sim = fake.add('20261120-0a1b2c3d', {}, { polls: 1, status: 'SUCCEEDED' }, 'SUCCEEDED');
    await expect(redrivePipelineExecution(sfn, sim.executionArn, clock)).rejects.toThrow(
      'execution 20261120-0a1b2c3d is SUCCEEDED: only a FAILED, TIMED_OUT or ABORTED execution can be redriven',
    );
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('says why Step Functions will not redrive', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: 'a',
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'r1',
      status: 'FAILED',
      startDate: new Date(0),
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded.',
    });
    await expect(redrivePipelineExecution(sfn, 'a', virtualClock())).rejects.toThrow(
      'execution r1 (FAILED) cannot be redriven: Execution redrivable period exceeded.',
    );
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: 'a',
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'r1',
      status: 'TIMED_OUT',
      startDate: new Date(0),
    });
    sfnMock
      .on(RedriveExecutionCommand)
      .rejects(sdkError('ExecutionNotRedrivable', 'Execution history event limit exceeded.'));
    await expect(redrivePipelineExecution(sfn, 'a', virtualClock())).rejects.toThrow(
      'execution r1 cannot be redriven: Execution history event limit exceeded.',
    );
  });
});

describe('the stage state machine', () => {
  it('comes from the StateMachineArn output of <stage>-revenue-reconciliation-Pipeline', async () => {
    mockPipelineStack(cfnMock, 'prod-eu');
    expect(pipelineStackName('prod-eu')).toBe('prod-eu-revenue-reconciliation-Pipeline');
    expect(await findStateMachineArn(cfn, 'prod-eu', virtualClock())).toBe(STATE_MACHINE_ARN);
  });

  it('names the stage, the stack and the deploy command when the stack is missing', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(
        sdkError('ValidationError', 'Stack with id dev-revenue-reconciliation-Pipeline does not exist', 400),
      );
    await expect(findStateMachineArn(cfn, 'dev', virtualClock())).rejects.toThrow(
      'stage "dev" is not deployed: there is no CloudFormation stack dev-revenue-reconciliation-Pipeline in eu-west-1; deploy it with `npx sst deploy --stage dev`',
    );
  });

  it('names the missing output and the stack status', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'dev-revenue-reconciliation-Pipeline',
          StackStatus: 'ROLLBACK_COMPLETE',
          CreationTime: new Date(),
          Outputs: [],
        },
      ],
    });
    await expect(findStateMachineArn(cfn, 'dev', virtualClock())).rejects.toThrow(
      'stage "dev": output StateMachineArn of stack dev-revenue-reconciliation-Pipeline is missing (stack status ROLLBACK_COMPLETE); deploy it with `npx sst deploy --stage dev`',
    );
  });

  it('validates stage names', () => {
    expect(parseStage('prod-2')).toBe('prod-2');
    for (const bad of ['', 'prod_2', 'a b', '2prod', 'x'.repeat(97), 'dev;rm']) {
      expect(() => parseStage(bad)).toThrow(/invalid --stage/);
    }
  });
});

describe('AWS errors', () => {
  it('become one line that says what to do', () => {
    const cases: [unknown, RegExp][] = [
      [
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
        /^no AWS credentials found: set AWS_PROFILE/,
      ],
      [
        sdkError(
          'AccessDeniedException',
          'User: arn:aws:iam::1:user/x is not authorized to perform: states:StartExecution\nmore',
          400,
        ),
        /^access denied for StartExecution: User: .* states:StartExecution$/,
      ],
      [new Error('Region is missing'), /^no AWS region configured: pass --region or set AWS_REGION$/],
      [
        sdkError('ExpiredTokenException', 'The security token included in the request is expired'),
        /invalid or expired/,
      ],
      [
        Object.assign(new Error('getaddrinfo ENOTFOUND states.x'), { code: 'ENOTFOUND' }),
        /^cannot reach AWS for StartExecution/,
      ],
      [sdkError('InternalFailure', 'boom'), /^StartExecution failed: InternalFailure: boom$/],
    ];
    for (const [error, message] of cases) {
      const translated = translateAwsError(error, 'StartExecution');
      expect(translated.message).toMatch(message);
      expect(translated.message).not.toContain('\n');
    }
  });

  it('gives up on throttling after the attempts it is allowed', async () => {
    const clock = virtualClock();
    let calls = 0;
    const error = await awsCall(
      'ListExecutions',
      async () => {
        calls += 1;
        throw sdkError('ThrottlingException', 'Rate exceeded');
      },
      { clock, maxThrottledAttempts: 3 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([2000, 3000]);
    expect((error as Error).message).toBe('ListExecutions failed: ThrottlingException: Rate exceeded');
  });
});
