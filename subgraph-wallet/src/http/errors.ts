import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ErrorCode, isConnectionError } from '@walletgraph/platform/core';

/** Codes Apollo/graphql-js produce for request problems; they carry no internals and pass through. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * Every error a client sees has a stable `extensions.code`; AppErrors keep their message; anything
 * unexpected is replaced by a generic message (no stack, no SQL, no internals). Logging happens in
 * the request plugin, which knows the request id.
 */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return original instanceof AppError || isConnectionError(original);
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = {
    message: formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (original instanceof AppError) {
    const field = original.details?.['field'];
    return { ...base, message: original.message, extensions: { code: original.code, ...(typeof field === 'string' ? { field } : {}) } };
  }
  if (isConnectionError(original)) {
    return { ...base, message: 'database is unavailable; try again shortly', extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) return { ...base, extensions: { code } };
  return { ...base, message: 'internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
