import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../time.ts';
import { migrate } from '../warehouse/migrate.ts';
import { engineCases } from '../warehouse/test-helpers.ts';
import type { Warehouse } from '../warehouse/types.ts';
import { anomalyFigures } from './tasks.ts';

const D = '2026-11-20';

async function run(
  wh: Warehouse,
  date: string,
  detected: number,
  status = 'SUCCEEDED',
  hour = '06',
): Promise<void> {
  await wh.execute(
    `INSERT INTO recon.dwd_recon_anomaly_metrics (pipeline_run_id, recon_date, pipeline_start_time, pipeline_end_time, as_of,
       status, total_anomalies_detected)
     VALUES (:id, CAST(:d AS DATE), CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP), :status,
       CAST(:n AS BIGINT))`,
    { id: `run-${date}-${status}-${hour}`, d: date, t: `${date} ${hour}:00:00`, status, n: String(detected) },
  );
}

async function anomaly(
  wh: Warehouse,
  date: string,
  n: number,
  type = 'ANO-01',
  severity = 'HIGH',
): Promise<void> {
  await wh.execute(
    `INSERT INTO recon.dwd_recon_anomalies (anomaly_id, anomaly_type, anomaly_name, severity, status, status_set_by,
       detected_date, recon_date, entity_key, affected_amount, confidence_score, description, recommendation,
       created_at, updated_at, last_seen_at)
     VALUES (:id, :type, 'X', :severity, 'OPEN', 'SYSTEM', CAST(:d AS DATE), CAST(:d AS DATE), :key, 1.00, 1.000,
       'd', 'r', CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP), CAST(:t AS TIMESTAMP))`,
    { id: `${type}:${date}-${n}`, type, severity, d: date, key: `${date}-${n}`, t: `${date} 06:00:00` },
  );
}

describe.each(engineCases())('anomaly figures and spike detection on $name', (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await engine.open();
    await migrate(wh);
    // 30 days before D, each with a first successful run that raised 2 anomalies (one day none);
    // later re-evaluations found more, which the baseline ignores.
    for (let i = 1; i <= 30; i++) {
      const date = addDays(D, -i);
      await run(wh, date, i === 7 ? 0 : 2);
      await run(wh, date, 9, 'SUCCEEDED', '18');
      if (i !== 7) for (let n = 0; n < 2; n++) await anomaly(wh, date, n);
    }
    // A failed run and a date older than 30 days do not count.
    await run(wh, addDays(D, -3), 40, 'FAILED', '03');
    await run(wh, addDays(D, -31), 50);
    for (let n = 0; n < 50; n++) await anomaly(wh, addDays(D, -31), n);
  });
  afterAll(async () => engine.cleanup());

  it('averages what the first runs of the 30 days before raised, over the days that had a successful run', async () => {
    const f = await anomalyFigures(wh, D, '2.0', null);
    // 29 days × 2 anomalies over 30 days with runs = 1.9333…
    expect(f.average30d).toMatch(/^1\.933/);
    expect(f.total).toBe(0);
    expect(f.spike).toBe(false);
  });

  it('flags a spike when the day’s count exceeds the multiplier × the average, and counts by type and severity', async () => {
    for (let n = 0; n < 3; n++) await anomaly(wh, D, n, 'ANO-01', 'HIGH');
    const notYet = await anomalyFigures(wh, D, '2.0', null);
    expect(notYet.total).toBe(3);
    expect(notYet.spike).toBe(false); // 3 ≤ 2 × 1.9333
    await anomaly(wh, D, 3, 'ANO-02', 'CRITICAL');
    const spike = await anomalyFigures(wh, D, '2.0', null);
    expect(spike.total).toBe(4);
    expect(spike.spike).toBe(true); // 4 > 3.8667
    expect(spike.byType).toEqual({ 'ANO-01': { HIGH: 3 }, 'ANO-02': { CRITICAL: 1 } });
    expect((await anomalyFigures(wh, D, '2.1', null)).spike).toBe(false); // 4 ≤ 4.06
    expect(spike.openTotal).toBe(29 * 2 + 50 + 4);
  });

  it('has no average (and no spike) without history', async () => {
    const f = await anomalyFigures(wh, addDays(D, -40), '2.0', null);
    expect(f.average30d).toBeNull();
    expect(f.spike).toBe(false);
  });
});
