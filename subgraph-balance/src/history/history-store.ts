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

/** A history row to write: one applied or late version, and the transfer that made it. */
interface HistoryWrite {
  readonly state: AppliedSide['state'];
  readonly transactionId: string | undefined;
}

/** Applied versions, and late ones (older than the row, still a version the account went through). */
function historyWritesOf(applied: readonly AppliedSide[]): HistoryWrite[] {
  return applied.flatMap((side) =>
    side.outcome === 'applied'
      ? [{ state: side.state, transactionId: side.transactionId }]
      : side.lateVersion === undefined
        ? []
        : [{ state: side.lateVersion, transactionId: side.transactionId }],
  );
}

/** Per account, the highest version to delete (newest written minus the retention), by account id. */
function expiredOf(writes: readonly HistoryWrite[], retention: HistoryRetention): Array<{ readonly accountId: string; readonly below: number }> {
  const newest = new Map<string, number>();
  for (const { state } of writes) newest.set(state.accountId, Math.max(newest.get(state.accountId) ?? 0, state.version));
  return [...newest]
    .map(([accountId, version]) => ({ accountId, below: version - retention.versionsPerAccountMax }))
    .filter((entry) => entry.below >= 0)
    .sort((a, b) => a.accountId.localeCompare(b.accountId));
}

/** A statement for the driver (text protocol, `?` placeholders). */
export interface SqlStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** DATETIME(3) text in UTC (the sessions run in UTC), independent of the process time zone. */
export const utcDateTime = (date: Date): string => date.toISOString().slice(0, 23).replace('T', ' ');

/**
 * The same writes as recordHistory, as statements sent in the apply transaction's last round trip
 * (the projector's driver path): the history rows, then the per-account retention.
 */
export function historyStatements(applied: readonly AppliedSide[], retention: HistoryRetention): SqlStatement[] {
  const writes = historyWritesOf(applied);
  if (writes.length === 0) return [];
  const statements: SqlStatement[] = [
    {
      sql: `INSERT INTO balance_history (account_id, version, amount, transaction_id, recorded_at) VALUES ${writes.map(() => '(?, ?, ?, ?, ?)').join(', ')}
    ON DUPLICATE KEY UPDATE amount = VALUES(amount), transaction_id = VALUES(transaction_id), recorded_at = VALUES(recorded_at)`,
      values: writes.flatMap(({ state: s, transactionId }) => [s.accountId, s.version, s.amount, transactionId ?? null, utcDateTime(s.updatedAt)]),
    },
  ];
  const expired = expiredOf(writes, retention);
  if (expired.length > 0) {
    statements.push({
      sql: `DELETE FROM balance_history WHERE ${expired.map(() => '(account_id = ? AND version <= ?)').join(' OR ')}`,
      values: expired.flatMap((e) => [e.accountId, e.below]),
    });
  }
  return statements;
}

/**
 * Runs inside the projector's transaction: one history row per applied version, then the
 * per-account retention. A redelivered version (same account and version) overwrites its row, so
 * a retried transaction or an old un-versioned event never adds a second one.
 */
export async function recordHistory(tx: Prisma.TransactionClient, applied: readonly AppliedSide[], retention: HistoryRetention): Promise<void> {
  const sides = historyWritesOf(applied);
  if (sides.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO balance_history (account_id, version, amount, transaction_id, recorded_at)
    VALUES ${Prisma.join(sides.map(({ state: s, transactionId }) => Prisma.sql`(${s.accountId}, ${s.version}, ${s.amount}, ${transactionId ?? null}, ${s.updatedAt})`))}
    ON DUPLICATE KEY UPDATE amount = VALUES(amount), transaction_id = VALUES(transaction_id), recorded_at = VALUES(recorded_at)`;
  const expired = expiredOf(sides, retention);
  if (expired.length === 0) return;
  await tx.$executeRaw`
    DELETE FROM balance_history WHERE ${Prisma.join(
      expired.map((e) => Prisma.sql`(account_id = ${e.accountId} AND version <= ${e.below})`),
      ' OR ',
    )}`;
}
