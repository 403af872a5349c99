/**
 * Translating driver errors (pg, PGlite, Node sockets) into the core error classes at the adapter
 * boundary: connection loss and serialization failures become {@link WarehouseTransientError}
 * (retried by the pipeline), everything else {@link WarehouseError} with the SQLSTATE and, when
 * known, the SQL model. Messages never carry a connection password.
 */
import { modelNameOf } from '@recon/sql';
import { ReconError, WarehouseError, WarehouseTransientError } from '../errors.ts';

/** SQLSTATEs that are transient: connection exceptions, admin shutdown, serialization, deadlock. */
export function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '40001' ||
    code === '40P01' ||
    code === '53300'
  );
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

const TRANSIENT_MESSAGES =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Connection ended/i;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.length > 0) return code;
  // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const c = codeOf(inner);
      if (c) return c;
    }
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.message) return error.message;
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors.map(messageOf).join('; ');
    return error.name;
  }
  return String(error);
}

/** Replace every occurrence of each secret (and its URL-encoded form) with `****`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('****');
  }
  return out;
}

/** A connection URL with its password replaced by `****` (unparseable input is fully masked). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:****@');
  }
}

/** Where a failing statement came from, for the error context. */
export interface ErrorSite {
  /** 'postgres' | 'pglite'. */
  dialect: string;
  /** The statement text (compiled), when a statement failed. */
  sql?: string;
  /** The SQL model file; looked up from the statement text when omitted. */
  model?: string;
  /** What was being done when no statement is involved ('connect', 'copy', …). */
  operation?: string;
  /** Secrets that must not appear in messages (the connection password). */
  secrets?: readonly string[];
}

/**
 * Map any thrown value to a {@link WarehouseTransientError} or {@link WarehouseError}. Core errors
 * pass through unchanged (they are already mapped).
 */
export function mapWarehouseError(error: unknown, site: ErrorSite): ReconError {
  if (error instanceof ReconError) return error;
  const secrets = site.secrets ?? [];
  const code = codeOf(error);
  const model = site.model ?? (site.sql === undefined ? undefined : modelNameOf(site.sql));
  const raw = redact(messageOf(error), secrets);
  const detail = (error as { detail?: unknown } | null)?.detail;
  const context: Record<string, unknown> = { dialect: site.dialect };
  if (code !== undefined) context['sqlstate'] = code;
  if (model !== undefined) context['model'] = model;
  if (site.operation !== undefined) context['operation'] = site.operation;
  if (typeof detail === 'string') context['detail'] = redact(detail, secrets);
  if (site.sql !== undefined)
    context['statement'] = site.sql.length > 500 ? `${site.sql.slice(0, 500)}…` : site.sql;
  const where = model === undefined ? '' : ` in ${model}`;
  const transient =
    (code !== undefined && (isTransientSqlState(code) || TRANSIENT_NODE_CODES.has(code))) ||
    (code === undefined && TRANSIENT_MESSAGES.test(raw));
  // The original error is kept as the cause only when it cannot leak a secret in its message.
  const causeSafe = secrets.every((s) => !s || !messageOf(error).includes(s));
  const cause = causeSafe ? error : undefined;
  if (transient) {
    return new WarehouseTransientError(
      `${site.dialect} warehouse unavailable${where}${code ? ` [${code}]` : ''}: ${raw}`,
      { cause, context },
    );
  }
  return new WarehouseError(
    `${site.dialect} statement failed${where}${code ? ` [SQLSTATE ${code}]` : ''}: ${raw}`,
    {
      cause,
      context,
    },
  );
}
