import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceConnectionError } from '../../core/src/errors.ts';
import type { Runtime } from '../../core/src/pipeline/runtime.ts';
import { warehouseDeadline } from './aws-runtime.ts';
import { taskHandler } from './handler.ts';
import { createLogger, createMetrics } from './observability.ts';

type Json = Record<string, unknown>;
let lines: string[];

beforeEach(() => {
  lines = [];
  // Logs go to stdout (INFO) and stderr (WARN/ERROR); EMF to stdout.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.startsWith('{')),
      );
      return true;
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const parsed = (): Json[] => lines.map((l) => JSON.parse(l) as Json);
/** EMF documents: metric name → { value, dimensions } (one entry per emitted metric). */
function emf(): { name: string; value: unknown; dims: Json; namespace: string }[] {
  const out: { name: string; value: unknown; dims: Json; namespace: string }[] = [];
  for (const doc of parsed()) {
    const aws = doc._aws as
      | { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }
      | undefined;
    if (!aws) continue;
    for (const directive of aws.CloudWatchMetrics) {
      const dims = Object.fromEntries((directive.Dimensions[0] ?? []).map((d) => [d, doc[d]]));
      for (const m of directive.Metrics)
        out.push({ name: m.Name, value: doc[m.Name], dims, namespace: directive.Namespace });
    }
  }
  return out;
}

const rt = { tmpDir: '/tmp/x' } as unknown as Runtime;
const context = {
  functionName: 'recon-test-ExtractPartition',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:recon-test-ExtractPartition',
  functionVersion: '$LATEST',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
};
const env = { RECON_STAGE: 'test' };
const options = () => ({ runtime: async () => rt, logger: createLogger(env), metrics: createMetrics(env) });

const partitionEvent = {
  runId: '20250101-abcd1234',
  reconDate: '2025-01-01',
  executionArn: 'arn:aws:states:us-east-1:1:execution:recon:run-1',
  partition: { source: 'salesorder', table: 't_order', from: 'a', to: 'b', index: 3 },
};
const partitionResult = {
  partition: partitionEvent.partition,
  table: 't_order',
  rowsRead: 120,
  deadLettered: 2,
};

describe('taskHandler', () => {
  it('calls the task with the runtime and the event and returns its output unchanged', async () => {
    const task = vi.fn(async (_rt: Runtime, _input: typeof partitionEvent) => partitionResult);
    const handler = taskHandler('ExtractPartition', task, options());
    const out = await handler(partitionEvent, context);
    expect(out).toBe(partitionResult);
    expect(task).toHaveBeenCalledWith(rt, partitionEvent);
    expect(handler.taskName).toBe('ExtractPartition');
  });

  it('logs JSON with the correlation keys', async () => {
    const handler = taskHandler('ExtractPartition', async () => partitionResult, options());
    await handler(partitionEvent, context);
    const started = parsed().find((l) => l.message === 'ExtractPartition started');
    expect(started).toMatchObject({
      level: 'INFO',
      service: 'recon-pipeline',
      stage: 'test',
      task: 'ExtractPartition',
      executionArn: partitionEvent.executionArn,
      reconDate: '2025-01-01',
      runId: '20250101-abcd1234',
      partition: { source: 'salesorder', table: 't_order', index: 3 },
      function_name: 'recon-test-ExtractPartition',
      function_request_id: 'req-1',
    });
  });

  it('emits the extraction metrics as EMF in Recon/Pipeline', async () => {
    await taskHandler('ExtractPartition', async () => partitionResult, options())(partitionEvent, context);
    const metrics = emf();
    expect(metrics.every((m) => m.namespace === 'Recon/Pipeline')).toBe(true);
    expect(metrics).toContainEqual({
      name: 'RecordsExtracted',
      value: 120,
      dims: { service: 'recon-pipeline', stage: 'test', Source: 'salesorder' },
      namespace: 'Recon/Pipeline',
    });
    expect(metrics).toContainEqual({
      name: 'DeadLetterCount',
      value: 2,
      dims: { service: 'recon-pipeline', stage: 'test' },
      namespace: 'Recon/Pipeline',
    });
  });

  it('emits load, DQ and run metrics from those tasks', async () => {
    const load = { tables: [{ upserted: 10 }, { upserted: 5 }], deadLettersInserted: 0 };
    await taskHandler('LoadStaging', async () => load, options())({}, context);
    await taskHandler(
      'DataQualityPreChecks',
      async () => ({ failed: 1, results: [] }),
      options(),
    )({}, context);
    const summary = {
      durationSeconds: 42.5,
      phases: { extract: 20 },
      levels: [
        { level: 'L1', matchRate: '97.25' },
        { level: 'L3', matchRate: null },
      ],
      anomalies: { byType: { ANO_01: { HIGH: 2, CRITICAL: 1 }, ANO_02: { HIGH: 3 } } },
    };
    await taskHandler('RecordRun', async () => summary, options())({}, context);
    const byName = (n: string) =>
      emf()
        .filter((m) => m.name === n)
        .map(({ value, dims }) => ({ value, dims }));
    const base = { service: 'recon-pipeline', stage: 'test' };
    expect(byName('RecordsLoaded')).toEqual([{ value: 15, dims: base }]);
    expect(byName('DQChecksFailed')).toEqual([{ value: 1, dims: base }]);
    expect(byName('PipelineDuration')).toEqual([{ value: 42.5, dims: base }]);
    expect(byName('PhaseDuration')).toEqual([{ value: 20, dims: { ...base, Phase: 'extract' } }]);
    expect(byName('MatchRate')).toEqual([{ value: 97.25, dims: { ...base, Level: 'L1' } }]);
    expect(byName('AnomalyCount')).toEqual([
      { value: 5, dims: { ...base, Severity: 'HIGH' } },
      { value: 1, dims: { ...base, Severity: 'CRITICAL' } },
    ]);
  });

  it('counts a failed run for the PipelineFailed alarm', async () => {
    await taskHandler(
      'RecordFailure',
      async () => ({
        pipelineFailed: true,
        recorded: true,
        failedStep: 'LoadStaging',
        error: 'WarehouseError',
      }),
      options(),
    )({}, context);
    await taskHandler(
      'RecordFailure',
      async () => ({ pipelineFailed: false, recorded: false, reason: 'halted by data quality' }),
      options(),
    )({}, context);
    expect(emf().filter((m) => m.name === 'PipelineFailed')).toEqual([
      {
        name: 'PipelineFailed',
        value: 1,
        dims: { service: 'recon-pipeline', stage: 'test' },
        namespace: 'Recon/Pipeline',
      },
    ]);
  });

  it("holds the invocation's warehouse deadline while the task runs, from the context's remaining time", async () => {
    const seen: (number | undefined)[] = [];
    const before = Date.now();
    await taskHandler(
      'LoadStaging',
      async () => {
        seen.push(warehouseDeadline());
        return { tables: [] };
      },
      options(),
    )({}, context);
    // 60 s left: a quarter (15 s) is kept back to cancel and roll back.
    expect(seen[0]).toBeGreaterThanOrEqual(before + 45_000);
    expect(seen[0]).toBeLessThanOrEqual(Date.now() + 45_000);
    expect(warehouseDeadline()).toBeUndefined();

    const failing = taskHandler(
      'LoadStaging',
      async () => {
        seen.push(warehouseDeadline());
        throw new Error('load failed');
      },
      options(),
    );
    await expect(failing({}, context)).rejects.toThrow('load failed');
    expect(seen[1]).toBeDefined();
    expect(warehouseDeadline()).toBeUndefined();
  });

  it('emits the on-error metrics of a task and still rethrows its error', async () => {
    const boom = new Error('warehouse down');
    const handler = taskHandler(
      'RecordFailure',
      async () => {
        throw boom;
      },
      {
        ...options(),
        metricsOnError: (_event, m) => m.addMetric('PipelineFailed', 'Count', 1),
      },
    );
    await expect(handler({}, context)).rejects.toBe(boom);
    expect(
      emf()
        .filter((m) => m.name === 'PipelineFailed')
        .map((m) => m.value),
    ).toEqual([1]);
  });

  it('rethrows a SourceConnectionError unchanged and logs its name without the stack', async () => {
    const error = new SourceConnectionError('salesorder: connection refused', {
      context: { source: 'salesorder' },
    });
    const handler = taskHandler(
      'ExtractPartition',
      async () => {
        throw error;
      },
      options(),
    );
    const thrown = await handler(partitionEvent, context).catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect((thrown as Error).name).toBe('SourceConnectionError');
    const logged = parsed().find((l) => l.message === 'ExtractPartition failed');
    expect(logged).toMatchObject({
      level: 'ERROR',
      runId: '20250101-abcd1234',
      error: { name: 'SourceConnectionError', message: 'salesorder: connection refused' },
    });
    expect(JSON.stringify(logged)).not.toContain('at ');
  });

  it('rethrows a runtime failure (settings) unchanged', async () => {
    const error = Object.assign(new Error('invalid SSM parameter /recon/x'), { name: 'SettingsError' });
    const task = vi.fn(async () => ({}));
    const handler = taskHandler('PlanExtraction', task, {
      ...options(),
      runtime: async () => {
        throw error;
      },
    });
    await expect(handler({ runId: 'r', reconDate: 'd', asOf: 'a' }, context)).rejects.toBe(error);
    expect(task).not.toHaveBeenCalled();
  });
});
