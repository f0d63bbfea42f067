// The subscriptions under test speak both transports (WebSocket and SSE) with arbitrary federated
// selections, so they use the raw helpers; everything a user does around them goes through the SDK.
import type { WalletClient } from '@walletgraph/sdk';
import { clientToken } from './auth';
import { subscribe, type Transport } from './client';
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

const transfer = async (from: string, to: string, amount: string): Promise<void> => {
  await wallet.transfer({ accountIdFrom: from, accountIdTo: to, amount });
};

/** WebSocket refuses with an `error` message; SSE (per graphql-sse) with an HTTP 400 carrying the errors. */
async function describeRefusal(outcome: { event: { errors?: unknown } } | { end: { error?: unknown } }): Promise<string> {
  if ('event' in outcome) return JSON.stringify(outcome.event.errors);
  const { error } = outcome.end;
  const response = (error as { response?: { status?: number; text?: () => Promise<string> } }).response;
  if (response?.text !== undefined) return `${response.status} ${await response.text()}`;
  return JSON.stringify(error);
}

const transports: readonly Transport[] = ['ws', 'sse'];

describe.each(transports)('federated subscriptions over %s', (transport) => {
  it('delivers balance fields with wallet-subgraph fields after a transfer through the gateway', async () => {
    const accounts = await createFundedAccounts(wallet);
    const live = subscribe(
      transport,
      stack,
      'subscription($id: ID!) { balanceUpdated(accountId: $id) { accountId amount version account { id client { name } } } }',
      { id: accounts.to },
    );
    try {
      let oneUnitTransferCount = 0;
      const sendOne = async (): Promise<void> => {
        oneUnitTransferCount += 1;
        await transfer(accounts.from, accounts.to, '1.00');
      };
      const event = await actUntilEvent(sendOne, live.next);
      expect(event.errors).toBeUndefined();
      expect(event.data).toMatchObject({ balanceUpdated: { accountId: accounts.to, account: { id: accounts.to, client: { name: accounts.clientName } } } });
      let latest = event.data?.['balanceUpdated'] as { version: number; amount: string };
      await transfer(accounts.from, accounts.to, '2.00');
      // Under load, actUntilEvent may have sent more than one 1.00 transfer before the first event
      // arrived; read on (in version order) until the balance that includes the 2.00 transfer.
      const finalAmount = oneUnitTransferCount + 2;
      for (let read = 0; read <= oneUnitTransferCount && Number(latest.amount) !== finalAmount; read += 1) {
        const next = (await live.next()).data?.['balanceUpdated'] as { version: number; amount: string };
        expect(next.version).toBeGreaterThan(latest.version);
        latest = next;
      }
      expect(Number(latest.amount)).toBeCloseTo(finalAmount, 4);
    } finally {
      await live.close();
    }
  });

  it('reports an error in the other subgraph on that event and keeps the stream open', async () => {
    const accounts = await createFundedAccounts(wallet);
    // `first` is out of range for the wallet subgraph (1..100): the `rest` fetch fails, the primary data
    // stays. (Within demand control's budget: a first of 100000 is refused before it starts.)
    const live = subscribe(
      transport,
      stack,
      'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount account { transactions(first: 101) { edges { cursor } } } } }',
      { id: accounts.to },
    );
    try {
      const event = await actUntilEvent(() => transfer(accounts.from, accounts.to, '1.00'), live.next);
      expect(event.errors?.length).toBeGreaterThan(0);
      await transfer(accounts.from, accounts.to, '1.00');
      const again = await live.next();
      expect(again.errors?.length).toBeGreaterThan(0);
      await expect(Promise.race([live.ended, new Promise((resolve) => setTimeout(() => resolve('open'), 200))])).resolves.toBe('open');
    } finally {
      await live.close();
    }
  });

  it('names the subgraph an event error came from, as HTTP errors do', async () => {
    const accounts = await createFundedAccounts(wallet);
    // A client subscribing to an account that is not its own: the balance subgraph refuses the event.
    const stranger = await createFundedAccounts(wallet);
    const live = subscribe(
      transport,
      stack,
      'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount } }',
      { id: accounts.to },
      { authorization: `Bearer ${await clientToken(stranger.clientId)}` },
    );
    try {
      const event = await live.next(10_000);
      expect(event.errors?.map((error) => [error.extensions?.code, error.extensions?.['serviceName']])).toEqual([['FORBIDDEN', 'balance']]);
    } finally {
      await live.close();
    }
  });

  it('runs queries over the same transport', async () => {
    const live = subscribe(transport, stack, 'query($id: ID!) { account(id: $id) { client { name } } }', { id: '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3' });
    expect(await live.next()).toEqual({ data: { account: { client: { name: 'Lucas' } } } });
    await expect(live.ended).resolves.toMatchObject({ completed: true });
    await live.close();
  });

  it('refuses an invalid subscription with a validation error', async () => {
    const live = subscribe(transport, stack, 'subscription { balanceUpdated(accountId: "x") { noSuchField } }');
    const outcome = await Promise.race([live.ended.then((end) => ({ end })), live.next(5_000).then((event) => ({ event }))]);
    expect(await describeRefusal(outcome)).toMatch(/GRAPHQL_VALIDATION_FAILED.*noSuchField|noSuchField.*GRAPHQL_VALIDATION_FAILED/);
    await live.close();
  });
});
