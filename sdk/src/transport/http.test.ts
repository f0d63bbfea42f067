import { NetworkError } from '../errors';
import { BalanceDocument } from '../generated/graphql';
import { resolveOptions, type FetchLike } from '../options';
import { createHttpTransport } from './http';

/** A fetch that never answers on its own: it settles only when the SDK aborts it. */
const hangingFetch: FetchLike = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
  });

const refusedFetch: FetchLike = () => Promise.reject(new TypeError('fetch failed: ECONNREFUSED'));

async function failureOf(fetch: FetchLike): Promise<NetworkError> {
  const transport = createHttpTransport(resolveOptions({ url: 'http://127.0.0.1:1/graphql', fetch, requestTimeoutMs: 20 }));
  const error: unknown = await transport.execute(BalanceDocument, { accountId: 'a' }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof NetworkError)) throw new Error(`expected a NetworkError, got ${String(error)}`);
  return error;
}

describe('HTTP transport failures', () => {
  test('a request with no answer within requestTimeoutMs is a retriable NetworkError marked timedOut', async () => {
    const error = await failureOf(hangingFetch);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retriable: true, timedOut: true });
    expect(error.message).toMatch(/timed out after 20 ms/);
  });

  test('a refused connection is a retriable NetworkError that did not time out', async () => {
    const error = await failureOf(refusedFetch);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retriable: true, timedOut: false });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
