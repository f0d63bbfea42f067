import { NetworkError, WalletError } from './errors';
import { backoffDelayMs, withRetry } from './retry';

const policy = { attemptCountMax: 4, delayMsInitial: 100, delayMsMax: 300 };
const noSleep = { sleep: async () => undefined };

describe('backoffDelayMs', () => {
  test('grows, is capped, and is jittered within [ceiling/2, ceiling]', () => {
    expect([0, 1, 2, 3, 40].map((n) => backoffDelayMs(policy, n, () => 0))).toEqual([50, 100, 150, 150, 150]);
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(policy, n, () => 1))).toEqual([100, 200, 300, 300]);
  });
});

describe('withRetry', () => {
  test('retries retriable errors up to attemptCountMax', async () => {
    let calls = 0;
    const run = withRetry(
      policy,
      async () => {
        calls += 1;
        throw new NetworkError('down');
      },
      noSleep,
    );
    await expect(run).rejects.toBeInstanceOf(NetworkError);
    expect(calls).toBe(4);
  });

  test('stops at a refusal and never retries a bug', async () => {
    let calls = 0;
    await expect(
      withRetry(
        policy,
        async () => {
          calls += 1;
          throw new WalletError('INSUFFICIENT_FUNDS', 'insufficient funds');
        },
        noSleep,
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await expect(
      withRetry(
        policy,
        async () => {
          calls += 1;
          throw new TypeError('bug');
        },
        noSleep,
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });

  test('returns the first success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      policy,
      async () => {
        calls += 1;
        if (calls < 3) throw new NetworkError('flaky');
        return 'ok';
      },
      { ...noSleep, onRetry: (_error, _index, delayMs) => delays.push(delayMs) },
    );
    expect(value).toBe('ok');
    expect(delays).toHaveLength(2);
  });
});
