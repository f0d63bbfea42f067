import type { Cursor } from '../domain/cursor.js';
import { findAccountsByClientIds, findAccountsWithClientsByIds, type AccountWithClient } from '../store/accounts.js';
import { findClientsByIds, pageClients } from '../store/clients.js';
import type { Database } from '../store/database.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';
import { findTransactionsByIds, pageTransactionsForAccounts } from '../store/transactions.js';

/** Batch-shaped reads (many ids per call) for the per-request loaders. */
export interface WalletQueries {
  clientsByIds(ids: readonly string[]): Promise<ClientRecord[]>;
  clientPage(limit: number, after: Cursor | undefined): Promise<ClientRecord[]>;
  /** Accounts with their clients, one statement (the loaders prime the client loader with them). */
  accountsWithClientsByIds(ids: readonly string[]): Promise<AccountWithClient[]>;
  accountsByClientIds(clientIds: readonly string[]): Promise<AccountRecord[]>;
  transactionsByIds(ids: readonly string[]): Promise<TransactionRecord[]>;
  transactionPages(accountIds: readonly string[], limit: number, after: Cursor | undefined): Promise<Map<string, TransactionRecord[]>>;
}

export function createWalletQueries(deps: { readonly db: Database }): WalletQueries {
  const { db } = deps;
  return {
    clientsByIds: (ids) => findClientsByIds(db, ids),
    clientPage: (limit, after) => pageClients(db, limit, after),
    accountsWithClientsByIds: (ids) => findAccountsWithClientsByIds(db, ids),
    accountsByClientIds: (clientIds) => findAccountsByClientIds(db, clientIds),
    transactionsByIds: (ids) => findTransactionsByIds(db, ids),
    transactionPages: (accountIds, limit, after) => pageTransactionsForAccounts(db, accountIds, limit, after),
  };
}
