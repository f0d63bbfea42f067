import { randomUUID } from 'node:crypto';
import { gql, gqlData } from './client';
import { startStack, type Stack } from './stack';

const seededAccountId = '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('queries and mutations through the gateway', () => {
  it('resolves one query across both subgraphs', async () => {
    const data = await gqlData<{ account: { id: string; client: { name: string }; balance: { amount: string } | null } }>(
      stack.url,
      'query($id: ID!) { account(id: $id) { id client { name } balance { amount } } }',
      { id: seededAccountId },
    );
    expect(data.account.client.name).toBe('Lucas');
    expect(data.account.balance?.amount).toMatch(/^\d+(\.\d+)?$/);
  });

  it('runs every mutation, then reads the result across subgraphs', async () => {
    const email = `gw-${randomUUID()}@example.com`;
    const { createClient } = await gqlData<{ createClient: { id: string; name: string; email: string } }>(
      stack.url,
      'mutation($input: CreateClientInput!) { createClient(input: $input) { id name email } }',
      { input: { name: 'Gateway Test', email } },
    );
    expect(createClient).toMatchObject({ name: 'Gateway Test', email });

    const newAccount = async () =>
      (await gqlData<{ createAccount: { id: string; client: { id: string } } }>(stack.url, 'mutation($input: CreateAccountInput!) { createAccount(input: $input) { id client { id } } }', { input: { clientId: createClient.id } })).createAccount;
    const from = await newAccount();
    const to = await newAccount();
    expect(from.client.id).toBe(createClient.id);

    const { deposit } = await gqlData<{ deposit: { id: string } }>(stack.url, 'mutation($input: DepositInput!) { deposit(input: $input) { id } }', {
      input: { accountId: from.id, amount: '100.00', idempotencyKey: randomUUID() },
    });
    expect(deposit.id).toBe(from.id);

    const { createTransaction } = await gqlData<{ createTransaction: { amount: string; accountFrom: { id: string }; accountTo: { id: string; client: { name: string } } } }>(
      stack.url,
      'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { amount accountFrom { id } accountTo { id client { name } } } }',
      { input: { accountIdFrom: from.id, accountIdTo: to.id, amount: '25.5', idempotencyKey: randomUUID() } },
    );
    expect(createTransaction.accountFrom.id).toBe(from.id);
    expect(createTransaction.accountTo).toEqual({ id: to.id, client: { name: 'Gateway Test' } });
    expect(Number(createTransaction.amount)).toBe(25.5);
  });

  it('passes subgraph error codes through unchanged', async () => {
    const result = await gql(stack.url, 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }', {
      input: { accountIdFrom: seededAccountId, accountIdTo: seededAccountId, amount: '1', idempotencyKey: randomUUID() },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers with a request id, generated when the client sends none', async () => {
    const generated = await gql(stack.url, '{ __typename }');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await gql(stack.url, '{ __typename }', {}, { 'x-request-id': 'test-request-1' });
    expect(kept.headers.get('x-request-id')).toBe('test-request-1');
  });
});
