import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { LimitExceededError } from './limit-errors.js';

export interface FormatErrorConfig {
  /** false in production: internal messages and stack traces are replaced. */
  readonly errorDetails: boolean;
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
 * Apollo wraps validation-rule errors as GRAPHQL_VALIDATION_FAILED; a gateway limit keeps its own
 * code. In production an error without a client-meaningful code loses its message and stack.
 */
export function createFormatError(config: FormatErrorConfig): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const limit = limitErrorOf(error);
    if (limit !== undefined) {
      // `http` is Apollo's instruction for the status line, never part of the answer.
      const { http: _http, ...limitExtensions } = limit.extensions;
      return { ...formatted, extensions: { ...formatted.extensions, ...limitExtensions, code: limit.code } };
    }
    const code = errorCodeOf(formatted);
    if (!config.errorDetails && (code === undefined || code === 'INTERNAL_SERVER_ERROR')) {
      const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { message: 'internal server error', ...(formatted.path === undefined ? {} : { path: formatted.path }), extensions: { ...extensions, code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
