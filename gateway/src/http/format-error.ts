import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { AppError, ErrorCode } from '@walletgraph/platform';
import { LimitExceededError } from './limit-errors.js';

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

function limitErrorOf(error: unknown): LimitExceededError | undefined {
  if (error instanceof LimitExceededError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof LimitExceededError) return error.originalError;
  return undefined;
}

/**
 * Apollo wraps validation-rule errors as GRAPHQL_VALIDATION_FAILED; a gateway limit keeps its own
 * code. In production an error without a client-meaningful code loses its message and stack.
 */
export function createFormatError(config: FormatErrorConfig): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const limit = limitErrorOf(error);
    if (limit !== undefined) {
      return { ...formatted, extensions: { ...formatted.extensions, ...limit.extensions, code: limit.code } };
    }
    if (isScalarInputRefusal(error)) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
    const code = formatted.extensions?.['code'];
    if (!config.errorDetails && (code === undefined || code === 'INTERNAL_SERVER_ERROR')) {
      const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { message: 'internal server error', ...(formatted.path === undefined ? {} : { path: formatted.path }), extensions: { ...extensions, code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
