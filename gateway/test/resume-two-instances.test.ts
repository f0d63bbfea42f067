// Issue 17 with two balance subgraph instances behind the gateway (docker-compose.scale.yml's
// layout: one consumer group, a load balancer in front, see balance-pair.ts). The subscriber is
// graphql-ws's own client through the gateway; it resumes from an old version with afterVersion
// while 200 transfers run on the account, and must see every version once, consecutively, in order:
// served by either instance, and while the instance serving it is SIGKILLed mid-stream (the gateway
// resubscribes on the other instance, then on the restarted one, from the last version it delivered).
import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { startBalancePair, type BalancePairStack } from './balance-pair';
import { gql, subscribe, type LiveSubscription } from './client';
import { actUntilEvent, createFundedAccounts, type Accounts } from './fixtures';
import { testWallet } from './wallet-client';

const TRANSFER_COUNT = 200;
let stack: BalancePairStack;
let wallet: WalletClient;

beforeAll(async () => {
  stack = await startBalancePair({
    // Long enough to outlast a killed instance (its partitions move after the session timeout).
    gatewayEnv: { GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX: '100', GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX: '500' },
    balanceEnv: { BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX: '1000' },
  });
  wallet = testWallet(stack);
}, 240_000);
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
}, 60_000);

const TRANSFER = 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { balanceVersionFrom } }';
const WATCH = 'subscription($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { amount version } }';

async function transfer(accounts: Accounts): Promise<number> {
  const result = await gql<{ createTransaction: { balanceVersionFrom: number } }>(stack.url, TRANSFER, {
    input: { accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '0.01', idempotencyKey: randomUUID() },
  });
  if (result.data?.createTransaction === undefined) throw new Error(`transfer failed: ${JSON.stringify(result.errors)}`);
  return result.data.createTransaction.balanceVersionFrom;
}

/** `count` transfers, three at a time; `onEach(done)` after each (awaited: it may hold that worker back). */
async function transferMany(accounts: Accounts, count: number, onEach?: (done: number) => Promise<void> | void): Promise<number> {
  let next = 0;
  let last = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const done = next;
      last = Math.max(last, await transfer(accounts));
      await onEach?.(done);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return last;
}

/** The sender's version after some transfers, `back` versions of which the subscriber will ask for again. */
async function accountWithHistory(back: number): Promise<{ accounts: Accounts; now: number }> {
  const accounts = await createFundedAccounts(wallet, '10000.00');
  const now = await transferMany(accounts, back + 5);
  return { accounts, now };
}

/**
 * Reads events after version `previous` until `last`; every event must be the next version (no
 * error, gap, duplicate or reordering: said at once, rather than as a wait for `last` that never ends).
 */
async function versionsUntil(live: LiveSubscription, previous: number, last: number, timeoutMs = 90_000): Promise<number[]> {
  const versions: number[] = [];
  while (versions.at(-1) !== last) {
    const event = await live.next(timeoutMs).catch((error: unknown) => {
      throw new Error(`stuck after version ${versions.at(-1) ?? previous}, waiting for ${last}: ${String(error)}`);
    });
    if (event.errors !== undefined) throw new Error(`error event after ${JSON.stringify(versions.slice(-3))}: ${JSON.stringify(event.errors)}`);
    const version = (event.data?.['balanceUpdated'] as { version: number }).version;
    const expected = (versions.at(-1) ?? previous) + 1;
    if (version !== expected) throw new Error(`expected version ${expected}, got ${version} (${version < expected ? 'duplicate or reordered' : 'gap'})`);
    versions.push(version);
  }
  return versions;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

it.each([0, 1])(
  `served by instance %i of two: a subscriber resuming from an old version during ${TRANSFER_COUNT} transfers sees every version once, in order`,
  async (instance) => {
    stack.balancer.preferWebSocketsOn(instance);
    const { accounts, now } = await accountWithHistory(15);
    const after = now - 15;
    const live = subscribe('ws', stack, WATCH, { id: accounts.from, after });
    try {
      const first = await live.next(60_000);
      expect(first.data?.['balanceUpdated']).toMatchObject({ version: after + 1 });
      // The subscription really is on that instance; the projection of the account's partition may be on either.
      expect(stack.balancer.webSocketInstances()).toEqual([instance]);
      const last = await transferMany(accounts, TRANSFER_COUNT);
      expect([after + 1, ...(await versionsUntil(live, after + 1, last))]).toEqual(range(after + 1, now + TRANSFER_COUNT));
    } finally {
      await live.close();
      stack.balancer.preferWebSocketsOn(undefined);
    }
  },
  180_000,
);

it(`the instance serving the subscription is SIGKILLed mid-stream, twice: the gateway resumes on the other instance, then on the restarted one; every version once, in order`, async () => {
  const { accounts, now } = await accountWithHistory(15);
  const after = now - 15;
  const live = subscribe('ws', stack, WATCH, { id: accounts.from, after });
  // And one that gives no afterVersion: only the gateway's own resume point can bridge a kill for it.
  const plain = subscribe('ws', stack, 'subscription($id: ID!) { balanceUpdated(accountId: $id) { version } }', { id: accounts.from });
  const killed: number[] = [];
  let restarted: Promise<void> = Promise.resolve();
  const killServing = async (): Promise<void> => {
    // The previous victim must be back first, or there would be no instance left to resume on.
    await restarted;
    const serving = stack.balancer.webSocketInstances();
    expect(serving).toHaveLength(1);
    const victim = serving[0] ?? -1;
    killed.push(victim);
    await stack.kill(victim);
    // Transfers go on meanwhile (the wallet does not need the balance subgraph).
    restarted = stack.start(victim);
  };
  try {
    const first = await live.next(60_000);
    expect(first.data?.['balanceUpdated']).toMatchObject({ version: after + 1 });
    const plainFirst = (await actUntilEvent(() => transfer(accounts), plain.next)).data?.['balanceUpdated'] as { version: number };
    const last = await transferMany(accounts, TRANSFER_COUNT, async (done) => {
      if (done === 60 || done === 140) await killServing();
    });
    expect([after + 1, ...(await versionsUntil(live, after + 1, last))]).toEqual(range(after + 1, last));
    expect([plainFirst.version, ...(await versionsUntil(plain, plainFirst.version, last))]).toEqual(range(plainFirst.version, last));
    await restarted;
    // Two different instances were killed: the second kill hit the one the gateway had resumed on.
    expect(new Set(killed).size).toBe(2);
  } finally {
    await Promise.all([live.close(), plain.close()]);
    await restarted.catch(() => undefined);
  }
}, 300_000);
