/**
 * WeCom webhook URLs: where they come from (environment variables locally, SecureString
 * parameters in AWS), how they are validated, and how they are shown. A webhook URL carries its
 * secret in the query (`…/webhook/send?key=…`), so nothing here ever prints a URL as given: errors
 * name the variable, and {@link redactUrl} keeps only scheme, host and path.
 */
import { NotifyConfigError } from './errors.ts';

/** The two WeCom channels of the design (seed phase 4 §8.3, §13.3). */
export type WecomChannel = 'critical' | 'warning';

/** Local environment variable of each channel's webhook URL. */
export const WECOM_WEBHOOK_ENV: Readonly<Record<WecomChannel, string>> = {
  critical: 'RECON_WECOM_CRITICAL_WEBHOOK',
  warning: 'RECON_WECOM_WARNING_WEBHOOK',
};

/**
 * SecureString parameter of each channel's webhook URL in AWS, relative to the parameter root
 * (`/recon/` by default; seed Appendix B): the deployed side resolves these and passes the URLs in.
 */
export const WECOM_WEBHOOK_PARAMETERS: Readonly<Record<WecomChannel, string>> = {
  critical: 'alerting/wecom_critical_webhook',
  warning: 'alerting/wecom_warning_webhook',
};

/** Channel names as the design's routing tables write them. */
export const WECOM_CHANNEL_NAMES: Readonly<Record<WecomChannel, string>> = {
  critical: 'wecom-critical',
  warning: 'wecom-warning',
};

/** Hosts for which plain http is accepted: a local stand-in for the webhook in tests. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parse and check a webhook URL: https, or http to 127.0.0.1/localhost only (a local stand-in),
 * no user or password part.
 * @param what how to name the URL in an error (a variable or parameter name), never its value.
 * @throws NotifyConfigError naming `what` and the problem, without echoing the URL.
 */
export function checkWebhookUrl(url: string, what: string): URL {
  const text = url.trim();
  if (text === '') throw new NotifyConfigError(`${what} is empty; set it to the webhook URL (https://…)`);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new NotifyConfigError(`${what} is not a valid URL; expected https://host/path?key=…`);
  }
  if (parsed.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(parsed.hostname)) {
      throw new NotifyConfigError(
        `${what} must be an https:// URL (plain http is accepted only for 127.0.0.1 or localhost)`,
      );
    }
  } else if (parsed.protocol !== 'https:') {
    throw new NotifyConfigError(`${what} must be an https:// URL, not ${parsed.protocol}//…`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new NotifyConfigError(`${what} must not carry a user name or password`);
  }
  return parsed;
}

/**
 * A URL safe to print: scheme, host and path, the query (where WeCom keeps the key) replaced by
 * `?…`. Anything unparseable is shown as `<invalid URL>`.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '<invalid URL>';
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search ? '?…' : ''}`;
}

/** Webhook URLs per channel; an absent channel is not configured. */
export interface WecomWebhooks {
  critical?: string;
  warning?: string;
}

/**
 * The webhook URLs of the local environment (`RECON_WECOM_CRITICAL_WEBHOOK`,
 * `RECON_WECOM_WARNING_WEBHOOK`), each validated; unset or blank means not configured.
 * @throws NotifyConfigError naming the variable whose value is malformed.
 */
export function webhooksFromEnv(env: NodeJS.ProcessEnv): WecomWebhooks {
  const out: WecomWebhooks = {};
  for (const channel of ['critical', 'warning'] as const) {
    const name = WECOM_WEBHOOK_ENV[channel];
    const value = env[name]?.trim();
    if (!value) continue;
    checkWebhookUrl(value, name);
    out[channel] = value;
  }
  return out;
}
