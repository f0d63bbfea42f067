import { createConnection, createPool, type Connection, type ConnectionConfig, type Pool, type PoolConfig } from 'mariadb';
import { ConfigError, type Logger } from '../core/index.js';

/**
 * The session time zone of every connection: DATETIME defaults (`CURRENT_TIMESTAMP(3)`), `NOW()`
 * and TIMESTAMP conversions all run in UTC, matching the UTC strings Prisma sends.
 */
export const SESSION_TIME_ZONE = '+00:00';
const SET_SESSION_TIME_ZONE = `SET time_zone = '${SESSION_TIME_ZONE}'`;

/*
 * Why this module exists (mariadb 3.4.5): every statement the driver runs while it "initialises" a
 * fresh connection (the `SET time_zone` behind the `timezone` option, `initSql`, `sessionVariables`)
 * is chained inside `Connection.authSucceedHandler`, whose `.catch` re-rejects into a promise nobody
 * holds. If the socket dies during that round trip (a database blip, a failover, a proxy reset), the
 * connect() caller gets the error *and* the process gets an unhandled rejection — which kills Node.
 * So connections are opened with no driver init statement at all, and we set the session time zone
 * ourselves with a query whose failure we handle.
 */

/** Options that would make the driver run init statements on an unhandled promise chain. */
const UNSAFE_INIT_OPTIONS = ['timezone', 'initSql', 'sessionVariables'] as const;

function withoutDriverInit<T extends ConnectionConfig>(config: T): T {
  const safe = { ...config } as Record<string, unknown>;
  const timezone = safe['timezone'];
  if (timezone !== undefined && (typeof timezone !== 'string' || !['Z', 'UTC', 'Etc/UTC', '+00:00'].includes(timezone))) {
    throw new ConfigError(
      `database sessions always run in UTC; timezone ${typeof timezone === 'string' ? timezone : JSON.stringify(timezone)} is not supported`,
    );
  }
  for (const option of UNSAFE_INIT_OPTIONS) {
    if (option !== 'timezone' && safe[option] !== undefined) {
      throw new ConfigError(`database option ${option} is not supported (init statements can crash the process when the connection drops)`);
    }
    delete safe[option];
  }
  return safe as unknown as T;
}

/** The driver's internal connection the pool hands to its 'connection' and 'acquire' listeners. */
interface RawConnection {
  readonly threadId: number | null;
  query(cmdParam: { sql: string }, resolve: () => void, reject: (error: unknown) => void): void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  destroy(): void;
}

/**
 * A pool whose connections cannot crash the process when the database goes away:
 * - no driver init statements (see above); each new connection gets `SET time_zone = '+00:00'`
 *   queued as its very first command, before anyone can run a query on it;
 * - a persistent 'error' listener on every connection (the pool's own listener is `once`), and one
 *   on the pool (it emits 'error' when it cannot create connections for `initializationTimeout`).
 */
export function createMariaDbPool(config: PoolConfig, logger?: Logger): Pool {
  const pool = createPool(withoutDriverInit(config));
  const prepared = new WeakSet<object>();
  const prepare = (connection: unknown): void => {
    const raw = connection as RawConnection;
    if (prepared.has(raw)) return;
    prepared.add(raw);
    raw.on('error', (error: unknown) => logger?.debug({ err: error, threadId: raw.threadId }, 'database connection lost'));
    // Queued synchronously: the pool emits 'connection' and 'acquire' before handing the connection
    // to a caller, so this runs before the caller's first statement (the driver keeps command order).
    raw.query(
      { sql: SET_SESSION_TIME_ZONE },
      () => undefined,
      (error: unknown) => {
        const fatal = (error as { fatal?: boolean } | null)?.fatal === true;
        logger?.warn({ err: error, threadId: raw.threadId }, 'cannot set the database session time zone; dropping the connection');
        // A dead socket is already out of the pool; a live one must not serve queries in another zone.
        if (!fatal) raw.destroy();
      },
    );
  };
  pool.on('connection', prepare);
  pool.on('acquire', prepare);
  // The pool is an EventEmitter; its typings omit 'error', emitted with no listener it would throw.
  (pool as unknown as NodeJS.EventEmitter).on('error', (error: unknown) => logger?.warn({ err: error }, 'database pool cannot create connections'));
  return pool;
}

/**
 * One connection outside any pool, with the same guarantees: UTC session, no driver init statement,
 * a persistent 'error' listener. Rejects (and leaves nothing behind) when it cannot connect.
 */
export async function connectMariaDb(config: ConnectionConfig, logger?: Logger): Promise<Connection> {
  const connection = await createConnection(withoutDriverInit(config));
  connection.on('error', (error: unknown) => logger?.debug({ err: error, threadId: connection.threadId }, 'database connection lost'));
  try {
    await connection.query(SET_SESSION_TIME_ZONE);
  } catch (error: unknown) {
    connection.destroy();
    throw error;
  }
  return connection;
}
