import DataLoader from 'dataloader';
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

/** Most ids one shared by-id statement carries (the loaders' own bound). */
export const SHARED_READ_BATCH_SIZE_MAX = 500;

/**
 * Process-wide and batching only (nothing cached): the by-id account reads of all requests that reach
 * it in one turn of the event loop (a loaded subgraph parses several requests per turn) become one
 * statement, run after each of them arrived, so every answer is as fresh as a statement of its own.
 */
function sharedAccountsWithClients(db: Database): (ids: readonly string[]) => Promise<AccountWithClient[]> {
  const loader = new DataLoader<string, AccountWithClient | null>(
    async (ids) => {
      const rows = new Map((await findAccountsWithClientsByIds(db, ids)).map((row) => [row.account.id, row]));
      return ids.map((id) => rows.get(id) ?? null);
    },
    { maxBatchSize: SHARED_READ_BATCH_SIZE_MAX, cache: false, batchScheduleFn: (run) => setImmediate(run) },
  );
  return async (ids) => (await Promise.all(ids.map((id) => loader.load(id)))).filter((row): row is AccountWithClient => row !== null);
}

export function createWalletQueries(deps: { readonly db: Database }): WalletQueries {
  const { db } = deps;
  const accountsWithClients = sharedAccountsWithClients(db);
  return {
    clientsByIds: (ids) => findClientsByIds(db, ids),
    clientPage: (limit, after) => pageClients(db, limit, after),
    accountsWithClientsByIds: accountsWithClients,
    accountsByClientIds: (clientIds) => findAccountsByClientIds(db, clientIds),
    transactionsByIds: (ids) => findTransactionsByIds(db, ids),
    transactionPages: (accountIds, limit, after) => pageTransactionsForAccounts(db, accountIds, limit, after),
  };
}
