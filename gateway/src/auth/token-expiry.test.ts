import type { ExecutionResult } from 'graphql';
import { atDeadline, endAtTokenExpiry } from './token-expiry';

/** A source stream the test feeds by hand; records whether it was closed. */
function manualStream() {
  const queued: ExecutionResult[] = [];
  const waiters: Array<(result: IteratorResult<ExecutionResult>) => void> = [];
  let closed = false;
  const stream: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => stream,
    next: () => {
      const value = queued.shift();
      if (value !== undefined) return Promise.resolve({ done: false, value });
      if (closed) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => waiters.push(resolve));
    },
    return: async () => {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    stream,
    push(value: ExecutionResult) {
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter({ done: false, value });
      else queued.push(value);
    },
    isClosed: () => closed,
  };
}

describe('endAtTokenExpiry', () => {
  it('passes events through until the token expires, then one UNAUTHENTICATED error, then the end', async () => {
    const source = manualStream();
    const stream = endAtTokenExpiry(source.stream, Date.now() + 60);
    source.push({ data: { n: 1 } });
    await expect(stream.next()).resolves.toEqual({ done: false, value: { data: { n: 1 } } });
    const last = await stream.next();
    expect(last.done).toBe(false);
    expect((last.value as ExecutionResult).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(source.isClosed()).toBe(true);
    await expect(stream.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('ends at once with the error when the token expired before the first read', async () => {
    const source = manualStream();
    const stream = endAtTokenExpiry(source.stream, Date.now() - 1);
    source.push({ data: { n: 1 } });
    // The race prefers neither; what matters is that the error comes and nothing follows it.
    const results: Array<IteratorResult<ExecutionResult>> = [];
    for (let i = 0; i < 3; i += 1) results.push(await stream.next());
    const errorIndex = results.findIndex((r) => !r.done && r.value.errors !== undefined);
    expect(errorIndex).toBeGreaterThanOrEqual(0);
    expect(results.slice(errorIndex + 1).every((r) => r.done === true)).toBe(true);
  });

  it('is shaped like an async generator (graphql-sse closes only those when a client leaves)', async () => {
    const source = manualStream();
    const stream = endAtTokenExpiry(source.stream, Date.now() + 60_000);
    expect(typeof stream.throw).toBe('function');
    await expect(stream.throw?.(new Error('client left'))).rejects.toThrow('client left');
    expect(source.isClosed()).toBe(true);
  });

  it('return() closes the source and cancels the deadline', async () => {
    const source = manualStream();
    const stream = endAtTokenExpiry(source.stream, Date.now() + 50);
    await stream.return?.();
    expect(source.isClosed()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(stream.next()).resolves.toEqual({ done: true, value: undefined });
  });
});

describe('atDeadline', () => {
  it('re-arms for deadlines beyond the largest timer delay instead of firing early', () => {
    jest.useFakeTimers();
    try {
      let now = 0;
      let fired = 0;
      atDeadline(
        3_000_000_000,
        () => (fired += 1),
        () => now,
      );
      now = 2_147_483_647;
      jest.advanceTimersByTime(2_147_483_647);
      expect(fired).toBe(0);
      now = 3_000_000_000;
      jest.advanceTimersByTime(3_000_000_000 - 2_147_483_647);
      expect(fired).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('can be cancelled', async () => {
    let fired = 0;
    const cancel = atDeadline(Date.now() + 20, () => (fired += 1));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(fired).toBe(0);
  });
});
