import { isTransientSqlError, retry, toUnavailable, UnavailableError, type Logger } from '@walletgraph/platform';
import { Prisma } from '../generated/prisma/client.js';
import type { Database } from './database.js';

export type Tx = Prisma.TransactionClient;

export interface UnitOfWorkConfig {
  /** Attempts of a whole transaction that hit a deadlock or lock-wait timeout. */
  readonly retryCountMax: number;
  /** Longest a transaction may stay open before it is rolled back. */
  readonly timeoutMs: number;
  /** Longest wait for a pooled connection to start one. */
  readonly acquireTimeoutMs: number;
}

export interface UnitOfWorkDeps {
  readonly db: Database;
  readonly logger: Logger;
  /** Called after every commit that wrote outbox rows (wakes the relay). */
  readonly onOutboxCommit: () => void;
}

export interface UnitOfWork {
  /** Runs `work` in one READ COMMITTED transaction; retries all of it on deadlock/lock timeout. */
  run<T>(work: (tx: Tx) => Promise<T>, options?: { readonly writesOutbox?: boolean }): Promise<T>;
}

/** Prisma's "transaction already closed / timed out" codes: the work did not commit. */
const TRANSACTION_EXPIRED_CODES = new Set(['P2028']);

function isTransactionExpired(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && TRANSACTION_EXPIRED_CODES.has(error.code);
}

class TransientTransactionError extends UnavailableError {}

export function createUnitOfWork(deps: UnitOfWorkDeps, config: UnitOfWorkConfig): UnitOfWork {
  return {
    async run(work, options = {}) {
      const result = await retry(
        async () => {
          try {
            return await deps.db.prisma.$transaction(work, {
              isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
              maxWait: config.acquireTimeoutMs,
              timeout: config.timeoutMs,
            });
          } catch (error: unknown) {
            if (isTransientSqlError(error)) throw new TransientTransactionError('database transaction conflicted; retrying', { cause: error });
            if (isTransactionExpired(error)) throw new UnavailableError('database transaction timed out; try again', { cause: error });
            throw toUnavailable(error);
          }
        },
        {
          attemptCountMax: config.retryCountMax,
          delayMsInitial: 5,
          delayMsMax: 200,
          // Only conflicts are retried here: an unreachable database is reported to the caller at once.
          shouldRetry: (error) => error instanceof TransientTransactionError,
          onRetry: (error, attempt) => deps.logger.debug({ attempt, err: error }, 'retrying database transaction'),
        },
      );
      if (options.writesOutbox === true) deps.onOutboxCommit();
      return result;
    },
  };
}
