/**
 * The business date's run lease (ddl/018_run_leases.sql): one execution at a time reconciles a
 * date. Every task of an execution holds the lease before it works — taking it when free or
 * expired, renewing it when its own — and the transaction recording the run's outcome releases it.
 * A second run for a date whose lease is live is refused with {@link RunInProgressError}, naming
 * the holder; it changes nothing and is not recorded. The lease lives in the warehouse and is timed
 * by the warehouse's clock; a holder that dies without recording anything loses it after
 * `runLeaseMinutes` without a renewal.
 *
 * Different dates do not exclude each other (a backfill runs several at once); their writing
 * transactions are serialized by the pipeline lock instead (ddl/017_pipeline_lock.sql).
 */
import { LeaseError, PipelineError, RunInProgressError } from '../errors.ts';
import { isValidDate } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import type { RunInput } from './tasks.ts';
import { RUN_ID_RE } from './run-id.ts';

const MODEL = 'runs/run_lease.sql';

/** Refuse a malformed run id or date before any SQL. */
function checkLeaseInput(input: Pick<RunInput, 'runId' | 'reconDate'>): void {
  if (!RUN_ID_RE.test(input.runId)) throw new PipelineError(`invalid run id "${input.runId}"`);
  if (!isValidDate(input.reconDate)) throw new PipelineError(`invalid recon date "${input.reconDate}"`);
}

/** Who holds a date's lease. */
export interface LeaseHolder {
  reconDate: string;
  runId: string;
  /** 'YYYY-MM-DD HH:MM:SS[.ffffff]' UTC. */
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
  /** False when the lease expired (the holder stopped renewing it). */
  live: boolean;
}

function utc(text: string): string {
  return `${text.slice(0, 19)} UTC`;
}

type LeaseRow = {
  recon_date: string;
  run_id: string;
  acquired_at: string;
  renewed_at: string;
  expires_at: string;
  live: string | number;
};

/** The leases of `reconDate`, or all of them when it is null, by date. */
async function readLeases(db: SqlExecutor, reconDate: string | null): Promise<LeaseHolder[]> {
  const rows = await db.query<LeaseRow>(modelSteps(MODEL)('leases'), { reconDate });
  return rows.map((r) => ({
    reconDate: r.recon_date,
    runId: r.run_id,
    acquiredAt: r.acquired_at,
    renewedAt: r.renewed_at,
    expiresAt: r.expires_at,
    live: String(r.live) === '1',
  }));
}

/** The holder of `reconDate`'s lease, or null when nobody holds it. */
export async function leaseHolder(db: SqlExecutor, reconDate: string): Promise<LeaseHolder | null> {
  return (await readLeases(db, reconDate))[0] ?? null;
}

/**
 * Hold the lease of `input.reconDate` for `input.runId` for `minutes` from now (warehouse clock).
 * @throws RunInProgressError when another run holds a live lease on the date.
 */
export async function holdRunLease(
  wh: Warehouse,
  input: Pick<RunInput, 'runId' | 'reconDate'>,
  minutes: number,
): Promise<void> {
  checkLeaseInput(input);
  const sql = modelSteps(MODEL);
  const params = { reconDate: input.reconDate, runId: input.runId, minutes: String(minutes) };
  await wh.transaction(async (tx) => {
    await tx.execute(sql('lock'));
    const holder = await leaseHolder(tx, input.reconDate);
    if (holder?.runId === input.runId) {
      await tx.execute(sql('renew'), params);
      return;
    }
    if (holder?.live) {
      throw new RunInProgressError(
        `business date ${input.reconDate} is being reconciled by run ${holder.runId} ` +
          `(since ${utc(holder.acquiredAt)}; its lease runs until ${utc(holder.expiresAt)} unless renewed). ` +
          `Run ${input.runId} was refused and changed nothing: wait for that run to finish, then run again. ` +
          `A run that died without recording its outcome holds the date until its lease expires.`,
        { context: { reconDate: input.reconDate, holder: holder.runId, expiresAt: holder.expiresAt } },
      );
    }
    await tx.execute(sql('take'), params);
    await tx.execute(sql('insert'), params);
  });
}

/** Release `runId`'s lease on `reconDate` (in the caller's transaction); another run's is kept. */
export async function releaseRunLease(
  tx: SqlExecutor,
  input: Pick<RunInput, 'runId' | 'reconDate'>,
): Promise<void> {
  await tx.execute(modelSteps(MODEL)('release'), { reconDate: input.reconDate, runId: input.runId });
}

/** Every lease held now (expired ones included until taken over or released), by date. */
export function listLeases(db: SqlExecutor): Promise<LeaseHolder[]> {
  return readLeases(db, null);
}

/**
 * Release the lease `runId` holds on `reconDate` — what an operator does for a run known to be dead
 * (a killed process) instead of waiting for the lease to expire.
 * @throws LeaseError when the date's lease is not held by that run (nothing is changed).
 */
export async function releaseLeaseOf(
  wh: Warehouse,
  input: Pick<RunInput, 'runId' | 'reconDate'>,
): Promise<LeaseHolder> {
  checkLeaseInput(input);
  return wh.transaction(async (tx) => {
    await tx.execute(modelSteps(MODEL)('lock'));
    const holder = await leaseHolder(tx, input.reconDate);
    if (holder?.runId !== input.runId) {
      throw new LeaseError(
        holder
          ? `business date ${input.reconDate} is held by run ${holder.runId}, not ${input.runId}: nothing released`
          : `nobody holds business date ${input.reconDate}: nothing to release`,
      );
    }
    await releaseRunLease(tx, input);
    return holder;
  });
}

/** The tasks of an execution that hold the date's lease before they run. */
export const LEASED_TASKS = [
  'PlanExtraction',
  'LoadStaging',
  'AdvanceWatermarks',
  'DataQualityPreChecks',
  'MatchLevels',
  'DataQualityPostChecks',
  'AnomalyScan',
  'RefreshReporting',
] as const;

/**
 * `task`, holding its execution's lease first (see the module comment). Extraction partitions do
 * not: they only read sources and write staging files named after their own run.
 */
export function withRunLease<
  R extends { warehouse: Warehouse; settings: { runLeaseMinutes: number } },
  I extends Pick<RunInput, 'runId' | 'reconDate'>,
  O,
>(task: (rt: R, input: I) => Promise<O>): (rt: R, input: I) => Promise<O> {
  return async (rt, input) => {
    await holdRunLease(rt.warehouse, input, rt.settings.runLeaseMinutes);
    return task(rt, input);
  };
}
