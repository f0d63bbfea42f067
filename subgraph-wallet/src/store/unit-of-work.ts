import { isTransientSqlError, retry, toUnavailable, UnavailableError, type Logger } from '@walletgraph/platform/core';
import { queryInOneRoundTrip, withDriverTransaction } from '@walletgraph/platform/db';
import type { PoolConnection } from 'mariadb';
import type { Database } from './database.js';
import type { Statement, StatementResults } from './statement.js';
import { inCommitSpan, inSqlSpan, inTransactionSpan } from './sql-trace.js';

/** The open transaction handed to a unit of work's body. */
export interface Tx {
  /**
   * Sends the statements (after any queued ones) in ONE round trip and returns their results in
   * order. The server runs them in order and stops at the first failure, which fails the call;
   * the unit of work then rolls everything back.
   */
  run<S extends readonly Statement<unknown>[]>(...statements: S): Promise<StatementResults<S>>;
  /** Sends `statement` ahead of the next run()'s statements, in the same round trip. */
  queue(statement: Statement<void>): void;
}

export interface UnitOfWorkConfig {
  /** Attempts of a whole transaction that hit a deadlock or lock-wait timeout. */
  readonly retryCountMax: number;
  /** Longest a transaction may stay open before it is rolled back. */
  readonly timeoutMs: number;
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

class TransientTransactionError extends UnavailableError {}

const ignoreResult = (): void => undefined;

/** The transaction starts with the body's first round trip: no round trip of its own. */
const BEGIN: readonly Statement<void>[] = [
  { sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', values: [], read: ignoreResult },
  { sql: 'START TRANSACTION', values: [], read: ignoreResult },
];

function createTx(connection: PoolConnection, onSqlQuery: ((sql: string) => void) | undefined): Tx & { readonly begun: boolean } {
  let queued: Statement<void>[] = [...BEGIN];
  let begun = false;
  return {
    get begun() {
      return begun;
    },
    queue(statement) {
      queued.push(statement);
    },
    async run<S extends readonly Statement<unknown>[]>(...statements: S): Promise<StatementResults<S>> {
      const all: readonly Statement<unknown>[] = [...queued, ...statements];
      const leading = queued.length;
      queued = [];
      begun = true;
      if (onSqlQuery !== undefined) for (const s of all) onSqlQuery(s.sql);
      let results: unknown[];
      try {
        results = await inSqlSpan(all, () => queryInOneRoundTrip(connection, all));
      } catch (error: unknown) {
        for (const s of all) {
          const mapped = s.mapError?.(error);
          if (mapped !== undefined && mapped !== error) throw mapped;
        }
        throw error;
      }
      const values = all.map((s, i) => s.read(results[i]));
      return values.slice(leading) as StatementResults<S>;
    },
  };
}

/**
 * Transactions run on the mariadb pool behind Prisma, as a few multi-statement round trips: Prisma's
 * interactive transactions cost one round trip and a query compilation per statement, which made a
 * transfer CPU-bound at ~5 ms.
 */
export function createUnitOfWork(deps: UnitOfWorkDeps, config: UnitOfWorkConfig): UnitOfWork {
  async function once<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let tx: ReturnType<typeof createTx> | undefined;
    return withDriverTransaction(
      deps.db.pool,
      { timeoutMs: config.timeoutMs, expiredMessage: 'database transaction timed out; try again' },
      (connection) => work((tx = createTx(connection, deps.db.onSqlQuery))),
      async (connection) => {
        if (tx?.begun !== true) return;
        deps.db.onSqlQuery?.('COMMIT');
        await inCommitSpan(() => connection.query('COMMIT'));
      },
    );
  }

  return {
    async run(work, options = {}) {
      const result = await retry(
        async () => {
          try {
            return await inTransactionSpan(() => once(work));
          } catch (error: unknown) {
            if (isTransientSqlError(error)) throw new TransientTransactionError('database transaction conflicted; retrying', { cause: error });
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
