/**
 * The boundary between the AWS SDK and the operations of the deployed pipeline: throttled calls
 * are retried with backoff, every other SDK error becomes one {@link AwsOperationError} with a
 * one-line message that says what to do (no stack traces, no SDK types past this module).
 */
import { ReconError } from '../errors.ts';

/** Waiting and the clock, injected so tests run polling loops instantly on a virtual clock. */
export interface Clock {
  /** Wait `ms` milliseconds. */
  sleep: (ms: number) => Promise<void>;
  /** The current time in epoch milliseconds. */
  now: () => number;
}

/** The real clock: a timer and `Date.now`. */
export const SYSTEM_CLOCK: Clock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** Polling backoff: the first wait, the growth factor, and the longest wait (ms). */
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

/**
 * DescribeExecution polling: 2 s, ×1.5, at most 15 s. A pipeline run takes minutes, so the
 * first polls are quick (short runs and early failures show at once) and later ones stay well
 * inside the account's DescribeExecution rate even with ten executions followed at once.
 */
export const POLL_BACKOFF: Backoff = Object.freeze({ initialMs: 2_000, factor: 1.5, maxMs: 15_000 });

/** The wait after `ms` under `backoff`. */
export function nextDelay(ms: number, backoff: Backoff = POLL_BACKOFF): number {
  return Math.min(Math.round(ms * backoff.factor), backoff.maxMs);
}

/**
 * An AWS call failed for a reason the user has to act on (credentials, permissions, a stage that
 * is not deployed, an unknown execution). `context.code` is the SDK error name.
 */
export class AwsOperationError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'AwsOperationError';
  }
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The SDK error name (`ExecutionDoesNotExist`, `AccessDeniedException` …) of a thrown value. */
export function sdkErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const e = error as SdkErrorShape;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'Error';
}

function firstLine(error: unknown): string {
  const message =
    typeof error === 'object' && error !== null && typeof (error as SdkErrorShape).message === 'string'
      ? ((error as SdkErrorShape).message as string)
      : String(error);
  const line = message.split('\n')[0]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** True for a throttled request (back off and try again; never a failure of the command). */
export function isThrottlingError(error: unknown): boolean {
  if (THROTTLING.has(sdkErrorName(error))) return true;
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  return status === 429;
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const INVALID_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
]);
const NETWORK_ERRORS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'TimeoutError',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/**
 * Turn an SDK error into a one-line {@link AwsOperationError}. `operation` names the API call
 * (`StartExecution`); `explain` may give a specific message for the error name (return
 * undefined to keep the generic one). Errors that are already ReconErrors pass through.
 */
export function translateAwsError(
  error: unknown,
  operation: string,
  explain?: (name: string, message: string) => string | undefined,
): ReconError {
  if (error instanceof ReconError) return error;
  const name = sdkErrorName(error);
  const message = firstLine(error);
  const context = { operation, code: name };
  const specific = explain?.(name, message);
  if (specific !== undefined) return new AwsOperationError(specific, { cause: error, context });
  if (CREDENTIAL_ERRORS.has(name) || /could not load credentials/i.test(message)) {
    return new AwsOperationError(
      'no AWS credentials found: set AWS_PROFILE (and run `aws sso login` for an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      { cause: error, context },
    );
  }
  if (/region is missing/i.test(message)) {
    return new AwsOperationError('no AWS region configured: pass --region or set AWS_REGION', {
      cause: error,
      context,
    });
  }
  if (NETWORK_ERRORS.has(name) || NETWORK_ERRORS.has(String((error as SdkErrorShape | null)?.code))) {
    return new AwsOperationError(`cannot reach AWS for ${operation} (${name}): ${message}`, {
      cause: error,
      context,
    });
  }
  if (INVALID_CREDENTIALS.has(name)) {
    return new AwsOperationError(
      `the AWS credentials were rejected (${name}): they are invalid or expired; refresh them (for SSO: \`aws sso login\`)`,
      { cause: error, context },
    );
  }
  if (ACCESS_DENIED.has(name) || (error as SdkErrorShape | null)?.$metadata?.httpStatusCode === 403) {
    return new AwsOperationError(`access denied for ${operation}: ${message}`, { cause: error, context });
  }
  return new AwsOperationError(`${operation} failed: ${name}: ${message}`, { cause: error, context });
}

/** What {@link awsCall} needs: the clock to wait on, and optionally a specific error explainer. */
export interface CallOptions {
  clock: Pick<Clock, 'sleep'>;
  /** Give a specific message for an error name, or undefined for the generic one. */
  explain?: (name: string, message: string) => string | undefined;
  /** Throttled attempts before giving up (default 10, about two minutes of backoff). */
  maxThrottledAttempts?: number;
}

/**
 * Run one AWS call: a throttled call is retried after a backoff (2 s ×1.5, at most 15 s) — the
 * SDK's own few quick retries are not enough when ten executions are followed at once — and
 * any other error is translated by {@link translateAwsError}.
 */
export async function awsCall<T>(operation: string, fn: () => Promise<T>, options: CallOptions): Promise<T> {
  const max = options.maxThrottledAttempts ?? 10;
  let delay = POLL_BACKOFF.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (isThrottlingError(error) && attempt < max) {
        await options.clock.sleep(delay);
        delay = nextDelay(delay);
        continue;
      }
      throw translateAwsError(error, operation, options.explain);
    }
  }
}
