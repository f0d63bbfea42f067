import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';

export interface Accounts {
  readonly clientName: string;
  readonly clientId: string;
  readonly from: string;
  readonly to: string;
}

/** A fresh client with two accounts, the first funded with `amount`, all made through the SDK. */
export async function createFundedAccounts(wallet: WalletClient, amount = '1000.00'): Promise<Accounts> {
  const clientName = `E2E ${randomUUID().slice(0, 8)}`;
  const client = await wallet.createClient({ name: clientName, email: `${randomUUID()}@example.com` });
  const from = await wallet.createAccount({ clientId: client.id });
  const to = await wallet.createAccount({ clientId: client.id });
  await wallet.deposit({ accountId: from.id, amount });
  return { clientName, clientId: client.id, from: from.id, to: to.id };
}

/**
 * A subscription is live only once the subgraph has registered it, which the client cannot see;
 * so act (e.g. transfer) repeatedly until the first event arrives, with a bounded number of tries.
 */
export async function actUntilEvent<T>(act: () => Promise<unknown>, next: (timeoutMs: number) => Promise<T>, attemptCountMax = 20, waitMs = 1_500): Promise<T> {
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
