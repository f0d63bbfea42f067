import type { FormattedExecutionResult, Sink } from 'graphql-ws/client';
import { NetworkError, WalletError, isRefusal } from '../errors';
import { BalanceStream, type Balance, type BalanceStreamDeps } from './balance-stream';
import type { SubscriptionConnection } from './connection';

type ResultSink = Sink<FormattedExecutionResult<Record<string, unknown>>>;

function balanceAt(version: number): Balance {
  return { accountId: 'a', amount: `${version}.00`, version, updatedAt: '2026-11-26T05:00:00.000Z' };
}

/** A connection the test drives by hand: it records sinks and fires reconnects on demand. */
function fakeConnection() {
  const sinks: ResultSink[] = [];
  const reconnectListeners = new Set<() => void>();
  let unsubscribed = 0;
  const connection: SubscriptionConnection = {
    subscribe: (_request, sink) => {
      sinks.push(sink);
      return () => {
        unsubscribed += 1;
      };
    },
    onReconnected: (listener) => {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    dispose: async () => undefined,
  };
  return {
    connection,
    sinks,
    emit: (version: number) => sinks.at(-1)?.next({ data: { balanceUpdated: balanceAt(version) } }),
    reconnect: () => reconnectListeners.forEach((listener) => listener()),
    get unsubscribed() {
      return unsubscribed;
    },
    get listenerCount() {
      return reconnectListeners.size;
    },
  };
}

function makeStream(fake: ReturnType<typeof fakeConnection>, overrides: Partial<BalanceStreamDeps> = {}) {
  return new BalanceStream({
    connection: fake.connection,
    request: { query: 'subscription', operationName: 'BalanceUpdated', variables: { accountId: 'a' } },
    readBalance: async () => null,
    resubscribe: { attemptCountMax: 3, delayMsInitial: 1, delayMsMax: 2 },
    bufferCountMax: 3,
    onEnd: () => undefined,
    ...overrides,
  });
}

async function versions(stream: BalanceStream, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const result = await stream.next();
    if (result.done === true) break;
    seen.push(result.value.version);
  }
  return seen;
}

test('yields strictly increasing versions, dropping stale and duplicate ones', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  const pending = stream.next();
  fake.emit(2);
  expect((await pending).value).toMatchObject({ version: 2 });
  [2, 1, 3, 3, 5, 4].forEach((v) => fake.emit(v));
  expect(await versions(stream, 2)).toEqual([3, 5]);
  await stream.return();
});

test('a slow reader keeps the newest updates up to the buffer bound', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  [1, 2, 3, 4, 5].forEach((v) => fake.emit(v));
  expect(stream.droppedCount).toBe(2);
  expect(await versions(stream, 3)).toEqual([3, 4, 5]);
  await stream.return();
});

test('after a reconnect it reads the balance and yields it only if newer', async () => {
  const fake = fakeConnection();
  let current = balanceAt(4);
  const stream = makeStream(fake, { readBalance: async () => current });
  fake.emit(4);
  expect(await versions(stream, 1)).toEqual([4]);
  const pending = stream.next();
  fake.reconnect(); // version 4 again: not yielded
  current = balanceAt(7);
  fake.reconnect(); // version 7: missed while away, yielded
  expect((await pending).value).toMatchObject({ version: 7 });
  fake.emit(6);
  fake.emit(8);
  expect(await versions(stream, 1)).toEqual([8]);
  await stream.return();
});

test('emitCurrent yields the balance read right after subscribing', async () => {
  const fake = fakeConnection();
  const stream = new BalanceStream(
    { connection: fake.connection, request: { query: 's', operationName: undefined, variables: {} }, readBalance: async () => balanceAt(9), resubscribe: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 }, bufferCountMax: 2, onEnd: () => undefined },
    { emitCurrent: true },
  );
  expect(await versions(stream, 1)).toEqual([9]);
  await stream.return();
});

test('a retriable subscription error re-subscribes, a refusal ends the stream', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  const pending = stream.next();
  fake.sinks[0]?.next({ errors: [{ message: 'balance subgraph away', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fake.sinks).toHaveLength(2);
  fake.emit(1);
  expect((await pending).value).toMatchObject({ version: 1 });
  fake.sinks[1]?.error([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
  await expect(stream.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(await stream.next()).toEqual({ done: true, value: undefined });
  expect(fake.listenerCount).toBe(0);
});

test('retriable errors stop after the resubscribe bound', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  const outcome = stream.next().catch((error: unknown) => error);
  for (let i = 0; i < 3; i += 1) {
    fake.sinks.at(-1)?.next({ errors: [{ message: 'away', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await outcome).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  expect(fake.sinks).toHaveLength(3);
});

test('a lost connection (graphql-ws gave up) fails with a NetworkError', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  const pending = stream.next();
  fake.sinks[0]?.error({ code: 1006, reason: '' });
  const error: unknown = await pending.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  expect((error as WalletError).retriable).toBe(false);
});

test.each([
  [4401, 'Unauthorized: token has expired', 'UNAUTHENTICATED'],
  [4403, 'Forbidden: token expired, reconnect with a fresh one', 'FORBIDDEN'],
])('a connection closed with %i is a refusal (%s), not a network failure', async (code, reason, expected) => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  const pending = stream.next();
  fake.sinks[0]?.error({ code, reason });
  const error: unknown = await pending.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WalletError);
  expect(error).not.toBeInstanceOf(NetworkError);
  expect(error).toMatchObject({ code: expected, retriable: false, message: `balance subscription refused: ${reason}` });
  expect(isRefusal(error)).toBe(true);
});

test('return() and abort end the stream and unsubscribe once', async () => {
  const fake = fakeConnection();
  const controller = new AbortController();
  let ended = 0;
  const stream = new BalanceStream(
    { connection: fake.connection, request: { query: 's', operationName: undefined, variables: {} }, readBalance: async () => null, resubscribe: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 }, bufferCountMax: 2, onEnd: () => (ended += 1) },
    { signal: controller.signal },
  );
  const pending = stream.next();
  controller.abort();
  expect(await pending).toEqual({ done: true, value: undefined });
  await stream.return();
  expect(fake.unsubscribed).toBe(1);
  expect(ended).toBe(1);
});
