import type { Pool, PoolConnection } from 'mariadb';
import { UnavailableError } from '../core/index.js';

export interface DriverTransactionOptions {
  /** Longest the transaction may stay open: past it the connection is destroyed. */
  readonly timeoutMs: number;
  /** The UnavailableError's message when the deadline passed. */
  readonly expiredMessage: string;
}

/**
 * A transaction on one pooled driver connection, bounded in time. `work` sends its own statements,
 * BEGIN included (a write path's BEGIN rides in its first round trip).
 * - Deadline: past `timeoutMs` the connection is destroyed, which aborts a statement still waiting
 *   (a lock wait, say) and makes the server roll the transaction back; the call fails with
 *   UnavailableError (retriable). The connection is not returned to the pool.
 * - `commit`, when given, runs after the deadline was cleared: a COMMIT cut short by it would leave
 *   the caller unable to tell whether it happened. Without it, `work` commits itself (a path whose
 *   retry is harmless, such as an idempotent projection, may put COMMIT in its last round trip).
 * - Any other failure rolls back (or destroys the connection when even that fails) and is rethrown.
 */
export async function withDriverTransaction<T>(
  pool: Pool,
  options: DriverTransactionOptions,
  work: (connection: PoolConnection) => Promise<T>,
  commit?: (connection: PoolConnection) => Promise<void>,
): Promise<T> {
  const connection = await pool.getConnection();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    connection.destroy();
  }, options.timeoutMs);
  try {
    const result = await work(connection);
    clearTimeout(timer);
    if (expired) throw new UnavailableError(options.expiredMessage);
    if (commit !== undefined) await commit(connection);
    return result;
  } catch (error: unknown) {
    clearTimeout(timer);
    if (expired) throw error instanceof UnavailableError ? error : new UnavailableError(options.expiredMessage, { cause: error });
    await connection.rollback().catch(() => connection.destroy());
    throw error;
  } finally {
    if (!expired) await connection.release().catch(() => undefined);
  }
}
