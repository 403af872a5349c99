import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { failedStepOf } from './failed-step.ts';
import { ExecutionHistory, HistoryReader, type StateRun } from './history.ts';
import { HistoryBuilder, pipelineHistory, virtualClock } from './test-support.ts';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

describe('ExecutionHistory state outcomes', () => {
  it('sums up a successful pipeline execution per state, Map iterations and retries included', () => {
    const { events } = pipelineHistory('SUCCEEDED', { partitions: 3 });
    const h = new ExecutionHistory();
    h.add(events);
    const outcomes = h.outcomes();
    expect(outcomes.map((o) => o.name)).toEqual([
      'StartRun',
      'PlanExtraction',
      'ExtractPartitions',
      'ExtractPartition',
      'LoadStaging',
      'AdvanceWatermarks',
      'DataQualityPreChecks',
      'DataQualityGate',
      'MatchLevels',
      'DataQualityPostChecks',
      'AnomalyScan',
      'RecordRun',
    ]);
    expect(outcomes.every((o) => o.status === 'SUCCEEDED')).toBe(true);
    const map = outcomes.find((o) => o.name === 'ExtractPartitions')!;
    expect(map).toMatchObject({
      type: 'Map',
      parent: null,
      runs: 1,
      retries: 0,
      iterations: { total: 3, succeeded: 3, failed: 0, aborted: 0 },
    });
    const inner = outcomes.find((o) => o.name === 'ExtractPartition')!;
    // The second partition failed once with a source error and was retried.
    expect(inner).toMatchObject({
      type: 'Task',
      parent: 'ExtractPartitions',
      runs: 3,
      retries: 1,
      retriedOn: ['SourceConnectionError'],
      error: null,
    });
    const start = outcomes.find((o) => o.name === 'StartRun')!;
    // Entered, scheduled, started, succeeded, exited: 4 steps of 1 s after entry.
    expect(start.durationMs).toBe(4000);
    expect(h.executionError).toBeNull();
  });

  it('reports each top-level state as it ends, not before, and never the states inside the Map', () => {
    const { events } = pipelineHistory('SUCCEEDED', { partitions: 2 });
    const ended: string[] = [];
    const h = new ExecutionHistory((run) => ended.push(`${run.name}:${run.status}`));
    const loadEntered = events.findIndex(
      (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'LoadStaging',
    );
    h.add(events.slice(0, loadEntered + 1));
    expect(ended).toEqual(['StartRun:SUCCEEDED', 'PlanExtraction:SUCCEEDED', 'ExtractPartitions:SUCCEEDED']);
    expect(h.outcomes().find((o) => o.name === 'LoadStaging')?.status).toBe('RUNNING');
    // Already-seen events given again (a re-read page) change nothing.
    h.add(events);
    expect(ended).toHaveLength(11);
    expect(ended.at(-1)).toBe('RecordRun:SUCCEEDED');
  });

  it('attributes a task failure and its retries, and the execution error, on a failed execution', () => {
    const { events } = pipelineHistory('FAILED');
    const ended: StateRun[] = [];
    const h = new ExecutionHistory((run) => ended.push(run));
    h.add(events);
    const match = h.outcomes().find((o) => o.name === 'MatchLevels')!;
    expect(match).toMatchObject({
      status: 'FAILED',
      retries: 2,
      retriedOn: ['WarehouseError'],
      error: 'WarehouseError',
    });
    const failedRun = ended.find((r) => r.name === 'MatchLevels')!;
    expect(failedRun.cause).toBe('relation "recon.fct_x" does not exist');
    // The execution fails at the task itself (nothing caught): it is the last state run.
    expect(ended.map((r) => r.name).slice(-2)).toEqual(['DataQualityGate', 'MatchLevels']);
    expect(h.executionError).toEqual({
      error: 'WarehouseError',
      cause: 'relation "recon.fct_x" does not exist',
    });
  });

  it('marks a caught task FAILED also when the history has its exit event', () => {
    const b = new HistoryBuilder();
    const s = b.push('ExecutionStarted', undefined);
    let p = b.task('MatchLevels', s, [{ error: 'WarehouseError', cause: 'x' }]);
    p = b.simple('Pass', 'MatchLevelsFailed', p);
    const h = new ExecutionHistory();
    h.add(b.events);
    expect(h.outcomes().map((o) => [o.name, o.status])).toEqual([
      ['MatchLevels', 'FAILED'],
      ['MatchLevelsFailed', 'SUCCEEDED'],
    ]);
    expect(p).toBeGreaterThan(0);
  });

  it('ends with the DataQualityHalt Fail state on a data-quality halt (nothing matched)', () => {
    const { events } = pipelineHistory('DQ_HALT');
    const h = new ExecutionHistory();
    h.add(events);
    const names = h.outcomes().map((o) => o.name);
    expect(names).not.toContain('MatchLevels');
    expect(names.slice(-2)).toEqual(['RecordHalt', 'HaltedByDataQuality']);
    expect(h.outcomes().at(-1)).toMatchObject({ status: 'FAILED', error: 'DataQualityHalt' });
  });

  it('counts failed and aborted Map iterations and fails the Map state', () => {
    const b = new HistoryBuilder();
    const s = b.push('ExecutionStarted', undefined);
    const entered = b.push('MapStateEntered', s, { stateEnteredEventDetails: { name: 'ExtractPartitions' } });
    const started = b.push('MapStateStarted', entered, { mapStateStartedEventDetails: { length: 3 } });
    const it0 = b.push('MapIterationStarted', started, {
      mapIterationStartedEventDetails: { name: 'ExtractPartitions', index: 0 },
    });
    const it1 = b.push('MapIterationStarted', started, {
      mapIterationStartedEventDetails: { name: 'ExtractPartitions', index: 1 },
    });
    const ok = b.task('ExtractPartition', it0);
    b.push('MapIterationSucceeded', ok, {
      mapIterationSucceededEventDetails: { name: 'ExtractPartitions', index: 0 },
    });
    // Iteration 1 starts its task, then fails for good; the third is never finished.
    const boom = { error: 'SourceQueryError', cause: 'no such column' };
    const failed = b.task('ExtractPartition', it1, [boom], { exit: false });
    const it2 = b.push('MapIterationStarted', started, {
      mapIterationStartedEventDetails: { name: 'ExtractPartitions', index: 2 },
    });
    b.push('TaskStateEntered', it2, { stateEnteredEventDetails: { name: 'ExtractPartition' } });
    b.push('MapIterationFailed', failed, {
      mapIterationFailedEventDetails: { name: 'ExtractPartitions', index: 1 },
    });
    b.push('MapIterationAborted', it2, {
      mapIterationAbortedEventDetails: { name: 'ExtractPartitions', index: 2 },
    });
    const mapFailed = b.push('MapStateFailed', failed);
    b.simple('Pass', 'ExtractPartitionsFailed', mapFailed);
    const ended: StateRun[] = [];
    const h = new ExecutionHistory((r) => ended.push(r));
    h.add(b.events);
    const map = h.outcomes().find((o) => o.name === 'ExtractPartitions')!;
    expect(map.status).toBe('FAILED');
    expect(map.iterations).toEqual({ total: 3, succeeded: 1, failed: 1, aborted: 1 });
    expect(h.outcomes().find((o) => o.name === 'ExtractPartition')).toMatchObject({
      runs: 3,
      status: 'FAILED',
      error: 'SourceQueryError',
    });
    expect(
      h
        .stateRuns()
        .filter((r) => r.name === 'ExtractPartition')
        .map((r) => r.status),
    ).toEqual(['SUCCEEDED', 'FAILED', 'ABORTED']);
    expect(ended.map((r) => r.name)).toEqual(['ExtractPartitions', 'ExtractPartitionsFailed']);
  });

  it('keeps the runs of one redrive apart from the original attempt', () => {
    const first = pipelineHistory('FAILED').events;
    const b = new HistoryBuilder(Date.parse('2026-11-21T08:00:00Z'));
    // Continue the ids after the first attempt, as Step Functions does.
    for (const e of first) b.events.push(e);
    const redriven = b.push('ExecutionRedriven', first.length, {
      executionRedrivenEventDetails: { redriveCount: 1 },
    });
    const p = b.task('PipelineFailed', redriven);
    b.push('ExecutionSucceeded', p);
    const h = new ExecutionHistory();
    h.add(b.events);
    expect(h.currentAttempt).toBe(1);
    expect(h.outcomes(1).map((o) => o.name)).toEqual(['PipelineFailed']);
    expect(h.outcomes(0).find((o) => o.name === 'MatchLevels')?.status).toBe('FAILED');
  });

  it('ends runs still open as ABORTED when the execution is aborted', () => {
    const b = new HistoryBuilder();
    const s = b.push('ExecutionStarted', undefined);
    const e = b.push('TaskStateEntered', s, { stateEnteredEventDetails: { name: 'LoadStaging' } });
    b.push('ExecutionAborted', e);
    const h = new ExecutionHistory();
    h.add(b.events);
    expect(h.outcomes()).toMatchObject([{ name: 'LoadStaging', status: 'ABORTED' }]);
    expect(h.executionError).toEqual({ error: 'Aborted', cause: null });
  });
});

describe('HistoryReader paging', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:execution:sm:20261120-abcdef01';
  const event = (id: number): HistoryEvent => ({
    id,
    type: 'PassStateEntered',
    timestamp: new Date(id * 1000),
  });

  it('reads every page, then re-reads only from the last page it had not read to the end', async () => {
    let total = 2300;
    sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string; maxResults: number }) => {
      const from = input.nextToken ? Number(input.nextToken.slice(1)) : 0;
      const events = Array.from({ length: Math.max(0, Math.min(input.maxResults, total - from)) }, (_, i) =>
        event(from + i + 1),
      );
      return {
        events,
        ...(from + input.maxResults < total ? { nextToken: `t${from + input.maxResults}` } : {}),
      };
    });
    const reader = new HistoryReader(new SFNClient({ region: 'eu-west-1' }), arn, virtualClock());
    const first = await reader.read();
    expect(first).toHaveLength(2300);
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      't1000',
      't2000',
    ]);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toMatchObject({
      executionArn: arn,
      maxResults: 1000,
      includeExecutionData: false,
    });
    total = 2350;
    const second = await reader.read();
    expect(second.map((e) => e.id)).toEqual(Array.from({ length: 350 }, (_, i) => 2001 + i));
    expect(sfn.commandCalls(GetExecutionHistoryCommand).at(-1)!.args[0].input.nextToken).toBe('t2000');
  });

  it('starts over from the first page when a kept page token has expired', async () => {
    sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string }) => {
      if (input.nextToken === 'expired')
        throw Object.assign(new Error('Invalid Token'), { name: 'InvalidToken' });
      const calls = sfn.commandCalls(GetExecutionHistoryCommand).length;
      return calls === 1 ? { events: [event(1)], nextToken: 'expired' } : { events: [event(1), event(2)] };
    });
    const reader = new HistoryReader(new SFNClient({ region: 'eu-west-1' }), arn, virtualClock());
    const events = await reader.read();
    expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      'expired',
      undefined,
    ]);
    // The repeated event is harmless: ExecutionHistory skips ids it has seen.
    expect(events.map((e) => e.id)).toEqual([1, 1, 2]);
  });
});

describe('failedStepOf (the step a failed execution stopped at)', () => {
  it('names the failed top-level task, not the retried attempts before it', async () => {
    const sfn = mockClient(SFNClient);
    try {
      sfn.on(GetExecutionHistoryCommand).resolves({ events: pipelineHistory('FAILED').events });
      expect(await failedStepOf(new SFNClient({ region: 'us-east-1' }), 'arn:x', virtualClock())).toBe(
        'MatchLevels',
      );
      sfn.on(GetExecutionHistoryCommand).resolves({ events: pipelineHistory('SUCCEEDED').events });
      expect(await failedStepOf(new SFNClient({ region: 'us-east-1' }), 'arn:x', virtualClock())).toBeNull();
    } finally {
      sfn.restore();
    }
  });
});
