import { ForbiddenError } from '@walletgraph/platform/core';
import type { Identity } from '@walletgraph/platform/auth';

/** accountId → owning client id, null when the wallet does not know the account. */
export type OwnerOf = (accountId: string) => Promise<string | null>;

/**
 * `admin` reads and watches every balance; a `client` only those of its own accounts. A foreign
 * and an unknown account look the same: null for reads, one FORBIDDEN message for subscriptions.
 */
export async function mayReadBalance(identity: Identity, accountId: string, ownerOf: OwnerOf): Promise<boolean> {
  if (identity.role === 'admin') return true;
  return (await ownerOf(accountId)) === identity.clientId;
}

export async function assertMaySubscribe(identity: Identity, accountId: string, ownerOf: OwnerOf): Promise<void> {
  if (!(await mayReadBalance(identity, accountId, ownerOf))) throw new ForbiddenError(`account ${accountId} is not one of your accounts`);
}
