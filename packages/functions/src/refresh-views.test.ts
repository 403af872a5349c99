import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, openApp } from '../../core/src/app.ts';
import { MATERIALIZED_VIEWS } from '../../core/src/reporting/refresh.ts';

/** The runtime the handler gets: the embedded app's warehouse (PGlite, migrated). */
const current = vi.hoisted(() => ({ app: undefined as unknown }));
vi.mock('./aws-runtime.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  awsRuntime: vi.fn(async () => ({ warehouse: (current.app as App).warehouse })),
}));

const { handler } = await import('./refresh-views.ts');

const context = {
  functionName: 'recon-test-RefreshViews',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:recon-test-RefreshViews',
  getRemainingTimeInMillis: () => 900_000,
};

let app: App;
beforeAll(async () => {
  app = await openApp({
    env: {},
    home: mkdtempSync(join(tmpdir(), 'recon-refresh-views-')),
    embeddedOnly: true,
  });
  current.app = app;
});
afterAll(async () => {
  await app?.close();
});

describe('the view refresher', () => {
  it('refreshes every reporting view, so a triage change shows in the anomaly breakdown', async () => {
    await app.warehouse.execute(
      `INSERT INTO recon.dwd_recon_anomalies
         (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by, detected_date, recon_date,
          entity_key, shop_id, affected_amount, confidence_score, description, recommendation, created_at,
          updated_at, last_seen_at)
       VALUES ('ANO-02:r1', 'ANO-02', 'AMOUNT_MISMATCH', 'HIGH', 'OPEN', 'SYSTEM', CAST('2026-11-20' AS DATE),
          CAST('2026-11-20' AS DATE), 'r1', 7, CAST('12.34' AS DECIMAL(14,2)), 1.000, 'mismatch', 'check it',
          CAST('2026-11-21 06:00:00' AS TIMESTAMP), CAST('2026-11-21 06:00:00' AS TIMESTAMP),
          CAST('2026-11-21 06:00:00' AS TIMESTAMP))`,
    );
    const byType = () =>
      app.warehouse.query<{ open_count: string; resolved_count: string }>(
        `SELECT open_count, resolved_count FROM recon.mv_recon_anomaly_by_type WHERE recon_date = CAST('2026-11-20' AS DATE)`,
      );
    expect(await byType()).toEqual([]);

    const out = (await handler({ scheduledTime: '2026-11-21T07:00:00Z' }, context)) as {
      refreshed: { view: string }[];
    };
    expect(out.refreshed.map((r) => r.view)).toEqual([...MATERIALIZED_VIEWS]);
    expect((await byType()).map((r) => [String(r.open_count), String(r.resolved_count)])).toEqual([
      ['1', '0'],
    ]);

    await app.warehouse.execute(
      `UPDATE recon.dwd_recon_anomalies SET status = 'RESOLVED' WHERE anomaly_id = 'ANO-02:r1'`,
    );
    await handler({ scheduledTime: '2026-11-21T08:00:00Z' }, context);
    expect((await byType()).map((r) => [String(r.open_count), String(r.resolved_count)])).toEqual([
      ['0', '1'],
    ]);
  });
});
