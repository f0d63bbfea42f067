import { Prisma } from '../generated/prisma/client.js';
import type { AppliedSide } from '../store/batch-plan.js';
import { formatDecimal } from '../store/decimal.js';

/** One retained version of one account, as replayed to a resuming subscriber. */
export interface HistoryEntry {
  readonly accountId: string;
  readonly amount: string;
  readonly version: number;
  readonly updatedAt: Date;
  readonly transactionId: string | null;
}

export interface HistoryRetention {
  /** Versions kept per account; older ones are deleted in the same transaction that adds a new one. */
  readonly versionsPerAccountMax: number;
}

interface HistoryRow {
  readonly account_id: string;
  readonly version: number | bigint;
  readonly amount: Prisma.Decimal | string | number;
  readonly transaction_id: string | null;
  readonly recorded_at: Date | string;
}

export function historyEntryOf(row: HistoryRow): HistoryEntry {
  return {
    accountId: row.account_id.toLowerCase(),
    version: Number(row.version),
    amount: formatDecimal(new Prisma.Decimal(row.amount).toFixed()),
    updatedAt: new Date(row.recorded_at),
    transactionId: row.transaction_id,
  };
}

/**
 * Runs inside the projector's transaction: one history row per applied version, then the
 * per-account retention. A redelivered version (same account and version) overwrites its row, so
 * a retried transaction or an old un-versioned event never adds a second one.
 */
export async function recordHistory(tx: Prisma.TransactionClient, applied: readonly AppliedSide[], retention: HistoryRetention): Promise<void> {
  // Applied versions, and late ones (older than the row, still a version the account went through).
  const sides = applied.flatMap((side) =>
    side.outcome === 'applied'
      ? [{ state: side.state, transactionId: side.transactionId }]
      : side.lateVersion === undefined
        ? []
        : [{ state: side.lateVersion, transactionId: side.transactionId }],
  );
  const states = sides.map((side) => side.state);
  if (states.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO balance_history (account_id, version, amount, transaction_id, recorded_at)
    VALUES ${Prisma.join(sides.map(({ state: s, transactionId }) => Prisma.sql`(${s.accountId}, ${s.version}, ${s.amount}, ${transactionId ?? null}, ${s.updatedAt})`))}
    ON DUPLICATE KEY UPDATE amount = VALUES(amount), transaction_id = VALUES(transaction_id), recorded_at = VALUES(recorded_at)`;
  const newest = new Map<string, number>();
  for (const state of states) newest.set(state.accountId, Math.max(newest.get(state.accountId) ?? 0, state.version));
  const expired = [...newest]
    .map(([accountId, version]) => ({ accountId, below: version - retention.versionsPerAccountMax }))
    .filter((entry) => entry.below >= 0)
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
  if (expired.length === 0) return;
  await tx.$executeRaw`
    DELETE FROM balance_history WHERE ${Prisma.join(
      expired.map((e) => Prisma.sql`(account_id = ${e.accountId} AND version <= ${e.below})`),
      ' OR ',
    )}`;
}
