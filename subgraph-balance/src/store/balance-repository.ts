import { randomUUID } from 'node:crypto';
import { duplicateKeyName, isConnectionError, isTransientSqlError, UnavailableError } from '@walletgraph/platform';
import { Prisma } from '../generated/prisma/client.js';
import type { BalancePrisma } from './prisma.js';
import { formatDecimal } from './decimal.js';
import { decideSide, type SideUpdate } from './version-rule.js';

/** A row of the read model as every other layer sees it: amounts are exact decimal strings. */
export interface BalanceState {
  readonly id: string;
  readonly accountId: string;
  readonly amount: string;
  readonly version: number;
  readonly updatedAt: Date;
}

export type SideOutcome = 'applied' | 'republished' | 'stale';

export interface AppliedSide {
  readonly outcome: SideOutcome;
  /** The row after the transaction (unchanged for `republished` and `stale`). */
  readonly state: BalanceState;
}

export interface BalanceRepository {
  /** One SQL query for all ids; unknown ids are simply absent. */
  findByAccountIds(accountIds: readonly string[]): Promise<BalanceState[]>;
  /** Applies both sides of one event in one transaction; retriable errors are UnavailableError. */
  applySides(sides: readonly SideUpdate[]): Promise<AppliedSide[]>;
  ping(): Promise<void>;
}

export interface BalanceRepositoryConfig {
  /** Longest a single apply transaction may run. */
  readonly transactionTimeoutMs: number;
}

interface LockedRow {
  readonly account_id: string;
  readonly version: number | bigint;
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

async function applyInTransaction(tx: Prisma.TransactionClient, sides: readonly SideUpdate[]): Promise<AppliedSide[]> {
  const accountIds = sides.map((side) => side.accountId);
  const locked = await tx.$queryRaw<LockedRow[]>`
    SELECT account_id, version FROM balances WHERE account_id IN (${Prisma.join(accountIds)}) FOR UPDATE`;
  const versions = new Map(locked.map((row) => [row.account_id, Number(row.version)]));
  const results: AppliedSide[] = [];
  for (const side of sides) {
    const decision = decideSide(versions.get(side.accountId), side);
    const amount = new Prisma.Decimal(side.amount);
    if (decision.kind === 'insert') {
      const row = await tx.balance.create({ data: { id: randomUUID(), accountId: side.accountId, amount, version: decision.version } });
      results.push({ outcome: 'applied', state: toState(row) });
    } else if (decision.kind === 'update') {
      const row = await tx.balance.update({ where: { accountId: side.accountId }, data: { amount, version: decision.version } });
      results.push({ outcome: 'applied', state: toState(row) });
    } else {
      const row = await tx.balance.findUniqueOrThrow({ where: { accountId: side.accountId } });
      results.push({ outcome: decision.kind === 'republish' ? 'republished' : 'stale', state: toState(row) });
    }
  }
  return results;
}

export function createBalanceRepository(deps: { readonly prisma: BalancePrisma }, config: BalanceRepositoryConfig): BalanceRepository {
  const { prisma } = deps;
  return {
    async findByAccountIds(accountIds) {
      if (accountIds.length === 0) return [];
      try {
        const rows = await prisma.balance.findMany({ where: { accountId: { in: [...accountIds] } } });
        return rows.map(toState);
      } catch (error: unknown) {
        throw classify(error);
      }
    },
    async applySides(sides) {
      try {
        return await prisma.$transaction((tx) => applyInTransaction(tx, sides), {
          timeout: config.transactionTimeoutMs,
          maxWait: config.transactionTimeoutMs,
        });
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
