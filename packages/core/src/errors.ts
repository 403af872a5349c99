/**
 * Errors of the core package. Every error has a stable `name`: Step Functions Retry/Catch
 * rules in the pipeline definition match on it, so renaming one is a breaking change.
 */
export class ReconError extends Error {
  readonly context: Record<string, unknown>;
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReconError';
    this.context = options.context ?? {};
  }
}

/** Bad command-line usage or invalid argument value (CLI exit code 2). */
export class UsageError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A setting failed validation; the message names the key and its source. */
export class SettingsError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

/** A connection URL is malformed or names an unsupported scheme. */
export class ConnectionConfigError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'ConnectionConfigError';
  }
}

/** Transient failure talking to a source database (connect refused, reset, timeout): retried. */
export class SourceConnectionError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'SourceConnectionError';
  }
}

/** A source query failed for a non-transient reason (missing table/column, permission). */
export class SourceQueryError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'SourceQueryError';
  }
}

/** Writing or reading the staging area failed (retried with linear backoff). */
export class StagingIOError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'StagingIOError';
  }
}

/** Transient warehouse failure (connection lost, serialization failure): retried. */
export class WarehouseTransientError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'WarehouseTransientError';
  }
}

/** A warehouse statement failed; `context.model` names the SQL model when there is one. */
export class WarehouseError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'WarehouseError';
  }
}

/** The pipeline execution failed; carries the failing state and the cause. */
export class PipelineError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'PipelineError';
  }
}

/**
 * Another run holds the business date's lease (it is reconciling that date right now): this run
 * is refused, changes nothing and is not recorded. Never retried.
 */
export class RunInProgressError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'RunInProgressError';
  }
}

/** A lease operation asked for does not apply (the date is held by another run, or by none). */
export class LeaseError extends ReconError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'LeaseError';
  }
}

/** Short, single-line description of any thrown value, safe for logs (no stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
