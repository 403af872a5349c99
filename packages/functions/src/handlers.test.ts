import { describe, expect, it, vi } from 'vitest';
import { TASK_FUNCTIONS } from '../../core/src/pipeline/definition.ts';
import { LEASED_TASKS } from '../../core/src/pipeline/lease.ts';
import type { Runtime } from '../../core/src/pipeline/runtime.ts';
import * as failedExecution from '../../core/src/pipeline/failed-execution.ts';
import * as startRunModule from '../../core/src/pipeline/start-run.ts';
import * as taskModule from '../../core/src/pipeline/tasks.ts';

const tasks = { ...taskModule, ...startRunModule };

const fakeRuntime = vi.hoisted(() => ({ fake: true }));

vi.mock('../../core/src/pipeline/tasks.ts', async (importOriginal) => {
  const original = await importOriginal<Record<string, unknown>>();
  const mocked: Record<string, unknown> = { ...original };
  for (const [name, value] of Object.entries(original)) {
    if (typeof value === 'function') mocked[name] = vi.fn(async () => ({ from: name }));
  }
  return mocked;
});
vi.mock('../../core/src/pipeline/start-run.ts', () => ({
  startRun: vi.fn(async () => ({ from: 'startRun' })),
}));
vi.mock('../../core/src/pipeline/failed-execution.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  recordFailedExecution: vi.fn(async () => ({ pipelineFailed: true, recorded: true })),
}));
/** The tasks that held their date's run lease, in call order (the lease itself is tested on PostgreSQL). */
const leaseHolds = vi.hoisted(() => [] as { task: unknown; input: unknown }[]);
vi.mock('../../core/src/pipeline/lease.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  withRunLease: (task: (rt: unknown, input: unknown) => Promise<unknown>) =>
    Object.assign(
      async (rt: unknown, input: unknown) => {
        leaseHolds.push({ task, input });
        return task(rt, input);
      },
      { leased: task },
    ),
}));
vi.mock('./aws-runtime.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  awsRuntime: vi.fn(async () => fakeRuntime),
}));

/** Handler module → (Task state, task function name). */
const HANDLERS: Record<string, [keyof typeof TASK_FUNCTIONS, keyof typeof tasks]> = {
  './start-run.ts': ['StartRun', 'startRun'],
  './plan-extraction.ts': ['PlanExtraction', 'planExtraction'],
  './extract-partition.ts': ['ExtractPartition', 'extractPartition'],
  './load-staging.ts': ['LoadStaging', 'loadStaging'],
  './advance-watermarks.ts': ['AdvanceWatermarks', 'advanceWatermarks'],
  './data-quality-pre-checks.ts': ['DataQualityPreChecks', 'dataQualityPreChecks'],
  './record-halt.ts': ['RecordHalt', 'recordHalt'],
  './match-levels.ts': ['MatchLevels', 'matchLevels'],
  './data-quality-post-checks.ts': ['DataQualityPostChecks', 'dataQualityPostChecks'],
  './anomaly-scan.ts': ['AnomalyScan', 'anomalyScan'],
  './record-run.ts': ['RecordRun', 'recordRun'],
  './refresh-reporting.ts': ['RefreshReporting', 'refreshReporting'],
  './send-alerts.ts': ['SendAlerts', 'sendAlerts'],
};

const context = {
  functionName: 'f',
  awsRequestId: 'r',
  invokedFunctionArn: 'arn',
  getRemainingTimeInMillis: () => 1000,
};

describe('handler modules', () => {
  it('cover every Task state of the definition', () => {
    expect(
      Object.values(HANDLERS)
        .map(([state]) => state)
        .sort(),
    ).toEqual(Object.keys(TASK_FUNCTIONS).sort());
  });

  it.each(Object.entries(HANDLERS))(
    '%s calls its task function with the AWS runtime and the event',
    async (path, [state, fnName]) => {
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const mod = (await import(path)) as {
        handler: ((event: unknown, ctx: unknown) => Promise<unknown>) & { taskName: string; task: unknown };
      };
      const task = tasks[fnName] as unknown as ReturnType<typeof vi.fn>;
      task.mockClear();
      leaseHolds.length = 0;
      const event = { runId: 'r1', reconDate: '2025-01-01', asOf: '2025-01-02T06:00:00Z' };
      await expect(mod.handler(event, context)).resolves.toEqual({ from: fnName });
      expect(task).toHaveBeenCalledTimes(1);
      expect(task).toHaveBeenCalledWith(fakeRuntime as unknown as Runtime, event);
      expect(mod.handler.taskName).toBe(state);
      // The tasks that write for the date hold its lease first; the others do not.
      const leased = (LEASED_TASKS as readonly string[]).includes(state);
      expect(leaseHolds).toEqual(leased ? [{ task, input: event }] : []);
      expect(leased ? (mod.handler.task as { leased: unknown }).leased : mod.handler.task).toBe(task);
      vi.restoreAllMocks();
    },
  );

  it('./record-failure.ts records the failed execution of the event with the AWS runtime', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const mod = (await import('./record-failure.ts')) as {
      handler: ((event: unknown, ctx: unknown) => Promise<unknown>) & { taskName: string };
    };
    const record = failedExecution.recordFailedExecution as unknown as ReturnType<typeof vi.fn>;
    record.mockClear();
    const event = { detail: { executionArn: 'arn:x', name: 'n', status: 'FAILED', startDate: 1 } };
    await expect(mod.handler(event, context)).resolves.toEqual({ pipelineFailed: true, recorded: true });
    expect(record).toHaveBeenCalledTimes(1);
    expect(record.mock.calls[0]![0]).toBe(fakeRuntime);
    expect(record.mock.calls[0]![1]).toEqual(event);
    expect(typeof record.mock.calls[0]![2]).toBe('function');
    expect(mod.handler.taskName).toBe('RecordFailure');
    vi.restoreAllMocks();
  });

  it('./record-failure.ts counts the failed execution even when recording it fails', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const mod = (await import('./record-failure.ts')) as {
      handler: (event: unknown, ctx: unknown) => Promise<unknown>;
    };
    const record = failedExecution.recordFailedExecution as unknown as ReturnType<typeof vi.fn>;
    record.mockRejectedValueOnce(new Error('warehouse unavailable'));
    const event = {
      detail: { executionArn: 'arn:x', name: 'n', status: 'FAILED', startDate: 1, error: 'WarehouseError' },
    };
    await expect(mod.handler(event, context)).rejects.toThrow('warehouse unavailable');
    const emf = out.filter((line) => line.includes('"_aws"')).join('\n');
    expect(emf).toMatch(/"PipelineFailed":1/);
    vi.restoreAllMocks();
  });
});
