/**
 * A person's triage never loses to a run: a scan refreshing the anomaly summary in an open
 * transaction makes a concurrent triage command wait, not fail (PostgreSQL: real concurrency).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../warehouse/migrate.ts';
import { PostgresWarehouse } from '../warehouse/postgres.ts';
import { createTestDatabase, type TestDatabase } from '../warehouse/test-helpers.ts';
import { refreshAnomalySummary } from './lifecycle.ts';
import { resolve } from './workflow.ts';

const D = '2026-11-10';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a triage command during an anomaly scan', () => {
  let db: TestDatabase;
  let wh: PostgresWarehouse;
  beforeAll(async () => {
    db = await createTestDatabase('race');
    wh = new PostgresWarehouse({ url: db.url, max: 4 });
    await migrate(wh);
    await wh.execute(
      `INSERT INTO recon.dwd_recon_anomalies (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by,
         detected_date, recon_date, entity_key, order_id, affected_amount, confidence_score, description, recommendation,
         created_at, updated_at, last_seen_at)
       VALUES ('ANO-02:1', 'ANO-02', 'AMOUNT_MISMATCH', 'CRITICAL', 'OPEN', 'SYSTEM', CAST(:d AS DATE), CAST(:d AS DATE),
         '1', 1, 5.00, 1.000, 'Order 1 differs by $5.00', 'Check the payment', CAST(:t AS TIMESTAMP),
         CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP))`,
      { d: D, t: `${D} 12:00:00` },
    );
    await wh.transaction((tx) => refreshAnomalySummary(tx, D, D));
  });
  afterAll(async () => {
    await wh?.close();
    await db?.drop();
  });

  it('waits for the scan to commit and then records the resolution', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const scan = wh.transaction(async (tx) => {
      await refreshAnomalySummary(tx, D, D);
      await held;
    });
    await sleep(200);
    const triage = resolve(wh, 'ANO-02:1', { by: 'alice', note: 'Refunded the difference.' });
    await sleep(300);
    release();
    await scan;
    await triage;
    const [row] = await wh.query<{ status: string; resolution_notes: string }>(
      "SELECT status, resolution_notes FROM recon.dwd_recon_anomalies WHERE anomaly_id = 'ANO-02:1'",
    );
    expect(row).toEqual({ status: 'RESOLVED', resolution_notes: 'Refunded the difference.' });
    const [summary] = await wh.query<{ resolved_count: string | number }>(
      'SELECT resolved_count FROM recon.dwd_recon_anomaly_summary WHERE recon_date = CAST(:d AS DATE)',
      { d: D },
    );
    expect(Number(summary!.resolved_count)).toBe(1);
  });
});
