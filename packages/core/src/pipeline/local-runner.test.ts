import { describe, expect, it } from 'vitest';
import { SourceConnectionError, SourceQueryError } from '../errors.ts';
import { pipelineDefinition, TASK_FUNCTIONS, TASK_TIMEOUT_SECONDS } from './definition.ts';
import { localDefinition, runPipeline } from './local-runner.ts';
import type { Runtime } from './runtime.ts';

const partitions = [0, 1, 2].map((index) => ({
  source: 'salesorder',
  table: 't_order',
  from: '2026-11-20 05:00:00',
  to: '2026-11-21 05:00:00',
  index,
}));

/** Handlers that stand in for the real tasks; only the definition decides retries and routing. */
function fakeHandlers(extract: (input: { partition: { index: number } }) => Promise<unknown>) {
  const calls: Record<string, unknown[]> = {};
  const record = (name: string, fn: (input: never) => Promise<unknown>) => async (input: unknown) => {
    calls[name] = [...(calls[name] ?? []), input];
    return fn(input as never);
  };
  const handlers = {
    StartRun: record('StartRun', async (i: { request: unknown }) => i.request),
    PlanExtraction: record('PlanExtraction', async () => ({ windows: [], partitions })),
    ExtractPartition: record('ExtractPartition', extract as (input: never) => Promise<unknown>),
    LoadStaging: record('LoadStaging', async () => ({ tables: [] })),
    AdvanceWatermarks: record('AdvanceWatermarks', async () => ({ advanced: [] })),
    DataQualityPreChecks: record('DataQualityPreChecks', async () => ({ halt: false, cause: '' })),
    RecordHalt: record('RecordHalt', async () => ({ status: 'FAILED_DQ' })),
    MatchLevels: record('MatchLevels', async () => ({
      fromDate: '2026-11-17',
      toDate: '2026-11-20',
      ranges: [{ fromDate: '2026-11-17', toDate: '2026-11-20' }],
    })),
    DataQualityPostChecks: record('DataQualityPostChecks', async () => ({ halt: false })),
    AnomalyScan: record('AnomalyScan', async () => ({ candidates: 0 })),
    RefreshReporting: record('RefreshReporting', async () => ({ refreshed: [] })),
    SendAlerts: record('SendAlerts', async () => ({ raised: 0, sent: 0, failed: 0 })),
    RecordRun: record('RecordRun', async () => ({ status: 'SUCCEEDED' })),
    RecordFailure: record('RecordFailure', async () => ({ status: 'FAILED' })),
  };
  return { handlers, calls };
}

const rt = {} as Runtime;
const input = { reconDate: '2026-11-20', asOf: '2026-11-21T06:00:00Z', runId: 'test-run' };

function sourceRetry() {
  const map = pipelineDefinition().States.ExtractPartitions as {
    ItemProcessor: {
      States: { ExtractPartition: { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] } };
    };
  };
  return map.ItemProcessor.States.ExtractPartition.Retry.find((r) =>
    r.ErrorEquals.includes('SourceConnectionError'),
  )!;
}

describe('pipeline state machine (local execution of the ASL definition)', () => {
  it('is valid ASL with every task resolved to a local function', () => {
    const text = JSON.stringify(localDefinition());
    expect(text).not.toMatch(/\$\{/);
    expect(text).toContain('arn:aws:lambda:us-east-1:000000000000:function:recon-local-ExtractPartition');
  });

  it("states every Task state's time limit (the local runner would otherwise stop a task after 60 s)", () => {
    const tasks: Record<string, number | undefined> = {};
    const walk = (states: Record<string, Record<string, unknown>>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Task') tasks[name] = state.TimeoutSeconds as number | undefined;
        const inner = (
          state.ItemProcessor as { States?: Record<string, Record<string, unknown>> } | undefined
        )?.States;
        if (inner) walk(inner);
      }
    };
    walk(pipelineDefinition().States as unknown as Record<string, Record<string, unknown>>);
    expect(Object.keys(tasks).sort()).toEqual(Object.keys(TASK_FUNCTIONS).sort());
    expect(tasks).toEqual(TASK_TIMEOUT_SECONDS);
    // The heavy tasks get the 15 minutes a Lambda function can run.
    for (const t of ['ExtractPartition', 'LoadStaging', 'MatchLevels', 'AnomalyScan'] as const) {
      expect(TASK_TIMEOUT_SECONDS[t]).toBe(900);
    }
  });

  it('fails a task that outlives its TimeoutSeconds with States.Timeout, as AWS does', async () => {
    const definition = JSON.parse(JSON.stringify(localDefinition())) as {
      States: {
        ExtractPartitions: { ItemProcessor: { States: { ExtractPartition: { TimeoutSeconds: number } } } };
      };
    };
    definition.States.ExtractPartitions.ItemProcessor.States.ExtractPartition.TimeoutSeconds = 1;
    const { handlers } = fakeHandlers(
      ({ partition }) => new Promise((resolve) => setTimeout(resolve, partition.index === 0 ? 1500 : 0, {})),
    );
    const outcome = await runPipeline(rt, input, { handlers, definition, retryIntervalMs: 0 });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      failedStep: 'ExtractPartitions',
      error: 'States.Timeout',
    });
  });

  it('retries a transient source failure by the Retry policy of the definition', async () => {
    const attempts = new Map<number, number>();
    const { handlers, calls } = fakeHandlers(async ({ partition }) => {
      const n = (attempts.get(partition.index) ?? 0) + 1;
      attempts.set(partition.index, n);
      if (partition.index === 1 && n <= 2) throw new SourceConnectionError('connection reset by peer');
      return { table: 't_order', index: partition.index };
    });
    const outcome = await runPipeline(rt, input, { handlers, retryIntervalMs: 0 });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(attempts.get(1)).toBe(3);
    expect(attempts.get(0)).toBe(1);
    expect(calls.LoadStaging).toHaveLength(1);
    expect((calls.LoadStaging![0] as { partitions: unknown[] }).partitions).toHaveLength(3);
    // Every task receives the execution id (as AWS's context object provides) for log correlation.
    for (const state of ['PlanExtraction', 'ExtractPartition', 'LoadStaging', 'RecordRun']) {
      expect(calls[state]![0], state).toMatchObject({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:recon-local:test-run',
      });
    }
    expect(calls.RecordFailure).toBeUndefined();
  });

  it('gives up after MaxAttempts, records the failing step and fails the execution', async () => {
    let n = 0;
    const { handlers, calls } = fakeHandlers(async ({ partition }) => {
      if (partition.index === 2) {
        n++;
        throw new SourceConnectionError('connect ECONNREFUSED');
      }
      return {};
    });
    const outcome = await runPipeline(rt, input, { handlers, retryIntervalMs: 0 });
    expect(n).toBe(1 + sourceRetry().MaxAttempts);
    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.failedStep).toBe('ExtractPartitions');
    expect(outcome.error).toBe('SourceConnectionError');
    expect(calls.LoadStaging).toBeUndefined();
    expect(calls.AdvanceWatermarks).toBeUndefined();
    expect(calls.RecordFailure).toHaveLength(1);
    expect(calls.RecordFailure![0]).toMatchObject({
      failedStep: 'ExtractPartitions',
      error: { Error: 'SourceConnectionError' },
    });
  });

  it('still fails with the original error when recording the failure fails too', async () => {
    const { handlers } = fakeHandlers(async () => {
      throw new SourceConnectionError('connect ECONNREFUSED');
    });
    handlers.RecordFailure = async () => {
      throw new Error('warehouse unavailable');
    };
    const outcome = await runPipeline(rt, input, { handlers, retryIntervalMs: 0 });
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'SourceConnectionError',
      failedStep: 'ExtractPartitions',
    });
  });

  it('takes the halt branch on a data-quality FAIL: nothing is matched, the halt is recorded', async () => {
    const { handlers, calls } = fakeHandlers(async () => ({}));
    handlers.DataQualityPreChecks = async () => ({
      halt: true,
      cause: 'DQ-05 DUPLICATE stg_recon_orders: 2 order_no values',
    });
    handlers.RecordHalt = async () => ({ status: 'FAILED_DQ', runId: 'test-run' });
    const outcome = await runPipeline(rt, input, { handlers, retryIntervalMs: 0 });
    expect(outcome.status).toBe('HALTED_DQ');
    if (outcome.status !== 'HALTED_DQ') return;
    expect(outcome.cause).toMatch(/DQ-05 DUPLICATE/);
    expect(calls.MatchLevels).toBeUndefined();
    expect(calls.AnomalyScan).toBeUndefined();
    expect(calls.RecordRun).toBeUndefined();
    // The halted run's alerts go out before the execution fails with DataQualityHalt.
    expect(calls.SendAlerts).toHaveLength(1);
    expect(calls.RecordFailure).toBeUndefined();
  });

  it('does not retry errors the definition does not list', async () => {
    let n = 0;
    const { handlers, calls } = fakeHandlers(async () => {
      n++;
      throw new SourceQueryError("Unknown column 'pay_money'");
    });
    const outcome = await runPipeline(rt, input, { handlers, retryIntervalMs: 0 });
    expect(outcome.status).toBe('FAILED');
    expect(n).toBeLessThanOrEqual(partitions.length);
    expect(calls.RecordFailure).toHaveLength(1);
  });

  it('uses the definition’s 30/60/120 s backoff for source errors', () => {
    const r = sourceRetry() as unknown as {
      IntervalSeconds: number;
      BackoffRate: number;
      MaxAttempts: number;
    };
    expect([0, 1, 2].map((i) => r.IntervalSeconds * r.BackoffRate ** i)).toEqual([30, 60, 120]);
  });
});
