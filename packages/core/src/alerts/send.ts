/**
 * Sending a run's alerts (SPEC §9): evaluate the rules (./rules.ts) on the run record and the
 * warehouse, then post ONE WeCom markdown message per level — every critical alert of the run
 * together to `wecom-critical`, every warning together to `wecom-warning` — and record each rule's
 * outcome in `recon.dwd_recon_alerts` (one row per run × rule).
 *
 * No storms, no duplicates: a rule already SENT for the run is skipped, so calling this again for
 * the same run (a redrive, a retried task, `recon alerts --send`) sends nothing twice and only
 * retries what FAILED or had no webhook. A webhook that keeps failing is retried by the client and
 * then recorded FAILED; delivery problems never throw, so a run never fails because of an alert.
 * Two invocations for the same run at the same instant are not serialized (the pipeline never
 * does that; the log is read, then written).
 */
import { ReconError } from '../errors.ts';
import { markdownText } from '../reports/format.ts';
import type { Settings } from '../settings.ts';
import { formatTimestamp } from '../time.ts';
import { modelSteps } from '../warehouse/model.ts';
import type { SqlExecutor, Warehouse } from '../warehouse/types.ts';
import { fitLines, type HttpPost, postWecomMarkdown, utf8Bytes } from '../notify/wecom.ts';
import {
  checkWebhookUrl,
  WECOM_CHANNEL_NAMES,
  WECOM_WEBHOOK_ENV,
  type WecomWebhooks,
} from '../notify/webhook-url.ts';
import {
  type AlertAnomaly,
  type AlertDqFailure,
  type AlertLevel,
  type AlertRule,
  evaluateRules,
  RULE_TITLES,
  type RuleEvaluation,
  type RunAlertInputs,
} from './rules.ts';

const INPUTS = 'alerts/run_alert_inputs.sql';
/**
 * Characters of one alert in a message: at this length every rule of a level fits WeCom's 4,096
 * bytes in plain ASCII; longer (multi-byte) text is cut by fitLines with "…and N more".
 */
const MAX_LINE_CHARS = 360;
const LOG = 'alerts/alert_log.sql';

/** The run asked for does not exist. */
export class AlertError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'AlertError';
  }
}

/** Delivery status of a rule's alert in `recon.dwd_recon_alerts`. */
export type AlertStatus = 'SENT' | 'FAILED' | 'NOT_CONFIGURED';

/** A rule's row of the alert log. */
export interface AlertLogRow {
  alert_rule: string;
  alert_level: string;
  status: AlertStatus;
  attempts: number;
  first_attempt_at: string;
  sent_at: string | null;
  last_error: string | null;
}

/** The rules of a run, evaluated, with what the log already holds for it. */
export interface RunAlertEvaluation {
  inputs: RunAlertInputs;
  evaluated: RuleEvaluation[];
  /** The run's alert log, by rule. */
  log: Map<string, AlertLogRow>;
}

interface RunRecordRow {
  pipeline_run_id: string;
  recon_date: string;
  status: string;
  failed_step: string | null;
  error_message: string | null;
  duration_seconds: string | number | null;
  rows_dead_lettered: string | null;
  l1_match_rate: string | null;
  l2_match_rate: string | null;
  l3_match_rate: string | null;
  total_anomalies_detected: string | null;
  anomaly_count_30d_avg: string | null;
  anomaly_spike: boolean | null;
  dq_checks_failed: number | null;
  phase_durations: string | null;
}

/**
 * Seconds of one phase from the run record's `phase_durations` JSON (`{"anomalies": 12.3, …}`),
 * as exact text; null when the phase is absent or the record holds no phases.
 * @throws AlertError when the column is not the JSON the pipeline records.
 */
export function phaseSeconds(phaseDurations: string | null, phase: string, runId: string): string | null {
  if (phaseDurations === null || phaseDurations === '') return null;
  let phases: unknown;
  try {
    phases = JSON.parse(phaseDurations);
  } catch {
    throw new AlertError(`run ${runId}: phase_durations is not JSON: ${phaseDurations.slice(0, 80)}`);
  }
  if (phases === null || typeof phases !== 'object' || Array.isArray(phases)) {
    throw new AlertError(
      `run ${runId}: phase_durations is not a JSON object: ${phaseDurations.slice(0, 80)}`,
    );
  }
  const value = (phases as Record<string, unknown>)[phase];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AlertError(
      `run ${runId}: phase_durations.${phase} is not a number of seconds: ${JSON.stringify(value)}`,
    );
  }
  return String(value);
}

/**
 * The anomaly scan's seconds for the rules; an unreadable record does not hold back the run's
 * other alerts, it raises ANOMALY_SCAN_SLA naming what is wrong.
 */
function anomalyScan(
  phaseDurations: string | null,
  runId: string,
): Pick<RunAlertInputs, 'anomalyScanSeconds' | 'anomalyScanError'> {
  try {
    return { anomalyScanSeconds: phaseSeconds(phaseDurations, 'anomalies', runId), anomalyScanError: null };
  } catch (error) {
    if (!(error instanceof AlertError)) throw error;
    return { anomalyScanSeconds: null, anomalyScanError: error.message };
  }
}

/**
 * The run id of the latest run recorded for business date `date`.
 * @throws AlertError when the date has no run.
 */
export async function latestRunOf(db: SqlExecutor, date: string): Promise<string> {
  const [row] = await db.query<{ pipeline_run_id: string }>(modelSteps(INPUTS)('latest_run_of_date'), {
    reconDate: date,
  });
  if (!row) throw new AlertError(`no pipeline run is recorded for business date ${date}`);
  return row.pipeline_run_id;
}

/**
 * Read what the rules need for run `runId`.
 * @throws AlertError when the run is not recorded in `recon.dwd_recon_anomaly_metrics`.
 */
export async function loadRunAlertInputs(db: SqlExecutor, runId: string): Promise<RunAlertInputs> {
  const sql = modelSteps(INPUTS);
  const [run] = await db.query<RunRecordRow & Record<string, unknown>>(sql('run_record'), { runId });
  if (!run) {
    throw new AlertError(
      `run ${runId} is not recorded (recon.dwd_recon_anomaly_metrics); alerts are evaluated after RecordRun or RecordFailure`,
    );
  }
  const reconDate = run.recon_date;
  const [critical] = await db.query<{ n: string; amount: string }>(sql('open_critical_count'), { reconDate });
  const top = await db.query<AlertAnomaly & Record<string, unknown>>(sql('open_critical_top'), { reconDate });
  const [dead] = await db.query<{ n: string }>(sql('dead_letters'), { runId });
  const dqFailures = await db.query<AlertDqFailure & Record<string, unknown>>(sql('dq_failures'), {
    runId,
    reconDate,
  });
  return {
    runId,
    reconDate,
    status: run.status,
    failedStep: run.failed_step,
    errorMessage: run.error_message,
    durationSeconds: run.duration_seconds === null ? null : String(run.duration_seconds),
    ...anomalyScan(run.phase_durations, runId),
    l1MatchRate: run.l1_match_rate,
    l2MatchRate: run.l2_match_rate,
    l3MatchRate: run.l3_match_rate,
    anomaliesDetected: run.total_anomalies_detected,
    anomalyAverage30d: run.anomaly_count_30d_avg,
    anomalySpike: run.anomaly_spike,
    // The run's own count; a failed run has none, and its stored dead letters stand in.
    deadLetters: run.rows_dead_lettered ?? dead?.n ?? '0',
    openCritical: { count: Number(critical?.n ?? 0), amount: critical?.amount ?? '0.00', top },
    dqFailures,
  };
}

/** The run's alert log, by rule. */
async function readLog(db: SqlExecutor, runId: string): Promise<Map<string, AlertLogRow>> {
  const rows = await db.query<AlertLogRow & Record<string, unknown>>(modelSteps(LOG)('for_run'), { runId });
  return new Map(rows.map((r) => [r.alert_rule, { ...r, attempts: Number(r.attempts) }]));
}

/**
 * Evaluate the rules of run `runId` without sending or recording anything (a dry run).
 * @throws AlertError when the run is not recorded.
 */
export async function evaluateRunAlerts(
  db: SqlExecutor,
  settings: Settings,
  input: { runId: string },
): Promise<RunAlertEvaluation> {
  const inputs = await loadRunAlertInputs(db, input.runId);
  return { inputs, evaluated: evaluateRules(inputs, settings), log: await readLog(db, input.runId) };
}

/** Dependencies of {@link sendRunAlerts}. */
export interface AlertDeps {
  /**
   * Resolved webhook URLs per level: locally `webhooksFromEnv(env)`; in AWS the SecureString
   * parameters `<root>/alerting/wecom_critical_webhook` and `…/wecom_warning_webhook`.
   */
  webhooks: WecomWebhooks;
  /** HTTP transport of the WeCom client (default: fetch). */
  post?: HttpPost;
  /** Wait between retries (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per message, first included (default 4). */
  maxAttempts?: number;
  /** Wait before the first retry, doubled each time (default 1,000 ms). */
  backoffMs?: number;
  /** Clock of the log's timestamps. */
  now?: () => Date;
}

/** One rule's alert and what became of it in this call. */
export interface AlertResult {
  rule: AlertRule;
  level: AlertLevel;
  message: string;
  status: AlertStatus;
  /** HTTP attempts over every call for this run. */
  attempts: number;
  error: string | null;
}

/** One WeCom message posted (or not) for a level. */
export interface LevelMessage {
  level: AlertLevel;
  channel: string;
  rules: AlertRule[];
  status: AlertStatus;
  /** HTTP attempts of this call. */
  attempts: number;
  error: string | null;
}

/** What {@link sendRunAlerts} evaluated, sent and skipped. */
export interface AlertOutcome {
  runId: string;
  reconDate: string;
  runStatus: string;
  /** Every rule with its verdict. */
  evaluated: RuleEvaluation[];
  /** The rules raised. */
  raised: RuleEvaluation[];
  /** Raised rules already SENT by an earlier call for this run: nothing sent again. */
  skipped: { rule: AlertRule; level: AlertLevel; sentAt: string | null }[];
  /** Raised rules handled by this call, with their new status. */
  results: AlertResult[];
  /** The messages of this call, one per level with something to send. */
  messages: LevelMessage[];
}

/** The WeCom markdown message of one level: every alert of the run at that level, within 4,096 bytes. */
export function renderAlertMessage(
  inputs: Pick<RunAlertInputs, 'runId' | 'reconDate' | 'status'>,
  level: AlertLevel,
  alerts: readonly Pick<RuleEvaluation, 'rule' | 'message'>[],
): string {
  const mark = level === 'critical' ? '🔴' : '🟠';
  const color = level === 'critical' ? 'warning' : 'comment';
  const head = [
    `${mark} **Revenue Reconciliation — ${alerts.length} ${level} alert${alerts.length === 1 ? '' : 's'}**`,
    `Business date ${inputs.reconDate} · run ${inputs.runId} · ${inputs.status}`,
  ].join('\n');
  const lines = alerts.map(
    (a) =>
      `> <font color="${color}">${RULE_TITLES[a.rule as AlertRule] ?? a.rule}</font>: ${markdownText(a.message, MAX_LINE_CHARS)}`,
  );
  return fitLines(head, lines, '').text;
}

const stamp = (now: () => Date) => formatTimestamp(now().getTime());

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes at a character boundary (Redshift's VARCHAR(n)
 * counts bytes, and messages may carry "×", "—" or text quoted from a source).
 */
export function truncateBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const b = utf8Bytes(ch);
    if (bytes + b > maxBytes - 3) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}

async function record(
  db: Warehouse,
  inputs: RunAlertInputs,
  previous: Map<string, AlertLogRow>,
  results: readonly AlertResult[],
  at: string,
): Promise<void> {
  const sql = modelSteps(LOG);
  await db.transaction(async (tx) => {
    for (const r of results) {
      const before = previous.get(r.rule);
      await tx.execute(sql('delete_alert'), { runId: inputs.runId, rule: r.rule });
      await tx.execute(sql('insert_alert'), {
        runId: inputs.runId,
        rule: r.rule,
        reconDate: inputs.reconDate,
        level: r.level,
        channel: WECOM_CHANNEL_NAMES[r.level],
        message: truncateBytes(r.message, 1024),
        status: r.status,
        attempts: String(r.attempts),
        lastError: r.error === null ? null : truncateBytes(r.error, 512),
        firstAttemptAt: before?.first_attempt_at ?? at,
        lastAttemptAt: at,
        sentAt: r.status === 'SENT' ? at : null,
      });
    }
  });
}

/**
 * Evaluate the alert rules of run `input.runId` and send what is due: one WeCom message per level
 * (critical → `deps.webhooks.critical`, warning → `deps.webhooks.warning`) holding every alert of
 * that level not yet SENT for the run; record each alert SENT, FAILED (after the client's retries)
 * or NOT_CONFIGURED (no webhook for its level) in `recon.dwd_recon_alerts`.
 *
 * Never throws because of a delivery: a failing, unreachable or malformed webhook ends as FAILED in
 * the log and in the outcome.
 * @throws AlertError when the run is not recorded; warehouse errors reading the figures or writing
 *   the log (WarehouseError / WarehouseTransientError, which the pipeline's retry policy covers).
 */
export async function sendRunAlerts(
  db: Warehouse,
  settings: Settings,
  input: { runId: string },
  deps: AlertDeps,
): Promise<AlertOutcome> {
  const now = deps.now ?? (() => new Date());
  const { inputs, evaluated, log } = await evaluateRunAlerts(db, settings, input);
  const raised = evaluated.filter((e) => e.raised);
  const skipped = raised
    .filter((e) => log.get(e.rule)?.status === 'SENT')
    .map((e) => ({ rule: e.rule, level: e.level, sentAt: log.get(e.rule)?.sent_at ?? null }));
  const due = raised.filter((e) => log.get(e.rule)?.status !== 'SENT');
  const results: AlertResult[] = [];
  const messages: LevelMessage[] = [];

  for (const level of ['critical', 'warning'] as const) {
    const alerts = due.filter((e) => e.level === level);
    if (alerts.length === 0) continue;
    const priorAttempts = (rule: string) => log.get(rule)?.attempts ?? 0;
    const url = deps.webhooks[level]?.trim();
    let status: AlertStatus;
    let attempts = 0;
    let error: string | null = null;
    if (!url) {
      status = 'NOT_CONFIGURED';
      error = `no ${WECOM_CHANNEL_NAMES[level]} webhook configured (${WECOM_WEBHOOK_ENV[level]} locally)`;
    } else {
      try {
        checkWebhookUrl(url, `the ${WECOM_CHANNEL_NAMES[level]} webhook`);
        const content = renderAlertMessage(inputs, level, alerts);
        const delivery = await postWecomMarkdown(url, content, {
          ...(deps.post ? { post: deps.post } : {}),
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
          ...(deps.maxAttempts !== undefined ? { maxAttempts: deps.maxAttempts } : {}),
          ...(deps.backoffMs !== undefined ? { backoffMs: deps.backoffMs } : {}),
        });
        attempts = delivery.attempts;
        status = delivery.ok ? 'SENT' : 'FAILED';
        error = delivery.error;
      } catch (thrown) {
        // A malformed URL or message: recorded, never thrown (the run must not fail on an alert).
        status = 'FAILED';
        error = thrown instanceof Error ? thrown.message : String(thrown);
      }
    }
    messages.push({
      level,
      channel: WECOM_CHANNEL_NAMES[level],
      rules: alerts.map((a) => a.rule),
      status,
      attempts,
      error,
    });
    const levelResults = alerts.map((a) => ({
      rule: a.rule,
      level,
      message: a.message,
      status,
      attempts: priorAttempts(a.rule) + attempts,
      error,
    }));
    await record(db, inputs, log, levelResults, stamp(now));
    results.push(...levelResults);
  }

  return {
    runId: inputs.runId,
    reconDate: inputs.reconDate,
    runStatus: inputs.status,
    evaluated,
    raised,
    skipped,
    results,
    messages,
  };
}
