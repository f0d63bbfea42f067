// Popular GraphQL clients nobody here wrote, with their default settings, against the real stack:
// each runs the same scenario (scenario.ts). A client a user could pick that trips over the gateway
// is a gateway bug.
import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { clientToken } from '../auth';
import { actUntilEvent, createFundedAccounts, type Accounts } from '../fixtures';
import { startStack, type Stack } from '../stack';
import { testWallet } from '../wallet-client';
import { clientsUnderTest } from './clients';
import { accountQuery, balanceSubscription, installedVersion, transferMutation, type ClientUnderTest, type Session } from './scenario';

let stack: Stack;
let admin: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  admin = testWallet(stack);
});
afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

const titled = clientsUnderTest.map(
  (client) => [`${client.name} ${client.packages.map((name) => `${name}@${installedVersion(name)}`).join(' ')}`, client] as const,
);

describe.each(titled)('%s', (_title, client: ClientUnderTest) => {
  let accounts: Accounts;
  let session: Session;
  beforeAll(async () => {
    accounts = await createFundedAccounts(admin);
    session = client.open(stack, await clientToken(accounts.clientId));
  });
  afterAll(async () => {
    await session?.close();
  });

  const transfer = (amount: string) =>
    session.mutate(transferMutation, { input: { accountIdFrom: accounts.from, accountIdTo: accounts.to, amount, idempotencyKey: randomUUID() } });

  it('runs a query', async () => {
    expect(await session.query(accountQuery, { id: accounts.from })).toMatchObject({ account: { id: accounts.from, client: { name: accounts.clientName } } });
  });

  it('runs a mutation', async () => {
    expect(await transfer('1.00')).toMatchObject({ createTransaction: { id: expect.any(String), amount: '1.00' } });
  });

  it('receives a live balanceUpdated with fields of both subgraphs', async () => {
    const live = session.subscribe(balanceSubscription, { id: accounts.to });
    try {
      const event = await actUntilEvent(
        () => transfer('0.01'),
        (timeoutMs) => live.next(timeoutMs),
      );
      expect(event.errors).toBeUndefined();
      expect(event.data).toMatchObject({ balanceUpdated: { accountId: accounts.to, account: { id: accounts.to, client: { name: accounts.clientName } } } });
    } finally {
      await live.close();
    }
  });
});
