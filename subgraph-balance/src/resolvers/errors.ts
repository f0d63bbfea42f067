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

/** Largest version a GraphQL Int (and the wallet's signed INT column) can carry. */
export const VERSION_MAX = 2_147_483_647;

/** `afterVersion` / `minVersion`: absent, or an integer in 0..VERSION_MAX; anything else is the caller's mistake. */
export function parseVersionArg(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > VERSION_MAX) {
    throw toGraphQLError(new BadUserInputError(`${field} must be an integer from 0 to ${VERSION_MAX}`, { details: { field } }));
  }
  return value;
}
