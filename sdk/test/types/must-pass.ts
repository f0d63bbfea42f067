// Compiles: the typed API and documents accept what the schema allows and return what it promises.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { BalanceDocument, createWalletClient, WalletError, type Balance, type WalletErrorCode } from '@walletgraph/sdk';

export async function usage(): Promise<void> {
  const client = createWalletClient({ url: 'http://localhost:4000/graphql' });
  const transfer = await client.transfer({ accountIdFrom: 'a', accountIdTo: 'b', amount: '1.00' });
  const amount: string = transfer.amount;
  const balance = await client.request(BalanceDocument, { accountId: 'a' });
  const version: number | undefined = balance.balance?.version;
  const account = await client.account('a');
  const updatedAt: string | undefined = account?.balance?.updatedAt;
  for await (const update of client.onBalanceUpdated('a')) {
    const current: Balance = update;
    void current;
  }
  for await (const transaction of client.transactions('a', { pageSize: 10 })) void transaction.accountFrom.id;
  const noVariables = parse('{ clients { edges { cursor } } }') as TypedDocumentNode<{ clients: { edges: { cursor: string }[] } }, Record<string, never>>;
  const clients = await client.request(noVariables);
  void [amount, version, updatedAt, clients.clients.edges.length];
  try {
    await client.deposit({ accountId: 'a', amount: '5' });
  } catch (error: unknown) {
    if (error instanceof WalletError) {
      const code: WalletErrorCode = error.code;
      switch (code) {
        case 'INSUFFICIENT_FUNDS':
        case 'NETWORK_ERROR':
          break;
        default:
          break;
      }
    }
  }
}
