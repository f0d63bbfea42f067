// Issue 17 against the whole stack: resume by version (WebSocket, SSE, Last-Event-ID), the gateway
// resuming its upstream across a balance subgraph restart, and read-your-writes with minVersion.
import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { adminAuthorization } from './auth';
import { gql, subscribe, type LiveSubscription, type Transport } from './client';
import { actUntilEvent, createFundedAccounts, type Accounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

const MIN_VERSION_WAIT_MS_MAX = 1_500;
let stack: Stack;
let wallet: WalletClient;

beforeAll(async () => {
  stack = await startStack({
    // Long enough to outlast a balance subgraph restart (its consumers rejoin their groups).
    gatewayEnv: { GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX: '100', GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX: '500' },
    balanceEnv: { BALANCE_MIN_VERSION_WAIT_MS_MAX: String(MIN_VERSION_WAIT_MS_MAX), BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX: '1000' },
  });
  wallet = testWallet(stack);
}, 120_000);
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

const TRANSFER = 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id balanceVersionFrom balanceVersionTo } }';
const BALANCE = 'query($id: ID!, $min: Int) { balance(accountId: $id, minVersion: $min) { amount version } }';
const WATCH = 'subscription($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { amount version } }';

interface Transferred {
  readonly balanceVersionFrom: number;
  readonly balanceVersionTo: number;
}

async function transfer(accounts: Accounts, amount = '0.01'): Promise<Transferred> {
  const result = await gql<{ createTransaction: Transferred }>(stack.url, TRANSFER, {
    input: { accountIdFrom: accounts.from, accountIdTo: accounts.to, amount, idempotencyKey: randomUUID() },
  });
  if (result.data?.createTransaction === undefined) throw new Error(`transfer failed: ${JSON.stringify(result.errors)}`);
  return result.data.createTransaction;
}

/** `count` transfers, a few at a time (they serialize on the sender's row lock anyway). */
async function transferMany(accounts: Accounts, count: number, onEach?: (done: number, transferred: Transferred) => Promise<void> | void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const done = next;
      // Not inside `onEach?.(…)`: without a callback its arguments would never run.
      const transferred = await transfer(accounts);
      await onEach?.(done, transferred);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

async function currentVersion(accountId: string, min?: number): Promise<number> {
  const result = await gql<{ balance: { version: number } | null }>(stack.url, BALANCE, { id: accountId, min });
  const version = result.data?.balance?.version;
  if (version === undefined) throw new Error(`no balance: ${JSON.stringify(result.errors)}`);
  return version;
}

/** Reads events until `last`; every event must be a version (no error). */
async function versionsUntil(live: LiveSubscription, last: number, timeoutMs = 30_000): Promise<number[]> {
  const versions: number[] = [];
  while (versions.at(-1) !== last) {
    const event = await live.next(timeoutMs);
    if (event.errors !== undefined) throw new Error(`error event after ${JSON.stringify(versions.slice(-3))}: ${JSON.stringify(event.errors)}`);
    versions.push((event.data?.['balanceUpdated'] as { version: number }).version);
    if (versions.length > 5_000) throw new Error('runaway stream');
  }
  return versions;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each<Transport>(['ws', 'sse'])('over %s', (transport) => {
  it('resumes from an old version while 200 transfers run: every version once, consecutively', async () => {
    const accounts = await createFundedAccounts(wallet);
    await transferMany(accounts, 20);
    const now = await currentVersion(accounts.from, (await transfer(accounts)).balanceVersionFrom);
    const after = now - 15;
    const live = subscribe(transport, stack, WATCH, { id: accounts.from, after });
    try {
      await transferMany(accounts, 200);
      const last = now + 200;
      expect(await versionsUntil(live, last)).toEqual(range(after + 1, last));
    } finally {
      await live.close();
    }
  });
});

it('the gateway resumes its upstream subscription across a balance subgraph restart: no gap, no duplicate', async () => {
  const accounts = await createFundedAccounts(wallet);
  // No afterVersion from the client: only the gateway's own resume point can bridge the restart.
  const live = subscribe('ws', stack, 'subscription($id: ID!) { balanceUpdated(accountId: $id) { version } }', { id: accounts.from });
  try {
    const first = (await actUntilEvent(() => transfer(accounts), live.next)).data?.['balanceUpdated'] as { version: number };
    let last = first.version;
    let restarted: Promise<unknown> | undefined;
    await transferMany(accounts, 200, (done, transferred) => {
      last = Math.max(last, transferred.balanceVersionFrom);
      // Mid-stream; transfers go on while the subgraph is away (the wallet does not need it).
      if (done === 60) restarted = stack.restartBalance();
    });
    await restarted;
    expect(await versionsUntil(live, last, 60_000)).toEqual(range(first.version + 1, last));
  } finally {
    await live.close();
  }
}, 180_000);

/** A raw distinct connection SSE stream: the events' `id` and `data` lines. */
async function sseEvents(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  until: (events: Array<{ id?: string; data: unknown }>) => boolean,
): Promise<Array<{ id?: string; data: unknown }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: await adminAuthorization(), ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const events: Array<{ id?: string; data: unknown }> = [];
  if (response.body === null) throw new Error(`no body, status ${response.status}`);
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: next')) continue;
        const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
        const data = JSON.parse(lines.find((line) => line.startsWith('data: '))?.slice(6) ?? 'null') as unknown;
        events.push({ ...(id === undefined ? {} : { id }), data });
      }
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

it('SSE distinct connections: each event carries its version as id, and a reconnect with Last-Event-ID resumes right after it', async () => {
  const accounts = await createFundedAccounts(wallet);
  await transferMany(accounts, 10);
  const now = await currentVersion(accounts.from, (await transfer(accounts)).balanceVersionFrom);
  // No amount selected: the id still says the version.
  const query = 'subscription($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { amount } }';
  const first = await sseEvents(query, { id: accounts.from, after: now - 8 }, {}, (events) => events.length >= 3);
  expect(first.slice(0, 3).map((event) => event.id)).toEqual([String(now - 7), String(now - 6), String(now - 5)]);
  // As an EventSource reconnects: the same request, plus Last-Event-ID, which wins over the query's afterVersion.
  const resumed = await sseEvents(query, { id: accounts.from, after: now - 8 }, { 'last-event-id': String(now - 5) }, (events) => events.length >= 5);
  expect(resumed.map((event) => event.id)).toEqual(range(now - 4, now).map(String));
  const refused = await fetch(stack.url, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: await adminAuthorization(), 'last-event-id': 'yesterday' },
    body: JSON.stringify({ query, variables: { id: accounts.from } }),
  });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
});

it("read-your-writes: a transfer returns each side's version, and balance(minVersion) right after it answers with that version, no polling", async () => {
  const accounts = await createFundedAccounts(wallet);
  const latenciesMs: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const done = await transfer(accounts);
    expect(done.balanceVersionTo).toEqual(expect.any(Number));
    const started = performance.now();
    const result = await gql<{ balance: { version: number } }>(stack.url, BALANCE, { id: accounts.from, min: done.balanceVersionFrom });
    latenciesMs.push(performance.now() - started);
    expect(result.errors).toBeUndefined();
    expect(result.data?.balance.version).toBe(done.balanceVersionFrom);
    const entity = await gql<{ account: { version: number; balance: { version: number } } }>(
      stack.url,
      'query($id: ID!, $min: Int) { account(id: $id) { version balance(minVersion: $min) { version } } }',
      { id: accounts.to, min: done.balanceVersionTo },
    );
    expect(entity.data?.account.balance.version).toBe(done.balanceVersionTo);
    expect(entity.data?.account.version).toBeGreaterThanOrEqual(done.balanceVersionTo);
  }
  // Each waited for the projection once, not for a polling interval or the maximum wait.
  expect(Math.max(...latenciesMs)).toBeLessThan(MIN_VERSION_WAIT_MS_MAX);
  const deposited = await gql<{ deposit: { version: number } }>(stack.url, 'mutation($input: DepositInput!) { deposit(input: $input) { version } }', {
    input: { accountId: accounts.to, amount: '5', idempotencyKey: randomUUID() },
  });
  expect(await currentVersion(accounts.to, deposited.data?.deposit.version)).toBe(deposited.data?.deposit.version);
});

it('a minVersion that never comes: MIN_VERSION_TIMEOUT (retriable) after the configured wait, never the older balance', async () => {
  const accounts = await createFundedAccounts(wallet);
  const started = Date.now();
  const result = await gql(stack.url, BALANCE, { id: accounts.from, min: 1_000_000 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(MIN_VERSION_WAIT_MS_MAX - 50);
  expect(result.data).toEqual({ balance: null });
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'MIN_VERSION_TIMEOUT', minVersion: 1_000_000 });
});

describe('bad arguments are refused, as before', () => {
  it.each([
    ['negative', -1],
    ['above Int', 2 ** 31],
    ['not an integer', 1.5],
    ['a string', 'soon'],
  ])('minVersion %s: BAD_USER_INPUT', async (_name, min) => {
    const result = await gql(stack.url, BALANCE, { id: randomUUID(), min });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each<[string, unknown]>([
    ['negative', -1],
    ['above Int', 2 ** 31],
    ['not an integer', 1.5],
  ])('afterVersion %s over WebSocket: BAD_USER_INPUT, no event', async (_name, after) => {
    const live = subscribe('ws', stack, WATCH, { id: randomUUID(), after });
    try {
      const outcome = await Promise.race([live.next(10_000).then((event) => ({ event })), live.ended.then((end) => ({ end }))]);
      const errors = 'event' in outcome ? outcome.event.errors : (outcome.end.error as Array<{ extensions?: { code?: string } }> | undefined);
      expect(JSON.stringify(errors)).toContain('"code":"BAD_USER_INPUT"');
      expect('event' in outcome ? (outcome.event.data ?? null) : null).toBeNull();
    } finally {
      await live.close();
    }
  });

  it.each<[string, unknown]>([
    ['negative', -1],
    ['not an integer', 1.5],
  ])('afterVersion %s over SSE: BAD_USER_INPUT', async (_name, after) => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: await adminAuthorization() },
      body: JSON.stringify({ query: WATCH, variables: { id: randomUUID(), after } }),
    });
    const text = await response.text();
    expect(text).toContain('"code":"BAD_USER_INPUT"');
    expect(text).not.toContain('"version"');
  });
});
