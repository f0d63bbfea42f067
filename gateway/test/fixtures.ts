import { randomUUID } from 'node:crypto';
import { gqlData } from './client';

export interface Accounts {
  readonly clientName: string;
  readonly clientId: string;
  readonly from: string;
  readonly to: string;
}

/** A fresh client with two accounts, the first funded, all made through the gateway. */
export async function createFundedAccounts(url: string, amount = '1000.00'): Promise<Accounts> {
  const clientName = `Sub ${randomUUID().slice(0, 8)}`;
  const { createClient } = await gqlData<{ createClient: { id: string } }>(url, 'mutation($input: CreateClientInput!) { createClient(input: $input) { id } }', {
    input: { name: clientName, email: `${randomUUID()}@example.com` },
  });
  const account = async () =>
    (await gqlData<{ createAccount: { id: string } }>(url, 'mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }', { input: { clientId: createClient.id } })).createAccount.id;
  const from = await account();
  const to = await account();
  await gqlData(url, 'mutation($input: DepositInput!) { deposit(input: $input) { id } }', { input: { accountId: from, amount, idempotencyKey: randomUUID() } });
  return { clientName, clientId: createClient.id, from, to };
}

export async function transfer(url: string, from: string, to: string, amount: string, headers: Record<string, string> = {}): Promise<void> {
  await gqlData(url, 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }', {
    input: { accountIdFrom: from, accountIdTo: to, amount, idempotencyKey: randomUUID() },
  }, headers);
}

/**
 * A subscription is live only once the subgraph has registered it, which the client cannot see;
 * so act (e.g. transfer) repeatedly until the first event arrives, with a bounded number of tries.
 */
export async function actUntilEvent<T>(act: () => Promise<void>, next: (timeoutMs: number) => Promise<T>, attemptCountMax = 20, waitMs = 1_500): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attemptCountMax; attempt += 1) {
    await act();
    try {
      return await next(waitMs);
    } catch (error: unknown) {
      lastError = error;
    }
  }
  throw new Error(`no event after ${attemptCountMax} attempts: ${String(lastError)}`);
}
