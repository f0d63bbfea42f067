import { BadUserInputError, isAppError } from '@walletgraph/platform/core';
import { GraphQLError } from 'graphql';

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** AppErrors become GraphQL errors carrying their code; anything else is rethrown (a bug). */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  if (isAppError(error)) {
    return new GraphQLError(error.message, { extensions: { code: error.code, ...(error.details ?? {}) }, originalError: error });
  }
  return error;
}

/** Account ids are UUIDs; anything else is the caller's mistake. Returns the canonical (lower-case) id. */
export function parseAccountId(value: unknown, field = 'accountId'): string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    throw toGraphQLError(new BadUserInputError(`${field} must be a UUID`, { details: { field } }));
  }
  return value.toLowerCase();
}
