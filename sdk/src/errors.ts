/**
 * Codes the API puts in `extensions.code` (see API.md and the gateway's limit and subscription
 * codes). A code the SDK does not know arrives as `UNKNOWN`, with the raw value in `apiCode`.
 */
export const ApiErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  FIELD_LIMIT_EXCEEDED: 'FIELD_LIMIT_EXCEEDED',
  BATCH_LIMIT_EXCEEDED: 'BATCH_LIMIT_EXCEEDED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  SUBSCRIPTION_SLOW_CONSUMER: 'SUBSCRIPTION_SLOW_CONSUMER',
  /** The caller holds the gateway's maximum of WebSocket connections (close 1013), or the gateway its own (HTTP 503 at the upgrade). */
  CONNECTION_LIMIT_EXCEEDED: 'CONNECTION_LIMIT_EXCEEDED',
  /** Too many mutations for this identity; `extensions.retryAfterMs` says when the next one fits. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The operation's estimated cost is over the gateway's maximum; `extensions.estimatedCost`, `extensions.maxCost`. */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  /** The gateway runs only trusted documents for this caller, and this one is not in its manifest. */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** A document sent by id that the gateway does not know. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** `balance(minVersion)` waited the server's maximum and the read model has not reached that version yet: retry. */
  MIN_VERSION_TIMEOUT: 'MIN_VERSION_TIMEOUT',
  /** `balanceUpdated(afterVersion)` asked for versions the history no longer keeps: read the balance again and subscribe from it. */
  RESUME_POINT_EXPIRED: 'RESUME_POINT_EXPIRED',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** Codes the SDK itself assigns: the request never got a GraphQL answer, or got an unreadable one. */
export const ClientErrorCode = {
  NETWORK_ERROR: 'NETWORK_ERROR',
  BAD_RESPONSE: 'BAD_RESPONSE',
  UNKNOWN: 'UNKNOWN',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export type WalletErrorCode = ApiErrorCode | ClientErrorCode;

/** Codes worth retrying: the server could not serve now, not "no". */
const retriableApiCodes: ReadonlySet<WalletErrorCode> = new Set<WalletErrorCode>([
  ApiErrorCode.SERVICE_UNAVAILABLE,
  ApiErrorCode.SUBSCRIPTION_SLOW_CONSUMER,
  ApiErrorCode.MIN_VERSION_TIMEOUT,
]);

const knownCodes: ReadonlySet<string> = new Set<string>([...Object.values(ApiErrorCode), ...Object.values(ClientErrorCode)]);

/** One GraphQL error as the server sent it, after parsing. */
export interface WalletGraphQLError {
  readonly message: string;
  readonly code: string | undefined;
  readonly path: readonly (string | number)[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
}

export interface WalletErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** The raw `extensions.code`, when it differs from `code` (an unknown code) or for reference. */
  readonly apiCode?: string;
  readonly errors?: readonly WalletGraphQLError[];
  readonly httpStatus?: number;
}

/**
 * The SDK's one error class. `code` is a closed union, so callers can `switch` on it;
 * `retriable` is the only thing retry decisions read.
 */
export class WalletError extends Error {
  readonly code: WalletErrorCode;
  readonly retriable: boolean;
  readonly apiCode: string | undefined;
  /** Every GraphQL error of the response (the first one gave `code`). Empty for client-side errors. */
  readonly errors: readonly WalletGraphQLError[];
  readonly httpStatus: number | undefined;

  constructor(code: WalletErrorCode, message: string, options: WalletErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WalletError';
    this.code = code;
    this.retriable = options.retriable ?? retriableApiCodes.has(code);
    this.apiCode = options.apiCode;
    this.errors = options.errors ?? [];
    this.httpStatus = options.httpStatus;
  }
}

/** The request did not reach the API or got no GraphQL answer (fetch failure, timeout, 5xx). */
export class NetworkError extends WalletError {
  /** True when no answer came within `requestTimeoutMs` (the request may still have taken effect). */
  readonly timedOut: boolean;

  constructor(message: string, options: Omit<WalletErrorOptions, 'errors' | 'apiCode'> & { readonly timedOut?: boolean } = {}) {
    const { timedOut = false, ...rest } = options;
    super(ClientErrorCode.NETWORK_ERROR, message, { retriable: true, ...rest });
    this.name = 'NetworkError';
    this.timedOut = timedOut;
  }
}

export function isWalletError(error: unknown): error is WalletError {
  return error instanceof WalletError;
}

/** True when the API refused the operation (it was understood and answered "no"). */
export function isRefusal(error: unknown): error is WalletError {
  return error instanceof WalletError && !(error instanceof NetworkError) && error.code !== ClientErrorCode.BAD_RESPONSE;
}

export function toWalletErrorCode(apiCode: string | undefined): WalletErrorCode {
  return apiCode !== undefined && knownCodes.has(apiCode) ? (apiCode as WalletErrorCode) : ClientErrorCode.UNKNOWN;
}

/** Builds the error for a GraphQL response whose `errors` list is not empty. */
export function walletErrorFromGraphQL(errors: readonly WalletGraphQLError[], httpStatus?: number): WalletError {
  const first = errors[0];
  if (first === undefined) throw new Error('walletErrorFromGraphQL: empty errors list');
  const code = toWalletErrorCode(first.code);
  return new WalletError(code, first.message, {
    errors,
    ...(first.code === undefined ? {} : { apiCode: first.code }),
    ...(httpStatus === undefined ? {} : { httpStatus }),
  });
}
