import { GraphQLError } from 'graphql';
import { InsufficientFundsError } from '@walletgraph/platform/core';
import { formatError } from './errors.js';

describe('formatError', () => {
  it('maps AppErrors to their code and message', () => {
    const error = new GraphQLError('x', { originalError: new InsufficientFundsError(), path: ['createTransaction'] });
    expect(formatError({ message: 'x', path: ['createTransaction'] }, error)).toEqual({
      message: 'insufficient funds',
      path: ['createTransaction'],
      extensions: { code: 'INSUFFICIENT_FUNDS' },
    });
  });

  it('hides unexpected errors behind a generic message without stack or internals', () => {
    const error = new GraphQLError('boom', { originalError: new Error('SELECT secret FROM x failed at file.ts:12'), path: ['q'] });
    const formatted = formatError(
      { message: 'SELECT secret FROM x failed', path: ['q'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at file.ts:12'] } },
      error,
    );
    expect(formatted).toEqual({ message: 'internal server error', path: ['q'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('reports database connection failures as SERVICE_UNAVAILABLE', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const formatted = formatError({ message: 'x' }, new GraphQLError('x', { originalError: cause, path: ['q'] }));
    expect(formatted.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
  });
});
