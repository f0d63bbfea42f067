import { UnavailableError } from './index.js';

/** MySQL/MariaDB error numbers that mean "try again": deadlock, lock wait timeout. */
const TRANSIENT_SQL_ERRNOS = new Set([1213, 1205]);
/** Connection-level failures: the database is down or unreachable. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ER_GET_CONNECTION_TIMEOUT',
  'ER_CONNECTION_TIMEOUT',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_ALREADY_CLOSED',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CMD_CONNECTION_CLOSED',
  'ER_SERVER_SHUTDOWN',
  'ER_POOL_ALREADY_CLOSED',
]);

function readField(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** The error's message ('' when it has none). */
function messageOf(error: unknown): string {
  const message = readField(error, 'message');
  return typeof message === 'string' ? message : '';
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    chain.push(current);
    current = readField(current, 'cause');
  }
  return chain;
}

/** True for deadlocks and lock wait timeouts, which a fresh transaction usually clears. */
export function isTransientSqlError(error: unknown): boolean {
  return causes(error).some((e) => {
    const errno = readField(e, 'errno') ?? readField(e, 'originalCode');
    const text = messageOf(e);
    return (typeof errno === 'number' && TRANSIENT_SQL_ERRNOS.has(errno)) || /Deadlock found|Lock wait timeout/i.test(text);
  });
}

/** True when the database could not be reached at all. */
export function isConnectionError(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = readField(e, 'code');
    const kind = readField(e, 'kind');
    const text = messageOf(e);
    return (
      (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
      kind === 'DatabaseNotReachable' ||
      kind === 'ConnectionClosed' ||
      /pool timeout|retrieve connection from pool|ECONNREFUSED|Connection closed|socket has unexpectedly been closed|Can't reach database|server shutdown/i.test(
        text,
      )
    );
  });
}

/** MySQL duplicate key (1062) and the name of the violated key when the driver tells it. */
export function duplicateKeyName(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const errno = readField(e, 'errno') ?? readField(e, 'originalCode');
    const code = readField(e, 'code');
    const text = messageOf(e);
    if (errno === 1062 || errno === '1062' || code === 'P2002' || code === 'ER_DUP_ENTRY' || /Duplicate entry/.test(text)) {
      const match = /for key '([^']+)'/.exec(text);
      const target = readField(readField(e, 'meta'), 'target');
      return match?.[1] ?? (typeof target === 'string' ? target : 'unknown');
    }
  }
  return undefined;
}

/** Maps infrastructure failures to a retriable AppError; other errors pass through unchanged. */
export function toUnavailable(error: unknown, what = 'database'): unknown {
  if (isConnectionError(error)) return new UnavailableError(`${what} is unavailable; try again shortly`, { cause: error });
  return error;
}
