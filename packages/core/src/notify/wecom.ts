/**
 * The WeCom group-robot webhook client: one markdown message per call,
 * `POST {"msgtype":"markdown","markdown":{"content":…}}`, retried with exponential backoff on
 * network errors, HTTP 5xx/429 and answers whose `errcode` is not 0, a bounded number of times.
 *
 * Delivery failures are returned, not thrown, so a caller that must never fail because of a
 * message (the end-of-run alerts) does not need a try/catch around the network; bad input (a
 * malformed URL, empty or oversized content) is a programming or configuration error and throws.
 * Nothing here logs, and no error text contains the webhook URL or its key.
 */
import { NotifyConfigError } from './errors.ts';
import { checkWebhookUrl, redactUrl } from './webhook-url.ts';

/** WeCom refuses markdown content longer than 4,096 bytes (UTF-8). */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;

/** Size of `text` in UTF-8 bytes (what WeCom's limit counts). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** What an HTTP POST answered: the status and the body as text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * The HTTP transport: POST `body` (JSON) to `url`, giving up after `timeoutMs`. Injected in tests;
 * rejects on network errors and timeouts.
 */
export type HttpPost = (url: string, body: string, init: { timeoutMs: number }) => Promise<HttpAnswer>;

/** The default transport over the global fetch. Redirects are not followed (a webhook never redirects). */
export const fetchPost: HttpPost = async (url, body, { timeoutMs }) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, body: await response.text() };
};

/** Options of {@link postWecomMarkdown}. */
export interface WecomPostOptions {
  /** Transport (default: fetch). */
  post?: HttpPost;
  /** Wait between attempts (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts in all, first included (default 4, at most 10). */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled before each next one (default 1,000 ms). */
  backoffMs?: number;
  /** Per-attempt timeout (default 10,000 ms). */
  timeoutMs?: number;
}

/** What a delivery came to. `error` (set when not ok) never contains the URL's key. */
export interface WecomDelivery {
  ok: boolean;
  attempts: number;
  error: string | null;
}

/** Defaults of {@link WecomPostOptions}. */
export const WECOM_DEFAULTS = { maxAttempts: 4, backoffMs: 1000, timeoutMs: 10_000 } as const;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The request body WeCom expects for a markdown message. */
export function wecomMarkdownBody(content: string): string {
  return JSON.stringify({ msgtype: 'markdown', markdown: { content } });
}

/**
 * Replace the URL, its query and its key wherever they appear (errors of a transport, and a
 * server's answer, may quote them). Done before any text is cut short: a cut could split a key,
 * leaving a part of it that no longer matches.
 */
function redactKey(text: string, url: URL): string {
  let out = text;
  const secrets = [url.href, url.search.slice(1), ...[...url.searchParams.values()]].filter(
    (s) => s.length >= 4,
  );
  for (const secret of secrets.sort((a, b) => b.length - a.length)) out = out.split(secret).join('…');
  return out;
}

/** {@link redactKey}, then cut to 300 characters. */
function scrub(text: string, url: URL): string {
  const out = redactKey(text, url);
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

type AttemptResult = { ok: true } | { ok: false; retry: boolean; error: string };

/** What an answer means; `url` is redacted from the server's `errmsg` before it is cut short. */
function judge(answer: HttpAnswer, url: URL): AttemptResult {
  if (answer.status >= 500 || answer.status === 429) {
    return { ok: false, retry: true, error: `HTTP ${answer.status}` };
  }
  if (answer.status < 200 || answer.status > 299) {
    // 3xx/4xx will not change on a retry (wrong path, refused request).
    return { ok: false, retry: false, error: `HTTP ${answer.status}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return { ok: false, retry: true, error: 'the answer is not JSON' };
  }
  const errcode = (parsed as { errcode?: unknown } | null)?.errcode;
  if (errcode === 0) return { ok: true };
  const errmsg = (parsed as { errmsg?: unknown } | null)?.errmsg;
  return {
    ok: false,
    retry: true,
    error: `errcode ${String(errcode)}${typeof errmsg === 'string' ? ` (${redactKey(errmsg, url).slice(0, 120)})` : ''}`,
  };
}

function positive(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new NotifyConfigError(`${name} must be a whole number from 0 to ${max}, got ${value}`);
  }
  return value;
}

/**
 * Post one markdown message to a WeCom webhook, retrying as described in the module comment.
 * Resolves with the number of attempts and, on failure, the last error (never the key).
 * @throws NotifyConfigError when the URL is malformed, the content is empty or longer than
 *   {@link WECOM_MARKDOWN_MAX_BYTES}, or an option is out of range — before anything is sent.
 */
export async function postWecomMarkdown(
  url: string,
  content: string,
  options: WecomPostOptions = {},
): Promise<WecomDelivery> {
  const parsed = checkWebhookUrl(url, 'the WeCom webhook URL');
  if (content.trim() === '') throw new NotifyConfigError('a WeCom markdown message cannot be empty');
  const bytes = utf8Bytes(content);
  if (bytes > WECOM_MARKDOWN_MAX_BYTES) {
    throw new NotifyConfigError(
      `a WeCom markdown message is at most ${WECOM_MARKDOWN_MAX_BYTES} bytes; this one has ${bytes}`,
    );
  }
  const maxAttempts = positive(options.maxAttempts ?? WECOM_DEFAULTS.maxAttempts, 'maxAttempts', 10);
  if (maxAttempts < 1) throw new NotifyConfigError('maxAttempts must be at least 1');
  const backoffMs = positive(options.backoffMs ?? WECOM_DEFAULTS.backoffMs, 'backoffMs', 60_000);
  const timeoutMs = positive(options.timeoutMs ?? WECOM_DEFAULTS.timeoutMs, 'timeoutMs', 120_000);
  const post = options.post ?? fetchPost;
  const sleep = options.sleep ?? realSleep;
  const body = wecomMarkdownBody(content);
  const where = redactUrl(parsed);

  let lastError = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(backoffMs * 2 ** (attempt - 2));
    let result: AttemptResult;
    try {
      result = judge(await post(parsed.href, body, { timeoutMs }), parsed);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const detail = [error instanceof Error ? error.message : String(error)];
      if (cause instanceof Error && cause.message) detail.push(cause.message);
      result = { ok: false, retry: true, error: `network error: ${detail.join(': ')}` };
    }
    if (result.ok) return { ok: true, attempts: attempt, error: null };
    lastError = scrub(result.error, parsed);
    if (!result.retry) {
      return { ok: false, attempts: attempt, error: `WeCom webhook ${where}: ${lastError}` };
    }
  }
  return {
    ok: false,
    attempts: maxAttempts,
    error: `WeCom webhook ${where}: ${lastError} (gave up after ${maxAttempts} attempts)`,
  };
}

/**
 * Fit a message into `maxBytes`: the `head` and `tail` always, then as many `items` lines as fit,
 * in order, followed by "…and N more" when some were left out. Items are joined by newlines.
 * Returns the text and how many items were left out.
 * @throws NotifyConfigError when head, tail and the "more" line alone exceed the budget.
 */
export function fitLines(
  head: string,
  items: readonly string[],
  tail: string,
  options: { maxBytes?: number; more?: (n: number) => string; total?: number } = {},
): { text: string; shown: number; leftOut: number } {
  const maxBytes = options.maxBytes ?? WECOM_MARKDOWN_MAX_BYTES;
  const total = options.total ?? items.length;
  const more = options.more ?? ((n: number) => `…and ${n} more`);
  const join = (lines: string[]) => [head, ...lines, tail].filter((p) => p !== '').join('\n');
  const shownLines: string[] = [];
  for (const item of items) {
    const leftAfter = total - shownLines.length - 1;
    const candidate = [...shownLines, item, ...(leftAfter > 0 ? [more(leftAfter)] : [])];
    if (utf8Bytes(join(candidate)) > maxBytes) break;
    shownLines.push(item);
  }
  const leftOut = total - shownLines.length;
  const text = join(leftOut > 0 ? [...shownLines, more(leftOut)] : shownLines);
  if (utf8Bytes(text) > maxBytes) {
    throw new NotifyConfigError(
      `the message does not fit ${maxBytes} bytes even without its list (${utf8Bytes(text)} bytes)`,
    );
  }
  return { text, shown: shownLines.length, leftOut };
}
