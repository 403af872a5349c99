/**
 * The anomaly resolution workflow (seed phase 4 §14.3, SPEC §7): what a person does to an anomaly
 * — assign, investigate, resolve, mark a false positive, re-open. Each command runs in its own
 * transaction, sets the status as owned by a person (runs never overwrite it), appends one event
 * to the audit trail and refreshes the summary of the anomaly's date. SQL:
 * `packages/sql/anomalies/workflow_triage.sql`.
 *
 * Lost updates are refused: the UPDATE only applies while the status is still the one read, so a
 * command that raced another command never overwrites it ("changed meanwhile, try again"); runs
 * never write what a person owns (see lifecycle.ts).
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { refreshAnomalySummary } from './lifecycle.ts';
import type { AnomalyStatus } from './types.ts';

/** A person's command on an anomaly (the CLI verbs). */
export type TriageAction = 'assign' | 'investigate' | 'resolve' | 'false-positive' | 'reopen';

/** The commands each status allows. */
export const ALLOWED_ACTIONS: Readonly<Record<AnomalyStatus, readonly TriageAction[]>> = {
  OPEN: ['assign', 'investigate', 'resolve', 'false-positive'],
  INVESTIGATING: ['assign', 'resolve', 'false-positive', 'reopen'],
  RESOLVED: ['reopen'],
  FALSE_POSITIVE: ['reopen'],
  AUTO_RESOLVED: ['reopen'],
};

/** The status each command leads to (`assign` keeps the status). */
export const ACTION_TARGET: Readonly<Record<TriageAction, AnomalyStatus | null>> = {
  assign: null,
  investigate: 'INVESTIGATING',
  resolve: 'RESOLVED',
  'false-positive': 'FALSE_POSITIVE',
  reopen: 'OPEN',
};

/** The event type each command appends. */
export const ACTION_EVENT: Readonly<Record<TriageAction, string>> = {
  assign: 'ASSIGNED',
  investigate: 'INVESTIGATING',
  resolve: 'RESOLVED',
  'false-positive': 'FALSE_POSITIVE',
  reopen: 'REOPENED',
};

/** Who does it, why, and (for tests) when. */
export interface TriageInput {
  /** The person (event actor). */
  by: string;
  /** Free text: required for resolve and false-positive. */
  note?: string;
  /** The instant of the change (default: now). */
  now?: Date;
}

/** `assign`: the assignee as well. */
export interface AssignInput extends TriageInput {
  to: string;
}

/** What a triage command reads before it writes. */
export interface AnomalyState {
  anomalyId: string;
  anomalyType: string;
  severity: string;
  status: AnomalyStatus;
  statusSetBy: string;
  reconDate: string;
  assignedTo: string | null;
  resolutionNotes: string | null;
}

/** What a triage command did. */
export interface TriageResult {
  anomalyId: string;
  action: TriageAction;
  fromStatus: AnomalyStatus;
  toStatus: AnomalyStatus;
  eventId: string;
  /** The instant recorded as updated_at and event_time ('YYYY-MM-DD HH:MM:SS.mmm' UTC). */
  at: string;
}

type StateRow = {
  anomaly_id: string;
  anomaly_type: string;
  severity: string;
  status: AnomalyStatus;
  status_set_by: string;
  recon_date: string;
  assigned_to: string | null;
  resolution_notes: string | null;
};

const sql = () => modelSteps('anomalies/workflow_triage.sql');

/** Warehouse TIMESTAMP text of an instant, to the millisecond, UTC, as the warehouse returns it. */
function timestampText(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '')
    .replace(/\.?0+$/, '');
}

function requireText(value: string | undefined, what: string, max: number): string {
  const text = value?.trim() ?? '';
  if (!text) throw new UsageError(`${what} is required and cannot be blank`);
  if (text.length > max) throw new UsageError(`${what} is longer than ${max} characters`);
  return text;
}

function optionalText(value: string | undefined, what: string, max: number): string | null {
  const text = value?.trim() ?? '';
  if (!text) return null;
  if (text.length > max) throw new UsageError(`${what} is longer than ${max} characters`);
  return text;
}

/**
 * The anomaly `id` as stored.
 * @throws UsageError naming the id when there is no such anomaly.
 */
export async function readAnomalyState(db: SqlExecutor, id: string): Promise<AnomalyState> {
  const [row] = await db.query<StateRow>(sql()('read'), { id });
  if (!row) {
    throw new UsageError(
      `no anomaly ${id}; \`recon anomalies list\` shows the open ones (ids look like ANO-01:<order id>)`,
    );
  }
  return {
    anomalyId: row.anomaly_id,
    anomalyType: row.anomaly_type,
    severity: row.severity,
    status: row.status,
    statusSetBy: row.status_set_by,
    reconDate: row.recon_date,
    assignedTo: row.assigned_to,
    resolutionNotes: row.resolution_notes,
  };
}

/**
 * Apply `action` to the anomaly whose status was read as `state`, in the caller's transaction:
 * the UPDATE only applies while the status is still `state.status`.
 * @throws UsageError when the status does not allow `action` (listing what it allows), when a
 * required note is missing, or when the anomaly changed since it was read.
 */
export async function applyTriage(
  db: SqlExecutor,
  state: AnomalyState,
  action: TriageAction,
  input: TriageInput & { to?: string },
): Promise<TriageResult> {
  const allowed = ALLOWED_ACTIONS[state.status] ?? [];
  if (!allowed.includes(action)) {
    throw new UsageError(
      `${state.anomalyId} is ${state.status}; allowed: ${allowed.length ? allowed.join(', ') : 'nothing'}`,
    );
  }
  const actor = requireText(input.by, 'the person (--by)', 128);
  const needsNote = action === 'resolve' || action === 'false-positive';
  const note = needsNote
    ? requireText(input.note, `a note (--note) saying why for ${action}`, 2048)
    : optionalText(input.note, 'the note (--note)', 2048);
  const assignee = action === 'assign' ? requireText(input.to, 'the assignee (--to)', 128) : null;
  const toStatus = ACTION_TARGET[action] ?? state.status;
  const at = timestampText(input.now ?? new Date());
  const eventId = randomUUID();
  const steps = sql();
  const values = {
    id: state.anomalyId,
    expectedStatus: state.status,
    toStatus,
    actor,
    assignee,
    note:
      action === 'assign' ? (note ? `assigned to ${assignee}: ${note}` : `assigned to ${assignee}`) : note,
    now: at,
    eventId,
    eventType: ACTION_EVENT[action],
  };
  const changed = await db.execute(steps(action === 'assign' ? 'assign' : 'set_status'), values);
  if (changed !== 1) {
    const [now] = await db.query<StateRow>(steps('read'), { id: state.anomalyId });
    throw new UsageError(
      `${state.anomalyId} changed meanwhile (it was ${state.status}, it is ${now?.status ?? 'gone'}); try again`,
    );
  }
  await db.execute(steps('insert_event'), values);
  await refreshAnomalySummary(db, state.reconDate, state.reconDate);
  return { anomalyId: state.anomalyId, action, fromStatus: state.status, toStatus, eventId, at };
}

function triage(
  wh: Warehouse,
  id: string,
  action: TriageAction,
  input: TriageInput & { to?: string },
): Promise<TriageResult> {
  return wh.transaction(async (tx) => applyTriage(tx, await readAnomalyState(tx, id), action, input));
}

/** Assign anomaly `id` to `input.to` (status unchanged). Allowed while OPEN or INVESTIGATING. */
export function assign(wh: Warehouse, id: string, input: AssignInput): Promise<TriageResult> {
  return triage(wh, id, 'assign', input);
}

/** OPEN → INVESTIGATING (the investigator becomes the assignee when there is none). */
export function investigate(wh: Warehouse, id: string, input: TriageInput): Promise<TriageResult> {
  return triage(wh, id, 'investigate', input);
}

/** OPEN | INVESTIGATING → RESOLVED; the note (required) becomes the resolution note. */
export function resolve(wh: Warehouse, id: string, input: TriageInput): Promise<TriageResult> {
  return triage(wh, id, 'resolve', input);
}

/** OPEN | INVESTIGATING → FALSE_POSITIVE; the note (required) says why. */
export function falsePositive(wh: Warehouse, id: string, input: TriageInput): Promise<TriageResult> {
  return triage(wh, id, 'false-positive', input);
}

/** INVESTIGATING | RESOLVED | FALSE_POSITIVE | AUTO_RESOLVED → OPEN (owned by a person from then on). */
export function reopen(wh: Warehouse, id: string, input: TriageInput): Promise<TriageResult> {
  return triage(wh, id, 'reopen', input);
}
