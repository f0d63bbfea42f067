import { ForbiddenError } from '@walletgraph/platform/core';
import type { Identity } from '@walletgraph/platform/auth';
import type { Cursor } from '../domain/cursor.js';
import { parseUuid } from '../domain/validation.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';

/**
 * Who may do what, in one place, for GraphQL and REST alike. `admin` may do everything; a
 * `client` acts only on its own client id and accounts. Reads of something not yours look like
 * reads of something that does not exist (null); refused actions are FORBIDDEN with one message
 * whether the account is someone else's or unknown, so a client learns nothing either way.
 * Every check runs before the use case: a refusal changes nothing.
 */
export type AccountLoader = (id: string) => Promise<AccountRecord | null>;

export function ownsAccount(identity: Identity, account: Pick<AccountRecord, 'clientId'>): boolean {
  return identity.role === 'admin' || account.clientId === identity.clientId;
}

export function canSeeClient(identity: Identity, clientId: string): boolean {
  return identity.role === 'admin' || clientId === identity.clientId;
}

/** A transaction is visible to the owner of either side. */
export async function canSeeTransaction(identity: Identity, transaction: TransactionRecord, loadAccount: AccountLoader): Promise<boolean> {
  if (identity.role === 'admin') return true;
  const [from, to] = await Promise.all([loadAccount(transaction.accountIdFrom), loadAccount(transaction.accountIdTo)]);
  return (from !== null && ownsAccount(identity, from)) || (to !== null && ownsAccount(identity, to));
}

export function visibleAccount(identity: Identity, account: AccountRecord | null): Promise<AccountRecord | null> {
  return Promise.resolve(account !== null && ownsAccount(identity, account) ? account : null);
}

export function visibleClient(identity: Identity, client: ClientRecord | null): Promise<ClientRecord | null> {
  return Promise.resolve(client !== null && canSeeClient(identity, client.id) ? client : null);
}

export async function visibleTransaction(
  identity: Identity,
  transaction: TransactionRecord | null,
  loadAccount: AccountLoader,
): Promise<TransactionRecord | null> {
  return transaction !== null && (await canSeeTransaction(identity, transaction, loadAccount)) ? transaction : null;
}

/**
 * A counterparty account reached through a visible transaction shows only its id: its other
 * (non-null) fields are refused rather than faked.
 */
export function assertAccountDetailsVisible(identity: Identity, account: AccountRecord, field: string): void {
  if (!ownsAccount(identity, account)) throw new ForbiddenError(`Account.${field} is visible only to the account's owner`);
}

/** `clients` for a client role: its own client alone, on the page the cursor asks for. */
export function ownClientPage(own: ClientRecord | null, after: Cursor | undefined): ClientRecord[] {
  if (own === null) return [];
  if (after === undefined) return [own];
  const ownTime = own.createdAt.getTime();
  const afterTime = after.createdAt.getTime();
  return ownTime > afterTime || (ownTime === afterTime && own.id > after.id) ? [own] : [];
}

export function assertMayCreateClient(identity: Identity): void {
  if (identity.role !== 'admin') throw new ForbiddenError('only an admin may create clients');
}

export function assertMayDeposit(identity: Identity): void {
  if (identity.role !== 'admin') throw new ForbiddenError('only an admin may deposit');
}

export function assertMayCreateAccount(identity: Identity, rawClientId: unknown): void {
  if (identity.role === 'admin') return;
  const clientId = parseUuid(rawClientId, 'clientId');
  if (clientId !== identity.clientId) throw new ForbiddenError('you may open accounts only for your own client');
}

/** Transfers only from an account of one's own (to any existing account). */
export async function assertMayTransferFrom(identity: Identity, rawAccountIdFrom: unknown, loadAccount: AccountLoader): Promise<void> {
  if (identity.role === 'admin') return;
  const accountIdFrom = parseUuid(rawAccountIdFrom, 'accountIdFrom');
  const account = await loadAccount(accountIdFrom);
  if (account === null || !ownsAccount(identity, account)) throw new ForbiddenError(`account ${accountIdFrom} is not one of your accounts`);
}
