import { NetworkError, WalletError, isRefusal } from '../errors';
import { dataFromHttpResponse } from './response';

function failure(run: () => unknown): WalletError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof WalletError) return error;
    throw error;
  }
  throw new Error('expected a WalletError');
}

describe('dataFromHttpResponse', () => {
  test('returns data', () => {
    expect(dataFromHttpResponse(200, '{"data":{"balance":null}}')).toEqual({ balance: null });
  });

  test.each([
    ['INSUFFICIENT_FUNDS', 200],
    ['BAD_USER_INPUT', 400],
    ['NOT_FOUND', 200],
    ['IDEMPOTENCY_KEY_REUSED', 200],
  ] as const)('a GraphQL error with %s is a refusal with that code', (code, status) => {
    const error = failure(() =>
      dataFromHttpResponse(status, JSON.stringify({ data: null, errors: [{ message: 'no', path: ['x', 0], extensions: { code } }] })),
    );
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(false);
    expect(error.errors[0]?.path).toEqual(['x', 0]);
    expect(isRefusal(error)).toBe(true);
  });

  test('SERVICE_UNAVAILABLE is retriable but still an API answer', () => {
    const error = failure(() => dataFromHttpResponse(200, JSON.stringify({ errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE' } }] })));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.retriable).toBe(true);
    expect(error).not.toBeInstanceOf(NetworkError);
  });

  test('an unknown code keeps its raw value', () => {
    const error = failure(() => dataFromHttpResponse(200, JSON.stringify({ errors: [{ message: 'odd', extensions: { code: 'SOMETHING_NEW' } }] })));
    expect(error.code).toBe('UNKNOWN');
    expect(error.apiCode).toBe('SOMETHING_NEW');
  });

  test.each([
    [502, '<html>bad gateway</html>'],
    [503, ''],
    [504, '{"message":"timeout"}'],
    [429, 'slow down'],
  ] as const)('HTTP %d without a GraphQL body is a retriable NetworkError', (status, body) => {
    const error = failure(() => dataFromHttpResponse(status, body));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.retriable).toBe(true);
    expect(error.httpStatus).toBe(status);
    expect(isRefusal(error)).toBe(false);
  });

  test.each([
    [404, 'not found'],
    [200, 'not json'],
    [200, '[]'],
    [200, '{"data":5}'],
    [200, '{"data":null}'],
  ] as const)('HTTP %d with %j is BAD_RESPONSE, not retried', (status, body) => {
    const error = failure(() => dataFromHttpResponse(status, body));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.retriable).toBe(false);
  });
});
