import { GraphQLError } from 'graphql';
import { asGraphQLError, createFormatError, errorCodeOf } from './format-error';
import { LimitExceededError } from '../limits/limit-errors';

describe('formatError', () => {
  it("keeps a limit code through Apollo's validation wrapping", () => {
    const limit = new LimitExceededError('DEPTH_LIMIT_EXCEEDED', 'too deep', { actual: 9, max: 5 });
    const wrapped = new GraphQLError(limit.message, { originalError: limit, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const formatted = createFormatError({ errorDetails: false })(wrapped.toJSON(), wrapped);
    expect(formatted.extensions).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', max: 5, actual: 9 });
  });

  it('hides internal messages and stack traces in production', () => {
    const error = new GraphQLError('connect ECONNREFUSED 10.0.0.7:3306', { extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at secret.ts:1'] } });
    const formatted = createFormatError({ errorDetails: false })(error.toJSON(), error);
    expect(formatted).toEqual({ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  // WebSocket and SSE refusals (a cost limit, a trusted document) reached clients with `http` in extensions.
  it.each([
    ['a limit', new LimitExceededError('COST_LIMIT_EXCEEDED', 'too costly', { estimatedCost: 9, maxCost: 5 }, [], 400)],
    ['a refusal with a code', new GraphQLError('not trusted', { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 403 } } })],
  ])("never answers Apollo's `http` instruction (%s)", (_name, error) => {
    for (const errorDetails of [false, true]) {
      const formatted = createFormatError({ errorDetails })(error.toJSON(), error);
      expect(formatted.extensions?.['code']).toEqual(expect.any(String));
      expect(formatted.extensions).not.toHaveProperty('http');
    }
  });

  it('keeps client-meaningful errors and, outside production, details', () => {
    const error = new GraphQLError('insufficient funds', { extensions: { code: 'INSUFFICIENT_FUNDS' } });
    expect(createFormatError({ errorDetails: false })(error.toJSON(), error)).toEqual(error.toJSON());
    const internal = new GraphQLError('boom', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(createFormatError({ errorDetails: true })(internal.toJSON(), internal).message).toBe('boom');
  });
});

describe('formatError on caller mistakes Apollo Server reports without a code', () => {
  it.each([
    ['provided sha does not match query', 'PERSISTED_QUERY_HASH_MISMATCH'],
    ['Unsupported persisted query version', 'BAD_REQUEST'],
  ])('"%s" → %s, in production too', (message, code) => {
    const error = new GraphQLError(message, { extensions: { http: { status: 400 } } });
    for (const errorDetails of [false, true]) {
      const formatted = createFormatError({ errorDetails })({ message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
      expect(formatted).toMatchObject({ message, extensions: { code } });
    }
  });

  it('leaves an error with its own code alone', () => {
    const error = new GraphQLError('provided sha does not match query', { extensions: { code: 'SOMETHING_ELSE' } });
    expect(createFormatError({ errorDetails: false })(error.toJSON(), error).extensions?.['code']).toBe('SOMETHING_ELSE');
  });
});

describe('formatError on errors it did not expect', () => {
  const production = createFormatError({ errorDetails: false });
  it.each([
    ['no extensions', { message: 'socket hang up' }, new Error('socket hang up')],
    ['no original error', { message: 'x' }, undefined],
    ['a string as original error', { message: 'x' }, 'x'],
    ['null as original error', { message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, null],
    ['a non-string code', { message: 'x', extensions: { code: 42 } }, {}],
  ])('masks, never throws, with %s', (_name, formatted, error) => {
    expect(production(formatted, error)).toEqual({ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});

describe('errorCodeOf and asGraphQLError', () => {
  it('read anything an errors list may hold', () => {
    expect(errorCodeOf(new GraphQLError('x', { extensions: { code: 'NOT_FOUND' } }))).toBe('NOT_FOUND');
    expect([new Error('x'), null, undefined, 'x', 7, { extensions: null }].map(errorCodeOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(asGraphQLError(new Error('socket hang up')).toJSON()).toEqual({ message: 'socket hang up' });
    expect(asGraphQLError('boom').message).toBe('boom');
    expect(asGraphQLError({}).message).toBe('unexpected error');
  });
});
