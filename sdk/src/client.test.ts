import { createWalletClient } from './client';
import type { FetchLike, RetryEvent } from './options';

/** Answers 503 (no GraphQL body) `failCount` times, then a transfer. */
function flakyFetch(failCount: number): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (_url, init) => {
    calls.push(init.body);
    const failing = calls.length <= failCount;
    const body = failing
      ? 'upstream down'
      : JSON.stringify({
          data: { createTransaction: { id: 't1', amount: '1.00', createdAt: '2026-01-01T00:00:00.000Z', accountFrom: { id: 'a' }, accountTo: { id: 'b' } } },
        });
    return { status: failing ? 503 : 200, headers: { get: () => null }, text: async () => body };
  };
  return { fetch, calls };
}

describe('onRetry', () => {
  test('is told of every retry of a transfer, with its operation and the one idempotency key', async () => {
    const flaky = flakyFetch(2);
    const events: RetryEvent[] = [];
    const client = createWalletClient({
      url: 'http://127.0.0.1:1/graphql',
      fetch: flaky.fetch,
      retry: { delayMsInitial: 1, delayMsMax: 2 },
      onRetry: (event) => events.push(event),
    });
    const transfer = await client.transfer({ accountIdFrom: 'a', accountIdTo: 'b', amount: '1.00', idempotencyKey: 'k-1' });
    expect(transfer.id).toBe('t1');
    expect(events.map((e) => [e.operationName, e.error.code, e.retryIndex])).toEqual([
      ['CreateTransaction', 'NETWORK_ERROR', 0],
      ['CreateTransaction', 'NETWORK_ERROR', 1],
    ]);
    expect(events.map((e) => (e.variables as { input: { idempotencyKey: string } }).input.idempotencyKey)).toEqual(['k-1', 'k-1']);
  });

  test('an observer that throws changes nothing', async () => {
    const flaky = flakyFetch(1);
    const client = createWalletClient({
      url: 'http://127.0.0.1:1/graphql',
      fetch: flaky.fetch,
      retry: { delayMsInitial: 1, delayMsMax: 2 },
      onRetry: () => {
        throw new Error('observer bug');
      },
    });
    await expect(client.transfer({ accountIdFrom: 'a', accountIdTo: 'b', amount: '1.00' })).resolves.toMatchObject({ id: 't1' });
    expect(flaky.calls).toHaveLength(2);
  });

  test('must be a function', () => {
    expect(() => createWalletClient({ url: 'http://127.0.0.1:1/graphql', onRetry: 'log' as unknown as () => void })).toThrow(/onRetry must be a function/);
  });
});
