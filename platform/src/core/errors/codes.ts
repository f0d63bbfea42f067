/** Every error code a caller can see. Shared by subgraphs, gateway and SDK (see shared API.md). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** `balance(minVersion)` waited its maximum and the read model has not reached that version (retriable). */
  MIN_VERSION_TIMEOUT: 'MIN_VERSION_TIMEOUT',
  /** `balanceUpdated(afterVersion)` asked to resume before the oldest retained version (not retriable: resync). */
  RESUME_POINT_EXPIRED: 'RESUME_POINT_EXPIRED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status used by the REST adapters for each code. */
export const httpStatusByCode: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INSUFFICIENT_FUNDS: 400,
  IDEMPOTENCY_KEY_REUSED: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
  MIN_VERSION_TIMEOUT: 503,
  RESUME_POINT_EXPIRED: 410,
};
