import DataLoader from 'dataloader';
import type { BalanceRepository, BalanceState } from '../store/balance-repository.js';

/** Per-connection state of a WebSocket client (absent for HTTP requests). */
export interface ConnectionState {
  subscriptionCount: number;
  /** Closes the socket because the client reads too slowly. */
  readonly closeSlow: () => void;
}

export interface BalanceContext {
  readonly requestId: string;
  readonly balanceByAccountId: DataLoader<string, BalanceState | null>;
  readonly connection?: ConnectionState;
}

/** One loader per request: every Account.balance of a request becomes one SQL query. */
export function createBalanceLoader(repository: BalanceRepository, batchSizeMax: number): DataLoader<string, BalanceState | null> {
  return new DataLoader<string, BalanceState | null>(
    async (accountIds) => {
      const rows = await repository.findByAccountIds(accountIds);
      const byId = new Map(rows.map((row) => [row.accountId, row]));
      return accountIds.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: batchSizeMax },
  );
}
