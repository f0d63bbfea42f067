import { randomUUID } from 'node:crypto';
import { assert, duplicateKeyName, isConnectionError, isTransientSqlError, retry, UnavailableError } from '@walletgraph/platform/core';
import { Prisma } from '../generated/prisma/client.js';
import { driverPoolOf, type BalancePrisma } from './prisma.js';
import { formatDecimal } from './decimal.js';
import { planBatch, type AppliedSide, type BalanceState } from './batch-plan.js';
import type { SideUpdate } from './version-rule.js';
import { recordHistory, type HistoryRetention } from '../history/history-store.js';
import { applyOnDriver } from './driver-apply.js';

export type { AppliedSide, BalanceState, SideOutcome } from './batch-plan.js';

export interface BalanceRepository {
  /** One SQL query for all ids; unknown ids are simply absent. */
  findByAccountIds(accountIds: readonly string[]): Promise<BalanceState[]>;
  /**
   * Applies the sides of one or more events, in order, in one transaction: the affected rows are
   * locked once, the version rule runs in memory, each changed row is written once. Returns one
   * result per side, in order. Retriable errors are UnavailableError.
   */
  applySides(sides: readonly SideUpdate[]): Promise<AppliedSide[]>;
  ping(): Promise<void>;
}

export interface BalanceRepositoryConfig {
  /** Longest a single apply transaction may run. */
  readonly transactionTimeoutMs: number;
  /** Every applied version is also written to `balance_history` in the same transaction. */
  readonly history: HistoryRetention;
}

/** Sides one transaction may apply (two per event); a bug above if exceeded. */
export const APPLY_SIDES_MAX = 10_000;

interface LockedRow {
  readonly id: string;
  readonly account_id: string;
  readonly amount: Prisma.Decimal | string | number;
  readonly version: number | bigint;
  readonly updated_at: Date | string;
}

type BalanceRow = { id: string; accountId: string; amount: Prisma.Decimal; version: number; updatedAt: Date };

function toState(row: BalanceRow): BalanceState {
  return {
    id: row.id,
    accountId: row.accountId,
    amount: formatDecimal(row.amount.toFixed()),
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

/**
 * Prisma codes worth another attempt: write conflict or deadlock (P2034), transaction could not
 * start or expired (P2028), server unreachable, timed out or closed the connection (P1001, P1002, P1008, P1017).
 */
const RETRIABLE_PRISMA_CODES = new Set(['P2034', 'P2028', 'P1001', 'P1002', 'P1008', 'P1017']);

function prismaCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Another transaction won a race for the same rows: deadlock, lock timeout, or a row created meanwhile. */
function isRowConflict(error: unknown): boolean {
  return prismaCode(error) === 'P2034' || isTransientSqlError(error) || duplicateKeyName(error) !== undefined;
}

/** Quick attempts for a conflict before it is reported as retriable (and backed off by the caller). */
const CONFLICT_RETRY = { attemptCountMax: 3, delayMsInitial: 2, delayMsMax: 20 } as const;

/** Maps driver failures to retriable errors; anything else is a bug and passes through. */
function classify(error: unknown): unknown {
  const code = prismaCode(error);
  if (typeof code === 'string' && RETRIABLE_PRISMA_CODES.has(code)) {
    return new UnavailableError(`balance database refused the operation for now (${code})`, { cause: error });
  }
  if (isConnectionError(error)) return new UnavailableError('balance database is unavailable', { cause: error });
  if (isTransientSqlError(error)) return new UnavailableError('balance transaction hit a lock conflict', { cause: error });
  // Two instances creating the same account's first row at once: the retry finds the row.
  if (duplicateKeyName(error) !== undefined) return new UnavailableError('concurrent insert of a balance row', { cause: error });
  return error;
}

function lockedState(row: LockedRow): BalanceState {
  return {
    id: row.id,
    accountId: row.account_id.toLowerCase(),
    amount: formatDecimal(new Prisma.Decimal(row.amount).toFixed()),
    version: Number(row.version),
    updatedAt: new Date(row.updated_at),
  };
}

const rowValues = (state: BalanceState) =>
  Prisma.sql`(${state.id}, ${state.accountId}, ${state.amount}, ${state.version}, ${state.updatedAt}, ${state.updatedAt})`;

async function applyInTransaction(tx: Prisma.TransactionClient, sides: readonly SideUpdate[], history: HistoryRetention): Promise<AppliedSide[]> {
  // One lock order for every transaction (ascending account id), so two partitions touching the
  // same accounts wait for each other instead of deadlocking.
  const accountIds = [...new Set(sides.map((side) => side.accountId))].sort();
  const locked = await tx.$queryRaw<LockedRow[]>`
    SELECT id, account_id, amount, version, updated_at FROM balances
    WHERE account_id IN (${Prisma.join(accountIds)}) ORDER BY account_id FOR UPDATE`;
  const stored = new Map(locked.map((row) => [row.account_id.toLowerCase(), lockedState(row)]));
  const plan = planBatch(stored, sides, { now: new Date(), newId: randomUUID });
  if (plan.inserts.length > 0) {
    // A plain INSERT: a row another instance created since our read fails as a duplicate and the
    // whole transaction is retried against it, never silently overwritten.
    await tx.$executeRaw`
      INSERT INTO balances (id, account_id, amount, version, created_at, updated_at)
      VALUES ${Prisma.join(plan.inserts.map(rowValues))}`;
  }
  if (plan.updates.length > 0) {
    // Every row here is locked above, so the upsert only ever updates (one statement for all rows).
    await tx.$executeRaw`
      INSERT INTO balances (id, account_id, amount, version, created_at, updated_at)
      VALUES ${Prisma.join(plan.updates.map(rowValues))}
      ON DUPLICATE KEY UPDATE amount = VALUES(amount), version = VALUES(version), updated_at = VALUES(updated_at)`;
  }
  await recordHistory(tx, plan.sides, history);
  return [...plan.sides];
}

interface BalanceTextRow {
  readonly id: string;
  readonly account_id: string;
  readonly amount: string;
  readonly version: number | bigint;
  readonly updated_at: string;
}

/**
 * The read of every federated balance, on the driver pool with constant SQL: Prisma's per-query
 * compile and mapping cost more than the query itself. Dates as UTC text (the sessions run in UTC).
 */
async function readByAccountIds(driver: NonNullable<ReturnType<typeof driverPoolOf>>, accountIds: readonly string[]): Promise<BalanceState[]> {
  const sql = `SELECT id, account_id, CAST(amount AS CHAR) AS amount, version, CAST(updated_at AS CHAR) AS updated_at FROM balances WHERE account_id IN (${accountIds.map(() => '?').join(', ')})`;
  driver.onSqlQuery?.(sql);
  // The text itself, not `{ sql }`: an options object makes the driver copy its whole connection
  // options into every query command.
  const rows = await driver.pool.query<BalanceTextRow[]>(sql, [...accountIds]);
  return rows.map((row) => ({
    id: row.id,
    accountId: row.account_id,
    amount: formatDecimal(row.amount),
    version: Number(row.version),
    updatedAt: new Date(`${row.updated_at.replace(' ', 'T')}Z`),
  }));
}

export function createBalanceRepository(deps: { readonly prisma: BalancePrisma }, config: BalanceRepositoryConfig): BalanceRepository {
  const { prisma } = deps;
  return {
    async findByAccountIds(accountIds) {
      if (accountIds.length === 0) return [];
      try {
        const driver = driverPoolOf(prisma);
        if (driver !== undefined) return await readByAccountIds(driver, accountIds);
        const rows = await prisma.balance.findMany({ where: { accountId: { in: [...accountIds] } } });
        return rows.map(toState);
      } catch (error: unknown) {
        throw classify(error);
      }
    },
    async applySides(sides) {
      if (sides.length === 0) return [];
      assert(sides.length <= APPLY_SIDES_MAX, `${sides.length} sides in one transaction (max ${APPLY_SIDES_MAX})`);
      const driver = driverPoolOf(prisma);
      const transaction = () =>
        driver !== undefined
          ? applyOnDriver(driver, sides, config.history, config.transactionTimeoutMs)
          : prisma.$transaction((tx) => applyInTransaction(tx, sides, config.history), {
              timeout: config.transactionTimeoutMs,
              maxWait: config.transactionTimeoutMs,
              // No gap locks: accounts without a row are not locked by the read, so concurrent
              // partitions creating rows cannot deadlock on a shared gap; the plain INSERT turns a
              // race for the same new account into a duplicate-key error, retried.
              isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
            });
      try {
        // A lost race with another partition is settled by the next attempt, at once: the
        // outage backoff above (hundreds of ms) would only add latency.
        return await retry(transaction, { ...CONFLICT_RETRY, shouldRetry: isRowConflict });
      } catch (error: unknown) {
        throw classify(error);
      }
    },
    async ping() {
      try {
        await prisma.$queryRaw`SELECT 1`;
      } catch (error: unknown) {
        throw classify(error);
      }
    },
  };
}
