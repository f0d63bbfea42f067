import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { gql } from './client';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

const seededAccountId = '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3';

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

describe('queries and mutations through the gateway', () => {
  it('resolves one query across both subgraphs', async () => {
    const account = await wallet.account(seededAccountId);
    expect(account?.client.name).toBe('Lucas');
    expect(account?.balance?.amount).toMatch(/^\d+(\.\d+)?$/);
  });

  it('runs every mutation, then reads the result across subgraphs', async () => {
    const email = `gw-${randomUUID()}@example.com`;
    const client = await wallet.createClient({ name: 'Gateway Test', email });
    expect(client).toMatchObject({ name: 'Gateway Test', email });

    const from = await wallet.createAccount({ clientId: client.id });
    const to = await wallet.createAccount({ clientId: client.id });
    expect(from.client.id).toBe(client.id);

    const deposited = await wallet.deposit({ accountId: from.id, amount: '100.00' });
    expect(deposited.id).toBe(from.id);

    const transfer = await wallet.transfer({ accountIdFrom: from.id, accountIdTo: to.id, amount: '25.5' });
    expect(transfer.accountFrom.id).toBe(from.id);
    expect(transfer.accountTo.id).toBe(to.id);
    expect(Number(transfer.amount)).toBe(25.5);
    // The account (wallet subgraph) with its client and its balance (balance subgraph) in one read.
    const credited = await wallet.account(to.id);
    expect(credited?.client).toMatchObject({ id: client.id, name: 'Gateway Test' });
  });

  it('passes subgraph error codes through unchanged', async () => {
    const refusal = wallet.transfer({ accountIdFrom: seededAccountId, accountIdTo: seededAccountId, amount: '1' });
    await expect(refusal).rejects.toMatchObject({ name: 'WalletError', code: 'BAD_USER_INPUT', apiCode: 'BAD_USER_INPUT' });
  });

  it('answers with a request id, generated when the client sends none', async () => {
    // Headers are below what the SDK exposes: this one speaks HTTP directly.
    const generated = await gql(stack.url, '{ __typename }');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await gql(stack.url, '{ __typename }', {}, { 'x-request-id': 'test-request-1' });
    expect(kept.headers.get('x-request-id')).toBe('test-request-1');
  });
});
