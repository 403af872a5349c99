/**
 * Errors of the notification channels (WeCom webhooks, SES email). Messages never contain a
 * webhook's key or any other secret part of a URL: they name the variable or parameter instead.
 */
import { ConnectionConfigError, ReconError } from '../errors.ts';

/** A webhook URL, sender or recipient list is missing or malformed (CLI exit code 2). */
export class NotifyConfigError extends ConnectionConfigError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'NotifyConfigError';
  }
}

/** A message could not be delivered (after the retries the channel allows). */
export class NotifyError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'NotifyError';
  }
}
