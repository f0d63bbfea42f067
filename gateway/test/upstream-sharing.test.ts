// Upstream subscription connections are shared by the subscriptions of one caller (up to
// GATEWAY_UPSTREAM_SUBSCRIPTIONS_PER_CONNECTION_MAX each) and never across callers; a client that
// goes away (WebSocket or SSE) frees its subscription and, with the last one, the connection.
import type { WalletClient } from '@walletgraph/sdk';
import { clientToken } from './auth';
import { subscribe, type LiveSubscription } from './client';
import { actUntilEvent, createFundedAccounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

let stack: Stack;
let wallet: WalletClient;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { GATEWAY_UPSTREAM_SUBSCRIPTIONS_PER_CONNECTION_MAX: '2' } });
  wallet = testWallet(stack);
});
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

async function upstreamConnections(): Promise<number> {
  const text = await (await fetch(`${stack.origin}/metrics`)).text();
  const match = /^gateway_upstream_connections\{subgraph="balance"\} (\d+)$/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

async function eventuallyConnections(expected: number): Promise<number> {
  let seen = -1;
  for (let attempt = 0; attempt < 100 && seen !== expected; attempt += 1) {
    seen = await upstreamConnections();
    if (seen !== expected) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

const query = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { accountId version } }';

describe('upstream subscription connections', () => {
  it('one caller shares them (two subscriptions each), another caller gets its own, and they close with the last subscription', async () => {
    const accounts = await createFundedAccounts(wallet);
    const transfer = () => wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' });
    const streams: LiveSubscription[] = [];
    try {
      // Three admin subscriptions over two transports and two client connections: 2 upstream connections.
      for (const [transport, id] of [
        ['ws', accounts.to],
        ['ws', accounts.to],
        ['sse', accounts.from],
      ] as const) {
        const live = subscribe(transport, stack, query, { id });
        streams.push(live);
        const event = await actUntilEvent(transfer, live.next);
        expect(event.errors).toBeUndefined();
      }
      expect(await eventuallyConnections(2)).toBe(2);

      // The owning client: its own connection, never one of the admin's.
      const owner = subscribe('ws', stack, query, { id: accounts.to }, { authorization: `Bearer ${await clientToken(accounts.clientId)}` });
      streams.push(owner);
      const event = await actUntilEvent(transfer, owner.next);
      expect(event.data).toMatchObject({ balanceUpdated: { accountId: accounts.to } });
      expect(await eventuallyConnections(3)).toBe(3);

      // Every shared stream still delivers.
      await transfer();
      for (const live of streams.slice(0, 2)) expect((await live.next()).data).toMatchObject({ balanceUpdated: { accountId: accounts.to } });
    } finally {
      for (const live of streams) await live.close();
    }
    expect(await eventuallyConnections(0)).toBe(0);
    // Clients that went away freed their subscriptions too (an SSE client's used to stay open).
    const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_subscriptions_active\{transport="sse"\} 0$/m);
    expect(metrics).toMatch(/^gateway_subscriptions_active\{transport="ws"\} 0$/m);
  });
});
