import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackfillEvent,
  type BackfillProgress,
  checkBackfillRange,
  type DateProgress,
  loadProgress,
  progressFile,
  runAwsBackfill,
  saveProgress,
} from './backfill.ts';
import { FakeStepFunctions, type Script, STATE_MACHINE_ARN, virtualClock } from './test-support.ts';

const sfnMock = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-west-1' });
const home = () => mkdtempSync(join(tmpdir(), 'recon-aws-backfill-'));

beforeEach(() => sfnMock.reset());
afterEach(() => sfnMock.reset());

const startedDates = () =>
  sfnMock
    .commandCalls(StartExecutionCommand)
    .map((c) => (JSON.parse(c.args[0].input.input!) as { reconDate: string }).reconDate);

const entry = (over: Partial<DateProgress>): DateProgress => ({
  status: 'PENDING',
  executionArn: null,
  name: null,
  asOf: null,
  startedAt: null,
  stoppedAt: null,
  durationSeconds: null,
  error: null,
  cause: null,
  executions: 0,
  ...over,
});

describe('AWS backfill concurrency', () => {
  for (const limit of [1, 3]) {
    it(`never has more than ${limit} execution(s) running, and starts dates in order`, async () => {
      const clock = virtualClock();
      // Executions take 2 to 6 polls, so they end out of order.
      const fake = new FakeStepFunctions(sfnMock, clock, (name) => ({
        polls: 2 + (Number.parseInt(name.slice(-1), 16) % 5),
        status: 'SUCCEEDED',
      }));
      const dir = home();
      const result = await runAwsBackfill(
        { stage: 'dev', from: '2026-11-01', to: '2026-11-08', maxConcurrency: limit, timeoutMs: 3_600_000 },
        { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir },
      );
      expect(fake.maxRunning).toBe(limit);
      expect(startedDates()).toEqual([
        '2026-11-01',
        '2026-11-02',
        '2026-11-03',
        '2026-11-04',
        '2026-11-05',
        '2026-11-06',
        '2026-11-07',
        '2026-11-08',
      ]);
      expect(Object.values(result.progress.dates).map((d) => d.status)).toEqual(Array(8).fill('SUCCEEDED'));
      expect(result.file).toBe(join(dir, 'aws-backfills', 'dev-2026-11-01-2026-11-08.json'));
      expect(loadProgress(result.file)).toEqual(result.progress);
      expect(existsSync(`${result.file}.lock`)).toBe(false);
    });
  }

  it('writes the progress file after every change, each time a whole document', async () => {
    const clock = virtualClock();
    new FakeStepFunctions(sfnMock, clock, () => ({
      polls: 2,
      status: 'FAILED',
      error: 'WarehouseError',
      cause: 'x',
    }));
    const dir = home();
    const file = progressFile(dir, 'dev', '2026-11-01', '2026-11-03');
    const seen: string[] = [];
    const onEvent = (e: BackfillEvent) => {
      const onDisk = JSON.parse(readFileSync(file, 'utf8')) as BackfillProgress;
      expect(onDisk.dates[e.date]?.status).toBe(e.entry.status);
      seen.push(`${e.type} ${e.date} ${e.entry.status}`);
    };
    const result = await runAwsBackfill(
      {
        stage: 'dev',
        from: '2026-11-01',
        to: '2026-11-03',
        maxConcurrency: 2,
        timeoutMs: 3_600_000,
        asOf: '2026-11-21T05:00:00.000Z',
      },
      { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir, onEvent },
    );
    expect(seen.filter((s) => s.startsWith('started'))).toEqual([
      'started 2026-11-01 RUNNING',
      'started 2026-11-02 RUNNING',
      'started 2026-11-03 RUNNING',
    ]);
    expect(seen.filter((s) => s.startsWith('finished'))).toHaveLength(3);
    const first = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(first.input).toBe(
      `{"runId":"${first.name}","reconDate":"2026-11-01","asOf":"2026-11-21T05:00:00.000Z"}`,
    );
    expect(result.progress.dates['2026-11-02']).toMatchObject({
      asOf: '2026-11-21T05:00:00.000Z',
      status: 'FAILED',
      error: 'WarehouseError',
      cause: 'x',
      executions: 1,
    });
  });
});

describe('AWS backfill resume', () => {
  it('skips SUCCEEDED dates, follows RUNNING ones by ARN, restarts FAILED, TIMED_OUT and ABORTED ones', async () => {
    const clock = virtualClock();
    const fake = new FakeStepFunctions(sfnMock, clock, () => ({ polls: 2, status: 'SUCCEEDED' }));
    const running = fake.add(
      '20261102-0000aaaa',
      { runId: '20261102-0000aaaa', reconDate: '2026-11-02' },
      {
        polls: 3,
        status: 'SUCCEEDED',
      },
    );
    const dir = home();
    const file = progressFile(dir, 'dev', '2026-11-01', '2026-11-06');
    const arn = (name: string) => `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
    const before: BackfillProgress = {
      version: 1,
      stage: 'dev',
      from: '2026-11-01',
      to: '2026-11-06',
      stateMachineArn: STATE_MACHINE_ARN,
      createdAt: '2026-11-21T05:00:00.000Z',
      updatedAt: '2026-11-21T05:10:00.000Z',
      dates: {
        '2026-11-01': entry({
          status: 'SUCCEEDED',
          executionArn: arn('20261101-1'),
          name: '20261101-1',
          executions: 1,
        }),
        '2026-11-02': entry({
          status: 'RUNNING',
          executionArn: running.executionArn,
          name: running.name,
          executions: 1,
        }),
        '2026-11-03': entry({
          status: 'FAILED',
          executionArn: arn('20261103-1'),
          error: 'WarehouseError',
          executions: 1,
        }),
        '2026-11-04': entry({ status: 'TIMED_OUT', executionArn: arn('20261104-1'), executions: 1 }),
        '2026-11-05': entry({ status: 'ABORTED', executionArn: arn('20261105-1'), executions: 1 }),
        '2026-11-06': entry({}),
      },
    };
    mkdirSync(join(dir, 'aws-backfills'), { recursive: true });
    saveProgress(file, before);
    const events: string[] = [];
    const result = await runAwsBackfill(
      { stage: 'dev', from: '2026-11-01', to: '2026-11-06', maxConcurrency: 2, timeoutMs: 3_600_000 },
      {
        client,
        stateMachineArn: STATE_MACHINE_ARN,
        clock,
        home: dir,
        onEvent: (e) => events.push(`${e.type} ${e.date}`),
      },
    );
    expect(result.resumed).toBe(true);
    expect(startedDates()).toEqual(['2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06']);
    expect(events).toContain('skipped 2026-11-01');
    expect(events).toContain('following 2026-11-02');
    // The running execution was followed to its end by its ARN: it kept its name.
    expect(result.progress.dates['2026-11-02']).toMatchObject({
      status: 'SUCCEEDED',
      name: running.name,
      executions: 1,
    });
    expect(
      sfnMock
        .commandCalls(DescribeExecutionCommand)
        .some((c) => c.args[0].input.executionArn === running.executionArn),
    ).toBe(true);
    expect(result.progress.dates['2026-11-01']).toEqual(before.dates['2026-11-01']);
    expect(result.progress.dates['2026-11-03']).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      executions: 2,
    });
    expect(fake.maxRunning).toBeLessThanOrEqual(2);
    expect(result.progress.createdAt).toBe(before.createdAt);
  });

  it('picks up where a first invocation stopped following, without starting any date twice', async () => {
    const clock = virtualClock();
    const script: Script = { polls: 40, status: 'SUCCEEDED' };
    const fake = new FakeStepFunctions(sfnMock, clock, () => script);
    const dir = home();
    const request = { stage: 'dev', from: '2026-11-01', to: '2026-11-04', maxConcurrency: 2 };
    const first = await runAwsBackfill(
      { ...request, timeoutMs: 60_000 },
      { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir },
    );
    // Two executions were started and are still running; the other dates never started.
    expect(Object.values(first.progress.dates).map((d) => d.status)).toEqual([
      'RUNNING',
      'RUNNING',
      'PENDING',
      'PENDING',
    ]);
    const second = await runAwsBackfill(
      { ...request, timeoutMs: 3_600_000 },
      { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir },
    );
    expect(startedDates()).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']);
    expect(Object.values(second.progress.dates).map((d) => [d.status, d.executions])).toEqual(
      Array(4).fill(['SUCCEEDED', 1]),
    );
    expect(second.progress.dates['2026-11-01']!.name).toBe(first.progress.dates['2026-11-01']!.name);
    // Executions left running by the first invocation kept their slots: never more than 2 at once.
    expect(fake.maxRunning).toBe(2);
  });

  it('starts a new execution when the recorded one no longer exists', async () => {
    const clock = virtualClock();
    new FakeStepFunctions(sfnMock, clock, () => ({ polls: 1, status: 'SUCCEEDED' }));
    const dir = home();
    saveProgress(progressFile(dir, 'dev', '2026-11-01', '2026-11-01'), {
      version: 1,
      stage: 'dev',
      from: '2026-11-01',
      to: '2026-11-01',
      stateMachineArn: STATE_MACHINE_ARN,
      createdAt: 'x',
      updatedAt: 'x',
      dates: {
        '2026-11-01': entry({ status: 'RUNNING', executionArn: `${STATE_MACHINE_ARN}:gone`, executions: 1 }),
      },
    });
    const events: string[] = [];
    const result = await runAwsBackfill(
      { stage: 'dev', from: '2026-11-01', to: '2026-11-01', maxConcurrency: 2, timeoutMs: 60_000 },
      { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir, onEvent: (e) => events.push(e.type) },
    );
    expect(events).toEqual(['following', 'lost', 'started', 'finished']);
    expect(result.progress.dates['2026-11-01']).toMatchObject({ status: 'SUCCEEDED', executions: 2 });
  });
});

describe('AWS backfill refusals', () => {
  it('refuses a reversed range and one over 366 days', () => {
    expect(() => checkBackfillRange('2026-11-02', '2026-11-01')).toThrow(
      'reversed range: --to 2026-11-01 is before --from 2026-11-02',
    );
    expect(checkBackfillRange('2024-01-01', '2024-12-31')).toHaveLength(366);
    expect(() => checkBackfillRange('2024-01-01', '2025-01-01')).toThrow(
      /has 367 days; an AWS backfill covers at most 366/,
    );
  });

  it('refuses a concurrency over 10', async () => {
    await expect(
      runAwsBackfill(
        { stage: 'dev', from: '2026-11-01', to: '2026-11-02', maxConcurrency: 11, timeoutMs: 1000 },
        { client, stateMachineArn: STATE_MACHINE_ARN, clock: virtualClock(), home: home() },
      ),
    ).rejects.toThrow('--max-concurrency must be a whole number from 1 to 10, got 11');
  });

  it('refuses to run beside another live backfill of the same range', async () => {
    const dir = home();
    const file = progressFile(dir, 'dev', '2026-11-01', '2026-11-02');
    mkdirSync(join(dir, 'aws-backfills'), { recursive: true });
    writeFileSync(`${file}.lock`, String(process.pid));
    await expect(
      runAwsBackfill(
        { stage: 'dev', from: '2026-11-01', to: '2026-11-02', maxConcurrency: 2, timeoutMs: 1000 },
        { client, stateMachineArn: STATE_MACHINE_ARN, clock: virtualClock(), home: dir },
      ),
    ).rejects.toThrow(
      `another recon aws backfill of this stage and range is running (process ${process.pid})`,
    );
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a progress file it cannot read, naming it', async () => {
    const dir = home();
    const file = progressFile(dir, 'dev', '2026-11-01', '2026-11-02');
    mkdirSync(join(dir, 'aws-backfills'), { recursive: true });
    writeFileSync(file, '{"version":1,"stage":"dev","dates":{"2026-11-01":{"status":"DONE?"}}}');
    await expect(
      runAwsBackfill(
        { stage: 'dev', from: '2026-11-01', to: '2026-11-02', maxConcurrency: 2, timeoutMs: 1000 },
        { client, stateMachineArn: STATE_MACHINE_ARN, clock: virtualClock(), home: dir },
      ),
    ).rejects.toThrow(`${file} is not a backfill progress file`);
  });

  it('stops starting executions on an AWS error, saves, and says why', async () => {
    const clock = virtualClock();
    new FakeStepFunctions(sfnMock, clock, () => ({ polls: 3, status: 'SUCCEEDED' }));
    let starts = 0;
    sfnMock.on(StartExecutionCommand).callsFake(() => {
      starts += 1;
      throw Object.assign(new Error('not authorized to perform: states:StartExecution'), {
        name: 'AccessDeniedException',
      });
    });
    const dir = home();
    await expect(
      runAwsBackfill(
        { stage: 'dev', from: '2026-11-01', to: '2026-11-05', maxConcurrency: 1, timeoutMs: 60_000 },
        { client, stateMachineArn: STATE_MACHINE_ARN, clock, home: dir },
      ),
    ).rejects.toThrow('access denied for StartExecution: not authorized to perform: states:StartExecution');
    expect(starts).toBe(1);
    const file = progressFile(dir, 'dev', '2026-11-01', '2026-11-05');
    expect(Object.values(loadProgress(file).dates).every((d) => d.status === 'PENDING')).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
