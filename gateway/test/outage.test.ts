import type { WalletClient } from '@walletgraph/sdk';
import { gql, subscribe, type LiveSubscription } from './client';
import { actUntilEvent, createFundedAccounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

let stack: Stack;
let wallet: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  wallet = testWallet(stack);
});
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

describe('when the balance subgraph stops', () => {
  it('ends open subscriptions (WebSocket and SSE) with a clear error and flips readiness to 503', async () => {
    expect((await fetch(`${stack.origin}/health/ready`)).status).toBe(200);
    const accounts = await createFundedAccounts(wallet);
    const query = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount account { client { name } } } }';
    const streams: LiveSubscription[] = [subscribe('ws', stack, query, { id: accounts.to }), subscribe('sse', stack, query, { id: accounts.to })];
    for (const live of streams)
      await actUntilEvent(() => wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' }), live.next);

    await stack.balance.stop();

    for (const live of streams) {
      // Under load actUntilEvent may have sent more than one transfer: their events can still be
      // queued ahead of the error, so skip data events (bounded) until the stream's error.
      let event = await live.next(15_000);
      for (let skipped = 0; event.errors === undefined && skipped < 20; skipped += 1) event = await live.next(15_000);
      expect(event.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(event.errors?.[0]?.message).toMatch(/balance subgraph subscription failed/);
      await expect(live.ended).resolves.toMatchObject({ completed: true });
      await live.close();
    }
    const ready = await fetch(`${stack.origin}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, subgraphs: { wallet: { reachable: true }, balance: { reachable: false } } });
    expect((await fetch(`${stack.origin}/health/live`)).status).toBe(200);
  });

  // The fetch to the stopped subgraph fails with a plain Error (no `extensions`), which the gateway's
  // executor puts into the errors list as is; the logging plugin read `extensions.code` of it and
  // turned every such answer into HTTP 500 (issue 14, item 4).
  it("answers a query that needs it with the other subgraph's data and an error, never a 500", async () => {
    const accounts = await createFundedAccounts(wallet);
    const result = await gql<{ account: { client: { name: string }; balance: unknown } | null }>(
      stack.url,
      'query($id: ID!) { account(id: $id) { client { name } balance { amount } } }',
      { id: accounts.from },
    );
    expect(result.status).toBe(200);
    expect(result.data?.account).toEqual({ client: { name: accounts.clientName }, balance: null });
    // Unreachable is "not now", retriable: SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR; the cause stays in the logs.
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'balance' });
    expect(JSON.stringify(result.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
