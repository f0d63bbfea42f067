import type { FormattedExecutionResult, Sink } from 'graphql-ws/client';
import { NetworkError, WalletError, isRefusal } from '../errors';
import { BalanceStream, type Balance, type BalanceStreamDeps } from './balance-stream';
import type { SubscriptionConnection, SubscriptionRequest } from './connection';

type ResultSink = Sink<FormattedExecutionResult<Record<string, unknown>>>;

function balanceAt(version: number): Balance {
  return { accountId: 'a', amount: `${version}.00`, version, updatedAt: '2026-11-26T05:00:00.000Z' };
}

/** A connection the test drives by hand: it records sinks and fires reconnects on demand. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

function fakeConnection() {
  const sinks: ResultSink[] = [];
  const requests: SubscriptionRequest[] = [];
  const reconnectListeners = new Set<() => void>();
  let unsubscribed = 0;
  const connection: SubscriptionConnection = {
    subscribe: (request, sink) => {
      requests.push(request);
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
    requests,
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
  await flush();
  const pending = stream.next();
  fake.emit(2);
  expect((await pending).value).toMatchObject({ version: 2 });
  [2, 1, 3, 3, 5, 4].forEach((v) => fake.emit(v));
  expect(await versions(stream, 2)).toEqual([3, 5]);
  await stream.return();
});

test('a slow reader loses nothing: past the buffer bound the subscription pauses, then resumes after the newest buffered version', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake, { readBalance: async () => balanceAt(0) });
  await flush();
  [1, 2, 3, 4, 5].forEach((v) => fake.emit(v));
  expect(fake.unsubscribed).toBe(1);
  // graphql-ws completes the subscription the stream ended itself: that must not end the stream.
  fake.sinks[0]?.complete();
  expect(await versions(stream, 3)).toEqual([1, 2, 3]);
  expect(fake.requests.at(-1)?.variables).toMatchObject({ afterVersion: 3 });
  [4, 5].forEach((v) => fake.emit(v));
  expect(await versions(stream, 2)).toEqual([4, 5]);
  expect(stream.droppedCount).toBe(0);
  await stream.return();
});

test('it reads the current balance first and subscribes right after its version; every received version advances the resume point', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake, { readBalance: async () => balanceAt(4) });
  await flush();
  expect(fake.requests).toHaveLength(1);
  const variables = fake.requests[0]?.variables as Record<string, unknown>;
  expect(variables).toEqual({ accountId: 'a', afterVersion: 4 });
  fake.emit(4);
  fake.emit(5);
  // graphql-ws resends this same object when it reconnects: the resubscription starts after 5.
  expect(variables['afterVersion']).toBe(5);
  expect(await versions(stream, 1)).toEqual([5]);
  await stream.return();
});

test('afterVersion starts from a version the app already has, without reading the balance', async () => {
  const fake = fakeConnection();
  let reads = 0;
  const stream = new BalanceStream(
    {
      connection: fake.connection,
      request: { query: 's', operationName: undefined, variables: { accountId: 'a' } },
      readBalance: async () => {
        reads += 1;
        return balanceAt(9);
      },
      resubscribe: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 },
      bufferCountMax: 2,
      onEnd: () => undefined,
    },
    { afterVersion: 6 },
  );
  expect(fake.requests[0]?.variables).toEqual({ accountId: 'a', afterVersion: 6 });
  fake.emit(6);
  fake.emit(7);
  expect(await versions(stream, 1)).toEqual([7]);
  expect(reads).toBe(0);
  await stream.return();
});

test('emitCurrent yields the balance the stream starts from', async () => {
  const fake = fakeConnection();
  const stream = new BalanceStream(
    {
      connection: fake.connection,
      request: { query: 's', operationName: undefined, variables: {} },
      readBalance: async () => balanceAt(9),
      resubscribe: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 },
      bufferCountMax: 2,
      onEnd: () => undefined,
    },
    { emitCurrent: true },
  );
  expect(await versions(stream, 1)).toEqual([9]);
  expect(fake.requests[0]?.variables).toMatchObject({ afterVersion: 9 });
  await stream.return();
});

test('a retriable subscription error re-subscribes, a refusal ends the stream', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  await flush();
  const pending = stream.next();
  fake.sinks[0]?.next({ errors: [{ message: 'balance subgraph away', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fake.sinks).toHaveLength(2);
  fake.emit(1);
  expect((await pending).value).toMatchObject({ version: 1 });
  fake.sinks[1]?.error([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
  await expect(stream.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(await stream.next()).toEqual({ done: true, value: undefined });
});

test('retriable errors stop after the resubscribe bound', async () => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  await flush();
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
  await flush();
  const pending = stream.next();
  fake.sinks[0]?.error({ code: 1006, reason: '' });
  const error: unknown = await pending.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  expect((error as WalletError).retriable).toBe(false);
});

test.each([
  [4401, 'Unauthorized: token has expired', 'UNAUTHENTICATED'],
  [4403, 'Forbidden: token expired, reconnect with a fresh one', 'FORBIDDEN'],
  [1013, 'CONNECTION_LIMIT_EXCEEDED: at most 100 connections per caller', 'CONNECTION_LIMIT_EXCEEDED'],
])('a connection closed with %i is a refusal (%s), not a network failure', async (code, reason, expected) => {
  const fake = fakeConnection();
  const stream = makeStream(fake);
  await flush();
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
    {
      connection: fake.connection,
      request: { query: 's', operationName: undefined, variables: {} },
      readBalance: async () => null,
      resubscribe: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 },
      bufferCountMax: 2,
      onEnd: () => (ended += 1),
    },
    { signal: controller.signal },
  );
  await flush();
  const pending = stream.next();
  controller.abort();
  expect(await pending).toEqual({ done: true, value: undefined });
  await stream.return();
  expect(fake.unsubscribed).toBe(1);
  expect(ended).toBe(1);
});
