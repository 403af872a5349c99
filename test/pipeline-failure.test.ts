/**
 * A failing run is recorded, never passes as success, and leaves no partial load: a source that
 * refuses connections exhausts the definition's retries, the run is recorded FAILED naming the
 * step and the cause, nothing reaches the staging tables and no watermark moves.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, openApp } from '../packages/core/src/app.ts';
import { runPipeline } from '../packages/core/src/pipeline/local-runner.ts';
import { SOURCE_IDS } from '../packages/core/src/sources/spec.ts';

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a run whose source is down', () => {
  let app: App;
  let retries = 0;
  let outcome: Awaited<ReturnType<typeof runPipeline>>;

  beforeAll(async () => {
    const port = await closedPort();
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), 'recon-fail-')),
      env: { RECON_SALESPAYMENT_URL: `mysql://recon:s3cret-pw@127.0.0.1:${port}/luckyus_sales_payment` },
    });
    for (const s of SOURCE_IDS) if (s !== 'salespayment') await app.sinks()[s].createTables();
    outcome = await runPipeline(
      app.runtime,
      { reconDate: '2026-11-20', asOf: '2026-11-21T11:00:00Z', runId: 'failing-run' },
      {
        retryIntervalMs: 0,
        onProgress: (e) => {
          if (e.type === 'state-retried') retries++;
        },
      },
    );
  });
  afterAll(async () => app?.close());

  it('fails after the definition’s retries and says which step failed and why', () => {
    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.failedStep).toBe('ExtractPartitions');
    expect(outcome.error).toBe('SourceConnectionError');
    expect(outcome.cause).toMatch(/salespayment/);
    expect(outcome.cause).not.toMatch(/s3cret-pw/);
    expect(retries).toBeGreaterThanOrEqual(3);
  });

  it('records the run as FAILED with the failing step and cause', async () => {
    const runs = await app.warehouse.query(
      'SELECT pipeline_run_id, status, failed_step, rows_extracted FROM recon.dwd_recon_anomaly_metrics',
    );
    expect(runs).toEqual([
      {
        pipeline_run_id: 'failing-run',
        status: 'FAILED',
        failed_step: 'ExtractPartitions',
        rows_extracted: null,
      },
    ]);
    const [run] = await app.warehouse.query<{ error_message: string }>(
      'SELECT error_message FROM recon.dwd_recon_anomaly_metrics',
    );
    expect(run!.error_message).toMatch(/^SourceConnectionError: /);
    expect(run!.error_message).not.toMatch(/s3cret-pw/);
  });

  it('loads nothing and moves no watermark', async () => {
    const staged = await app.warehouse.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM recon.stg_recon_orders',
    );
    expect(staged[0]!.n).toBe('0');
    const marks = await app.warehouse.query('SELECT * FROM recon.etl_watermarks');
    expect(marks).toEqual([]);
  });
});
