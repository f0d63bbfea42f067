import { isConnectionError, UnavailableError } from '@walletgraph/platform/core';
import type { BalancePrisma } from '../store/prisma.js';
import { historyEntryOf, type HistoryEntry } from './history-store.js';

export interface HistoryRepository {
  /** Retained versions of one account strictly above `afterVersion`, ascending, at most `limit`. */
  readAfter(accountId: string, afterVersion: number, limit: number): Promise<HistoryEntry[]>;
  /** The oldest retained version of an account, or undefined when none is retained. */
  oldestVersion(accountId: string): Promise<number | undefined>;
  /** Deletes at most `limit` rows recorded before `cutoff`; returns how many went. */
  pruneRecordedBefore(cutoff: Date, limit: number): Promise<number>;
}

/** Rows one read may return; the replay pages through longer histories. */
export const HISTORY_PAGE_ROWS_MAX = 10_000;

function classify(error: unknown): unknown {
  if (isConnectionError(error)) return new UnavailableError('balance database is unavailable', { cause: error });
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && /^P(1001|1002|1008|1017|2024|2028)$/.test(code)) {
    return new UnavailableError(`balance database refused the operation for now (${code})`, { cause: error });
  }
  return error;
}

async function classified<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error: unknown) {
    throw classify(error);
  }
}

export function createHistoryRepository(deps: { readonly prisma: BalancePrisma }): HistoryRepository {
  const { prisma } = deps;
  return {
    readAfter(accountId, afterVersion, limit) {
      const rows = Math.min(Math.max(1, limit), HISTORY_PAGE_ROWS_MAX);
      return classified(async () => {
        const found = await prisma.$queryRaw<Parameters<typeof historyEntryOf>[0][]>`
          SELECT account_id, version, amount, transaction_id, recorded_at FROM balance_history
          WHERE account_id = ${accountId} AND version > ${afterVersion} ORDER BY version LIMIT ${rows}`;
        return found.map(historyEntryOf);
      });
    },
    oldestVersion(accountId) {
      return classified(async () => {
        const found = await prisma.$queryRaw<Array<{ v: number | bigint | null }>>`
          SELECT MIN(version) AS v FROM balance_history WHERE account_id = ${accountId}`;
        const value = found[0]?.v;
        return value === null || value === undefined ? undefined : Number(value);
      });
    },
    pruneRecordedBefore(cutoff, limit) {
      return classified(() => prisma.$executeRaw`DELETE FROM balance_history WHERE recorded_at < ${cutoff} ORDER BY recorded_at LIMIT ${limit}`);
    },
  };
}
