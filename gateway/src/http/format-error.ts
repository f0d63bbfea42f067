import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { AppError, ErrorCode } from '@walletgraph/platform/core';
import { LimitExceededError } from '../limits/limit-errors.js';

export interface FormatErrorConfig {
  /** false in production: internal messages and stack traces are replaced. */
  readonly errorDetails: boolean;
}

/**
 * A literal a custom scalar refuses (a float for a Decimal) is a validation error to graphql-js
 * and Apollo (GRAPHQL_VALIDATION_FAILED); the scalar's rule calls it BAD_USER_INPUT, as it is
 * for the same value in a variable, so the caller sees one code for one mistake.
 */
export function isScalarInputRefusal(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  return original instanceof AppError && original.code === ErrorCode.BAD_USER_INPUT;
}

/** `extensions.code` of anything that may sit in an errors list (GraphQLError, plain Error, formatted object). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const extensions = (error as { extensions?: unknown }).extensions;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const code = (extensions as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Any value found in an errors list as a GraphQLError: a subgraph fetch failure reaches the gateway's
 * results as whatever was thrown (an Error without `extensions`, in theory anything).
 */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof Error) return new GraphQLError(error.message, { originalError: error });
  return new GraphQLError(typeof error === 'string' ? error : 'unexpected error');
}

function limitErrorOf(error: unknown): LimitExceededError | undefined {
  if (error instanceof LimitExceededError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof LimitExceededError) return error.originalError;
  return undefined;
}

/**
 * Caller mistakes Apollo Server reports without a code (so they would read INTERNAL_SERVER_ERROR,
 * and be masked in production), by its message. PERSISTED_QUERY_HASH_MISMATCH is the name Apollo
 * Router and most APQ servers give it; Apollo Client's persisted-query link retries only on
 * PERSISTED_QUERY_NOT_FOUND/NOT_SUPPORTED, and resending a wrongly hashed query would not help.
 */
const codeOfApolloClientError: ReadonlyMap<string, string> = new Map([
  ['provided sha does not match query', 'PERSISTED_QUERY_HASH_MISMATCH'],
  ['Unsupported persisted query version', 'BAD_REQUEST'],
]);

function apolloClientErrorCode(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== undefined) return undefined;
  return codeOfApolloClientError.get(error.message);
}

/**
 * Apollo wraps validation-rule errors as GRAPHQL_VALIDATION_FAILED; a gateway limit keeps its own
 * code. In production an error without a client-meaningful code loses its message and stack.
 */
export function createFormatError(config: FormatErrorConfig): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  const format = formatWith(config);
  // `http` is Apollo's instruction for the status line, never part of the answer: Apollo Server
  // takes it out over HTTP, and WebSocket and SSE refusals come through here with it still in.
  return (formatted, error) => {
    const answer = format(formatted, error);
    if (answer.extensions?.['http'] === undefined) return answer;
    const { http: _http, ...extensions } = answer.extensions;
    return { ...answer, extensions };
  };
}

function formatWith(config: FormatErrorConfig): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const limit = limitErrorOf(error);
    if (limit !== undefined) {
      // `http` is Apollo's instruction for the status line, never part of the answer.
      const { http: _http, ...limitExtensions } = limit.extensions;
      return { ...formatted, extensions: { ...formatted.extensions, ...limitExtensions, code: limit.code } };
    }
    const clientErrorCode = apolloClientErrorCode(error);
    if (clientErrorCode !== undefined) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { message: formatted.message, extensions: { ...(config.errorDetails ? formatted.extensions : extensions), code: clientErrorCode } };
    }
    if (isScalarInputRefusal(error)) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
    const code = errorCodeOf(formatted);
    if (!config.errorDetails && (code === undefined || code === 'INTERNAL_SERVER_ERROR')) {
      const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return {
        message: 'internal server error',
        ...(formatted.path === undefined ? {} : { path: formatted.path }),
        extensions: { ...extensions, code: 'INTERNAL_SERVER_ERROR' },
      };
    }
    return formatted;
  };
}
