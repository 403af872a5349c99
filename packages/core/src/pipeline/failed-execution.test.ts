import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../app.ts';
import { isPipelineFailure, recordFailedExecution } from './failed-execution.ts';

let app: App;
beforeAll(async () => {
  app = await openApp({
    env: {},
    home: mkdtempSync(join(tmpdir(), 'recon-failed-exec-')),
    embeddedOnly: true,
  });
});
afterAll(async () => app?.close());

const START = Date.parse('2026-11-22T06:00:03.500Z');
const event = (detail: Record<string, unknown>) => ({
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:recon-daily-pipeline:sched-1',
    name: 'sched-1',
    status: 'FAILED',
    startDate: START,
    input: JSON.stringify({ scheduledTime: '2026-11-22T06:00:00Z' }),
    error: 'WarehouseError',
    cause: 'relation "recon.x" does not exist',
    ...detail,
  },
});

async function runRow(runId: string) {
  const rows = await app.warehouse.query(
    `SELECT pipeline_run_id, recon_date, status, failed_step, error_message
       FROM recon.dwd_recon_anomaly_metrics WHERE pipeline_run_id = :runId`,
    { runId },
  );
  return rows;
}

describe('recording a failed execution from its status-change event', () => {
  it('records the run StartRun resolved (same run id and date), naming the failed step and error', async () => {
    const out = await recordFailedExecution(app.runtime, event({}), async () => 'MatchLevels');
    expect(out).toEqual({
      pipelineFailed: true,
      recorded: true,
      runId: 'sched-1',
      reconDate: '2026-11-21',
      failedStep: 'MatchLevels',
      error: 'WarehouseError',
    });
    expect(await runRow('sched-1')).toEqual([
      {
        pipeline_run_id: 'sched-1',
        recon_date: '2026-11-21',
        status: 'FAILED',
        failed_step: 'MatchLevels',
        error_message: 'WarehouseError: relation "recon.x" does not exist',
      },
    ]);
  });

  it('names the status when no state failed (a timeout), and records once per run id', async () => {
    const out = await recordFailedExecution(
      app.runtime,
      event({
        status: 'TIMED_OUT',
        error: null,
        cause: null,
        input: JSON.stringify({ reconDate: '2026-11-20', runId: 'r-20' }),
      }),
      async () => null,
    );
    expect(out).toMatchObject({
      recorded: true,
      runId: 'r-20',
      failedStep: 'TIMED_OUT',
      error: 'States.Timeout',
    });
    await recordFailedExecution(
      app.runtime,
      event({ input: JSON.stringify({ reconDate: '2026-11-20', runId: 'r-20' }) }),
      async () => 'LoadStaging',
    );
    expect(await runRow('r-20')).toMatchObject([{ status: 'FAILED', failed_step: 'LoadStaging' }]);
  });

  it('leaves a data-quality halt to RecordHalt and does not count it as a pipeline failure', async () => {
    const out = await recordFailedExecution(
      app.runtime,
      event({ name: 'halted', error: 'DataQualityHalt' }),
      async () => 'HaltedByDataQuality',
    );
    expect(out).toMatchObject({ pipelineFailed: false, recorded: false });
    expect(await runRow('halted')).toEqual([]);
  });

  it('records nothing for a run refused because another held its date, and does not count it', async () => {
    const out = await recordFailedExecution(
      app.runtime,
      event({
        name: 'second',
        input: JSON.stringify({ reconDate: '2026-11-20', runId: 'second' }),
        error: 'RunInProgressError',
      }),
      async () => 'PlanExtraction',
    );
    expect(out).toMatchObject({
      pipelineFailed: false,
      recorded: false,
      reason: expect.stringMatching(/^refused/),
    });
    expect(await runRow('second')).toEqual([]);
    expect(isPipelineFailure(event({ error: 'RunInProgressError' }))).toBe(false);
  });

  it('records nothing for a request StartRun refused, but counts the failure', async () => {
    const out = await recordFailedExecution(
      app.runtime,
      event({ name: 'bad', input: JSON.stringify({ reconDate: '21/11/2026' }) }),
      async () => 'StartRun',
    );
    expect(out).toMatchObject({ pipelineFailed: true, recorded: false });
    expect((out as { reason: string }).reason).toMatch(/reconDate must be a date/);
    expect(await runRow('bad')).toEqual([]);
  });

  it('ignores a succeeded execution and refuses an event that is not a status change', async () => {
    await expect(
      recordFailedExecution(app.runtime, event({ status: 'SUCCEEDED' }), async () => null),
    ).resolves.toMatchObject({
      recorded: false,
      pipelineFailed: false,
    });
    await expect(
      recordFailedExecution(app.runtime, { detail: {} } as never, async () => null),
    ).rejects.toThrow(/not a Step Functions execution status change/);
  });

  it('never replaces the record of a run a redrive completed (a late, retried failure event)', async () => {
    // The redrive's RecordRun has written the run as SUCCEEDED.
    await app.warehouse.execute(
      `INSERT INTO recon.dwd_recon_anomaly_metrics (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of, status)
       VALUES ('redriven-1', CAST('2026-11-21' AS DATE), CAST('2026-11-22 06:00:00' AS TIMESTAMP),
               CAST('2026-11-22 06:20:00' AS TIMESTAMP), CAST('2026-11-22 06:00:00' AS TIMESTAMP), 'SUCCEEDED')`,
    );
    const out = await recordFailedExecution(
      app.runtime,
      event({ name: 'redriven-1', input: JSON.stringify({ reconDate: '2026-11-21', runId: 'redriven-1' }) }),
      async () => 'MatchLevels',
    );
    expect(out).toMatchObject({
      pipelineFailed: true,
      recorded: false,
      reason: 'run redriven-1 has since succeeded',
    });
    expect(await runRow('redriven-1')).toMatchObject([{ status: 'SUCCEEDED', failed_step: null }]);
  });

  it('lands on the run id StartRun derived for a name that cannot be a run id', async () => {
    const out = await recordFailedExecution(
      app.runtime,
      event({ name: 'rerun.2026-11-21', input: JSON.stringify({ reconDate: '2026-11-21' }) }),
      async () => 'LoadStaging',
    );
    const again = await recordFailedExecution(
      app.runtime,
      event({ name: 'rerun.2026-11-21', input: JSON.stringify({ reconDate: '2026-11-21' }) }),
      async () => 'LoadStaging',
    );
    expect(out).toMatchObject({ recorded: true, runId: expect.stringMatching(/^20261121-[0-9a-f]{12}$/) });
    expect((again as { runId: string }).runId).toBe((out as { runId: string }).runId);
  });

  it('classifies failures for the PipelineFailed metric before anything is written', () => {
    expect(isPipelineFailure(event({}))).toBe(true);
    expect(isPipelineFailure(event({ status: 'ABORTED', error: null }))).toBe(true);
    expect(isPipelineFailure(event({ error: 'DataQualityHalt' }))).toBe(false);
    expect(isPipelineFailure(event({ status: 'SUCCEEDED' }))).toBe(false);
    expect(isPipelineFailure(undefined)).toBe(false);
  });
});
