/**
 * `recon anomalies list|show|assign|investigate|resolve|false-positive|reopen` (SPEC §7, §12;
 * seed phase 4 §14.3): the anomaly workbench on the command line. Every command opens the app
 * like the other commands (migrated warehouse) and always closes it; invalid option values are a
 * one-line usage error (exit 2).
 */
import { userInfo } from 'node:os';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import type { App } from '../app.ts';
import {
  ANOMALY_STATUSES,
  type AnomalyDetail,
  type AnomalyListItem,
  type ListFilters,
  listAnomalies,
  SLA_STATUSES,
  type SlaStatus,
  showAnomaly,
} from '../anomalies/queries.ts';
import {
  ANOMALY_NAMES,
  ANOMALY_TYPES,
  type AnomalyStatus,
  type AnomalyType,
  SEVERITIES,
  type Severity,
} from '../anomalies/types.ts';
import {
  assign,
  falsePositive,
  investigate,
  reopen,
  resolve,
  type TriageAction,
  type TriageResult,
} from '../anomalies/workflow.ts';
import type { Io } from './main.ts';
import { withApp } from './options.ts';
import { EXIT } from './run-commands.ts';

/** The person running the command: the OS user, or `unknown` when the OS cannot say. */
export function defaultActor(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

function oneOf<T extends string>(what: string, allowed: readonly T[], aliases: Record<string, T> = {}) {
  return (value: string): T => {
    const v = value.trim().toUpperCase().replaceAll('-', '_');
    const found = allowed.find((a) => a.replaceAll('-', '_') === v) ?? aliases[v];
    if (!found) throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}`);
    return found;
  };
}

const parseSeverity = oneOf<Severity>('severity', [...SEVERITIES].reverse());
const parseType = oneOf<AnomalyType>(
  'type',
  ANOMALY_TYPES,
  Object.fromEntries(ANOMALY_TYPES.map((t) => [ANOMALY_NAMES[t], t])),
);
const parseSla = oneOf<SlaStatus>('sla', SLA_STATUSES);
const parseOneStatus = oneOf<AnomalyStatus>('status', ANOMALY_STATUSES);

function parseStatuses(value: string): AnomalyStatus[] {
  if (value.trim().toLowerCase() === 'all') return [...ANOMALY_STATUSES];
  const parts = value.split(',').filter((s) => s.trim() !== '');
  if (parts.length === 0) {
    throw new InvalidArgumentError(`status must be one or more of ${ANOMALY_STATUSES.join(', ')} or all`);
  }
  try {
    return [...new Set(parts.map(parseOneStatus))];
  } catch {
    throw new InvalidArgumentError(
      `status must be one or more of ${ANOMALY_STATUSES.join(', ')} (comma-separated) or all`,
    );
  }
}

function parseShop(value: string): string {
  if (!/^\d{1,18}$/.test(value.trim()))
    throw new InvalidArgumentError('shop must be a whole number (shop id)');
  return value.trim();
}

/** '2024-03-11 06:00:00[.fff]' (UTC) → how long ago, roughly: 45m, 5h, 3d. */
export function ageText(createdAt: string, nowMs = Date.now()): string {
  const ms = Date.parse(`${createdAt.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) return '—';
  const minutes = Math.max(0, Math.floor((nowMs - ms) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** The list as a table: id, type, severity, status, age, SLA, amount, shop, assignee, description. */
export function renderAnomalyList(rows: readonly AnomalyListItem[], nowMs = Date.now()): string {
  if (rows.length === 0) return 'No anomalies match.';
  const table = new Table({
    head: ['id', 'type', 'severity', 'status', 'age', 'SLA', 'amount', 'shop', 'assignee', 'description'],
    colAligns: ['left', 'left', 'left', 'left', 'right', 'left', 'right', 'right', 'left', 'left'],
    colWidths: [null, null, null, null, null, null, null, null, null, 60],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.anomaly_id,
      `${r.anomaly_type} ${r.anomaly_name}`,
      r.severity,
      r.status,
      ageText(r.created_at, nowMs),
      r.sla_status ?? '—',
      r.affected_amount,
      r.shop_id ?? '—',
      r.assigned_to ?? '—',
      r.description,
    ]);
  }
  const breached = rows.filter((r) => r.sla_status === 'SLA_BREACHED').length;
  return `${table.toString()}\n${rows.length} anomal${rows.length === 1 ? 'y' : 'ies'}, ${breached} past SLA`;
}

const text = (v: unknown): string => (v === null || v === undefined ? '—' : String(v));

/** One anomaly: its fields, the source rows side by side (one table per source) and its history. */
export function renderAnomalyDetail(d: AnomalyDetail, nowMs = Date.now()): string {
  const a = d.anomaly;
  const fields: [string, string][] = [
    ['anomaly', `${a.anomaly_id} · ${a.anomaly_type} ${a.anomaly_name}`],
    ['severity', a.severity],
    ['status', `${a.status} (set by ${a.status_set_by.toLowerCase()})`],
    ['age / SLA', `${ageText(a.created_at, nowMs)} · ${a.sla_status ?? '—'}`],
    ['business date', `${a.recon_date} (detected by the run for ${a.detected_date})`],
    ['entity', `${d.entity} ${a.entity_key}${a.shop_id ? ` · shop ${a.shop_id}` : ''}`],
    [
      'amounts',
      `affected ${a.affected_amount} · expected ${text(a.expected_value)} · actual ${text(a.actual_value)}`,
    ],
    ['confidence', a.confidence_score],
    ['assigned to', text(a.assigned_to)],
    ['resolution', text(a.resolution_notes)],
    [
      'created / updated / seen',
      `${a.created_at} · ${a.updated_at} · ${a.last_seen_at} (${text(a.last_run_id)})`,
    ],
    ['description', a.description],
    ['recommendation', a.recommendation],
  ];
  const head = new Table({ style: { head: [], border: [] }, wordWrap: true, colWidths: [26, 90] });
  for (const [k, v] of fields) head.push([k, v]);
  const parts = [head.toString(), `Source rows (${d.entity}):`];
  for (const [name, rows] of Object.entries(d.sources)) {
    if (rows.length === 0) {
      parts.push(`  ${name}: none`);
      continue;
    }
    const columns = Object.keys(rows[0] ?? {});
    const t = new Table({ head: columns, style: { head: [], border: [] } });
    for (const r of rows) t.push(columns.map((c) => text(r[c])));
    parts.push(`  ${name}:`, t.toString());
  }
  parts.push('History:');
  const h = new Table({
    head: ['time', 'actor', 'event', 'status', 'severity', 'note', 'run'],
    colWidths: [null, null, null, null, null, 60, null],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const e of d.events) {
    const arrow = (from: string | null, to: string | null) =>
      from === null && to === null ? '' : `${from ?? '—'} → ${to ?? '—'}`;
    h.push([
      e.event_time,
      e.actor,
      e.event_type,
      arrow(e.from_status, e.to_status),
      arrow(e.from_severity, e.to_severity),
      text(e.note),
      text(e.run_id),
    ]);
  }
  parts.push(h.toString());
  return parts.join('\n');
}

interface TriageOpts {
  by: string;
  note?: string;
  to?: string;
  json?: boolean;
}

/** Register `recon anomalies …` on `program`; each action reports its exit code through `setExit`. */
export function registerAnomalyCommands(program: Command, io: Io, setExit: (code: number) => void): Command {
  const anomalies = program
    .command('anomalies')
    .description(
      'List, inspect and triage anomalies (assign, investigate, resolve, false-positive, reopen).',
    );

  anomalies
    .command('list')
    .description('Anomalies to deal with (default: OPEN and INVESTIGATING), most severe first, oldest first.')
    .option('--severity <severity>', `one of ${[...SEVERITIES].reverse().join(', ')}`, parseSeverity)
    .option('--type <type>', 'ANO-01 … ANO-07 or its name (MISSING_PAYMENT …)', parseType)
    .option('--shop <id>', 'shop id', parseShop)
    .option('--status <status>', `${ANOMALY_STATUSES.join(', ')} (comma-separated) or all`, parseStatuses)
    .option('--sla <sla>', SLA_STATUSES.join(' or '), parseSla)
    .option('--json', 'print the anomalies as JSON')
    .action(
      async (opts: {
        severity?: Severity;
        type?: AnomalyType;
        shop?: string;
        status?: AnomalyStatus[];
        sla?: SlaStatus;
        json?: boolean;
      }) => {
        const filters: ListFilters = {
          ...(opts.severity ? { severity: opts.severity } : {}),
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.shop ? { shopId: opts.shop } : {}),
          ...(opts.status ? { statuses: opts.status } : {}),
          ...(opts.sla ? { sla: opts.sla } : {}),
        };
        const rows = await withApp(io, (app) => listAnomalies(app.warehouse, filters));
        if (opts.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
        else io.out(`${renderAnomalyList(rows)}\n`);
        setExit(EXIT.OK);
      },
    );

  anomalies
    .command('show')
    .description('One anomaly with its source rows side by side and its history.')
    .argument('<id>', 'anomaly id, e.g. ANO-01:123456')
    .option('--json', 'print the anomaly, its sources and events as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const detail = await withApp(io, (app) => showAnomaly(app.warehouse, id));
      if (opts.json) io.out(`${JSON.stringify(detail, null, 2)}\n`);
      else io.out(`${renderAnomalyDetail(detail)}\n`);
      setExit(EXIT.OK);
    });

  const triage = (
    name: TriageAction,
    description: string,
    run: (app: App, id: string, opts: TriageOpts) => Promise<TriageResult>,
    options: { noteRequired?: boolean; to?: boolean } = {},
  ) => {
    const cmd = anomalies.command(name).description(description).argument('<id>', 'anomaly id');
    if (options.to) cmd.requiredOption('--to <name>', 'the person to assign it to');
    if (options.noteRequired) cmd.requiredOption('--note <text>', 'why (required)');
    else cmd.option('--note <text>', 'a note for the audit trail');
    cmd
      .option('--by <name>', 'who does it (default: the OS user)', defaultActor())
      .option('--json', 'print the result as JSON')
      .action(async (id: string, opts: TriageOpts) => {
        const result = await withApp(io, (app) => run(app, id, opts));
        if (opts.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
        else if (name === 'assign')
          io.out(`${result.anomalyId}: assigned to ${opts.to ?? ''} by ${opts.by} (${result.toStatus})\n`);
        else io.out(`${result.anomalyId}: ${result.fromStatus} → ${result.toStatus} by ${opts.by}\n`);
        setExit(EXIT.OK);
      });
  };
  const input = (o: TriageOpts) => ({ by: o.by, ...(o.note === undefined ? {} : { note: o.note }) });
  triage(
    'assign',
    'Assign an open anomaly to someone (status unchanged).',
    (app, id, o) => assign(app.warehouse, id, { ...input(o), to: o.to ?? '' }),
    { to: true },
  );
  triage('investigate', 'OPEN → INVESTIGATING.', (app, id, o) => investigate(app.warehouse, id, input(o)));
  triage(
    'resolve',
    'OPEN | INVESTIGATING → RESOLVED (a note saying how is required).',
    (app, id, o) => resolve(app.warehouse, id, input(o)),
    { noteRequired: true },
  );
  triage(
    'false-positive',
    'OPEN | INVESTIGATING → FALSE_POSITIVE (a note saying why is required).',
    (app, id, o) => falsePositive(app.warehouse, id, input(o)),
    { noteRequired: true },
  );
  triage('reopen', 'INVESTIGATING | RESOLVED | FALSE_POSITIVE | AUTO_RESOLVED → OPEN.', (app, id, o) =>
    reopen(app.warehouse, id, input(o)),
  );
  return anomalies;
}
