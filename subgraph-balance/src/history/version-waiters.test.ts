import { createVersionWaiters } from './version-waiters.js';

const A = 'a';

test('a waiter is woken by the version it waits for (or a later one), not by an earlier one', async () => {
  const waiters = createVersionWaiters({ waitersMax: 10 });
  const { reached } = waiters.register(A, 5, 10_000);
  waiters.notify(A, 4);
  waiters.notify('b', 9);
  expect(waiters.waitingCount()).toBe(1);
  waiters.notify(A, 6);
  await expect(reached).resolves.toBe(true);
  expect(waiters.waitingCount()).toBe(0);
});

test('a waiter that is never satisfied resolves false after its wait and frees its place', async () => {
  const waiters = createVersionWaiters({ waitersMax: 10 });
  const started = Date.now();
  await expect(waiters.register(A, 5, 50).reached).resolves.toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  expect(waiters.waitingCount()).toBe(0);
});

test('waiters are bounded: one more is refused as retriable SERVICE_UNAVAILABLE; cancel frees a place', async () => {
  const waiters = createVersionWaiters({ waitersMax: 2 });
  const first = waiters.register(A, 1, 10_000);
  waiters.register(A, 2, 10_000);
  const refused = ((): unknown => {
    try {
      waiters.register(A, 3, 10_000);
      return undefined;
    } catch (error: unknown) {
      return error;
    }
  })();
  expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retriable: true });
  first.cancel();
  await expect(first.reached).resolves.toBe(false);
  expect(() => waiters.register(A, 3, 10).cancel()).not.toThrow();
  waiters.notify(A, 10);
  expect(waiters.waitingCount()).toBe(0);
});
