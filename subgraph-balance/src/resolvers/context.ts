import DataLoader from 'dataloader';
import type { Identity } from '@walletgraph/platform/auth';
import type { OwnershipDirectory } from '../auth/ownership.js';
import type { OwnerOf } from '../auth/policy.js';
import type { BalanceRepository, BalanceState } from '../store/balance-repository.js';

/** Per-connection state of a WebSocket client (absent for HTTP requests). */
export interface ConnectionState {
  subscriptionCount: number;
  /** Closes the socket because the client reads too slowly. */
  readonly closeSlow: () => void;
}

export interface BalanceContext {
  readonly requestId: string;
  /** The caller, as the gateway signed it (verified before any resolver ran). */
  readonly identity: Identity;
  /** Per-request batched ownership look-up (only asked for client identities). */
  readonly ownerOf: OwnerOf;
  readonly balanceByAccountId: DataLoader<string, BalanceState | null>;
  readonly connection?: ConnectionState;
}

/** The DataLoader batch function of both balance loaders: one SQL query, answers in key order. */
function balancesInOrder(repository: BalanceRepository): (accountIds: readonly string[]) => Promise<Array<BalanceState | null>> {
  return async (accountIds) => {
    const rows = await repository.findByAccountIds(accountIds);
    const byId = new Map(rows.map((row) => [row.accountId, row]));
    return accountIds.map((id) => byId.get(id) ?? null);
  };
}

/** Balances of many accounts, answers in key order (null: no balance). */
export type BalancesReader = (accountIds: readonly string[]) => Promise<Array<BalanceState | null>>;

/**
 * Process-wide and batching only (nothing cached): the balance reads of all requests that reach it
 * in one turn of the event loop (a loaded subgraph parses several requests per turn) become one SQL
 * query, run after each of them arrived, so every answer is as fresh as a query of its own.
 */
export function createSharedBalancesReader(repository: BalanceRepository, batchSizeMax: number): BalancesReader {
  const loader = new DataLoader<string, BalanceState | null>(balancesInOrder(repository), {
    maxBatchSize: batchSizeMax,
    cache: false,
    batchScheduleFn: (run) => setImmediate(run),
  });
  return (accountIds) => Promise.all(accountIds.map((id) => loader.load(id)));
}

/** One loader per request: every Account.balance of a request is one read of `readBalances`. */
export function createBalanceLoader(readBalances: BalancesReader, batchSizeMax: number): DataLoader<string, BalanceState | null> {
  return new DataLoader<string, BalanceState | null>(readBalances, { maxBatchSize: batchSizeMax });
}

/** How long the baseline reader gathers subscriptions before its one query. */
export const BASELINE_BATCH_WINDOW_MS = 2;

/**
 * Process-wide and batching only (nothing cached): the baseline reads of all subscriptions that
 * start within a couple of milliseconds become one SQL query, so a burst of subscribes (a gateway
 * restart, thousands of subscribers at once) does not queue thousands of one-row reads on the pool.
 */
export function createBaselineReader(repository: BalanceRepository, batchSizeMax: number): (accountId: string) => Promise<BalanceState | null> {
  const loader = new DataLoader<string, BalanceState | null>(balancesInOrder(repository), {
    maxBatchSize: batchSizeMax,
    cache: false,
    batchScheduleFn: (run) => setTimeout(run, BASELINE_BATCH_WINDOW_MS),
  });
  return (accountId) => loader.load(accountId);
}

/** One loader per request: all ownership checks of a request become one look-up. */
export function createOwnerLoader(directory: OwnershipDirectory, batchSizeMax: number, requestId?: string): OwnerOf {
  const loader = new DataLoader<string, string | null>(
    async (accountIds) => {
      const owners = await directory.ownersOf(accountIds, requestId);
      return accountIds.map((id) => owners.get(id) ?? null);
    },
    { maxBatchSize: batchSizeMax },
  );
  return (accountId) => loader.load(accountId);
}
