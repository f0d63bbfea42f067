import { createClusterRateLimiter } from './cluster-rate-limit';
import { createRateLimiter, type TakeResult } from './rate-limit';

const config = { perMinuteMax: 4, identitiesMax: 100, workers: 2, replyTimeoutMs: 50, pendingMax: 100 };

/** Workers wired to one primary limiter the way node:cluster IPC does, asynchronously. */
function clusterOf(workerCount: number) {
  const primary = createRateLimiter({ perMinuteMax: config.perMinuteMax, identitiesMax: config.identitiesMax });
  const workers: Array<ReturnType<typeof createClusterRateLimiter>> = [];
  for (let i = 0; i < workerCount; i += 1) {
    const worker = createClusterRateLimiter(config, (message) => {
      setImmediate(() => worker.handleMessage({ type: 'gateway:rate-reply', id: message.id, result: primary.take(message.key, message.cost) }));
      return true;
    });
    workers.push(worker);
  }
  return workers;
}

const allowedCount = (results: readonly TakeResult[]): number => results.filter((r) => r.allowed).length;

describe('cluster-wide mutation rate limit', () => {
  it('one identity gets the budget once, however its requests spread over the workers', async () => {
    const [a, b] = clusterOf(2);
    if (a === undefined || b === undefined) throw new Error('two workers expected');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => Promise.resolve((i % 2 === 0 ? a : b).take('client:c1', 1))));
    expect(allowedCount(results)).toBe(4);
    expect(results.filter((r) => !r.allowed).every((r) => !r.allowed && r.retryAfterMs > 0)).toBe(true);
  });

  it('decides on its own share (budget / workers) when the primary does not answer in time', async () => {
    const silent = createClusterRateLimiter(config, () => true);
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push(await silent.take('client:c2', 1));
    expect(allowedCount(results)).toBe(2);
  });

  it('decides on its own share when it cannot reach the primary at all, or too much is pending', async () => {
    const unreachable = createClusterRateLimiter(config, () => false);
    expect(allowedCount([await unreachable.take('k', 1), await unreachable.take('k', 1), await unreachable.take('k', 1)])).toBe(2);
    const crowded = createClusterRateLimiter({ ...config, pendingMax: 1 }, () => true);
    const first = crowded.take('k', 1); // pending until its timeout
    expect(crowded.take('k', 1)).toEqual({ allowed: true }); // decided at once, locally
    await first;
  });

  it('ignores replies it did not ask for', () => {
    const limiter = createClusterRateLimiter(config, () => true);
    expect(() => limiter.handleMessage({ type: 'gateway:rate-reply', id: 'unknown', result: { allowed: true } })).not.toThrow();
    expect(() => limiter.handleMessage('noise')).not.toThrow();
  });
});
