import { ErrorCode } from './codes.js';

export interface AppErrorOptions {
  readonly cause?: unknown;
  /** Extra fields a caller may read (e.g. which field was invalid). Never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error base class: a stable `code`, a human message, and a `retriable` flag that
 * retry helpers read (and nothing else). Operating errors are AppErrors; anything else is a bug.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, retriable: boolean, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
    this.details = options.details;
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(ErrorCode.BAD_USER_INPUT, message, false, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(ErrorCode.NOT_FOUND, message, false, options);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(ErrorCode.CONFLICT, message, false, options);
  }
}

export class InsufficientFundsError extends AppError {
  constructor(options?: AppErrorOptions) {
    super(ErrorCode.INSUFFICIENT_FUNDS, 'insufficient funds', false, options);
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor(options?: AppErrorOptions) {
    super(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'idempotency key was already used with a different input', false, options);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'authentication required', options?: AppErrorOptions) {
    super(ErrorCode.UNAUTHENTICATED, message, false, options);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'forbidden', options?: AppErrorOptions) {
    super(ErrorCode.FORBIDDEN, message, false, options);
  }
}

/** A dependency (database, broker) is unreachable or overloaded: the caller may retry later. */
export class UnavailableError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, true, options);
  }
}

/** Configuration is invalid: fatal at start-up, never retried. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function isRetriable(error: unknown): boolean {
  return error instanceof AppError ? error.retriable : false;
}

/** A broken invariant is a bug: fail loudly, never handle. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
