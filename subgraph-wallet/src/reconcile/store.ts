import { toUnavailable } from '@walletgraph/platform/core';
import { connectMariaDb, parseMysqlUrl } from '@walletgraph/platform/db';
import type { Connection } from 'mariadb';
import { canonicalBalance, type AccountSnapshot } from './compare.js';

/** One plain connection per database: the reconciler is a short-lived, sequential tool. */
export async function connect(url: string): Promise<Connection> {
  const t = parseMysqlUrl(url);
  try {
    return await connectMariaDb({
      host: t.host,
      port: t.port,
      user: t.user,
      password: t.password,
      database: t.database,
      connectTimeout: 3_000,
      bigIntAsNumber: false,
      decimalAsNumber: false,
    });
  } catch (error: unknown) {
    throw toUnavailable(error, `database ${t.database}`);
  }
}

interface SnapshotRow {
  readonly account_id: string;
  readonly balance: string;
  readonly version: number | bigint;
}

function toSnapshot(row: SnapshotRow): AccountSnapshot {
  return { accountId: row.account_id, balance: canonicalBalance(row.balance), version: Number(row.version) };
}

/** Wallet accounts with id > afterId, in id order, at most pageSizeMax. */
export async function walletAccountsPage(wallet: Connection, afterId: string, pageSizeMax: number): Promise<AccountSnapshot[]> {
  const rows = await wallet.query<SnapshotRow[]>(
    'SELECT id AS account_id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id > ? ORDER BY id LIMIT ?',
    [afterId, pageSizeMax],
  );
  return rows.map(toSnapshot);
}

export async function walletAccountsByIds(wallet: Connection, ids: readonly string[]): Promise<AccountSnapshot[]> {
  if (ids.length === 0) return [];
  const rows = await wallet.query<SnapshotRow[]>('SELECT id AS account_id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id IN (?)', [ids]);
  return rows.map(toSnapshot);
}

/** Read-model rows with account_id > afterId, in id order, at most pageSizeMax. */
export async function readModelPage(balance: Connection, afterId: string, pageSizeMax: number): Promise<AccountSnapshot[]> {
  const rows = await balance.query<SnapshotRow[]>(
    'SELECT account_id, CAST(amount AS CHAR) AS balance, version FROM balances WHERE account_id > ? ORDER BY account_id LIMIT ?',
    [afterId, pageSizeMax],
  );
  return rows.map(toSnapshot);
}

export async function readModelByIds(balance: Connection, ids: readonly string[]): Promise<AccountSnapshot[]> {
  if (ids.length === 0) return [];
  const rows = await balance.query<SnapshotRow[]>('SELECT account_id, CAST(amount AS CHAR) AS balance, version FROM balances WHERE account_id IN (?)', [ids]);
  return rows.map(toSnapshot);
}

export interface OutboxBacklog {
  /** Rows not yet published by the relay. */
  readonly unpublishedCount: number;
  /** Age of the oldest unpublished row (0 when there is none). */
  readonly oldestAgeMs: number;
  readonly oldestCreatedAt: string | null;
}

export async function outboxBacklog(wallet: Connection): Promise<OutboxBacklog> {
  const [row] = await wallet.query<Array<{ n: number | bigint; oldest: Date | null; age_us: number | bigint | null }>>(
    `SELECT COUNT(*) AS n, MIN(created_at) AS oldest,
            TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) AS age_us
       FROM outbox_events WHERE published_at IS NULL`,
  );
  const count = Number(row?.n ?? 0);
  const ageUs = row?.age_us === null || row?.age_us === undefined ? 0 : Number(row.age_us);
  return {
    unpublishedCount: count,
    oldestAgeMs: count === 0 ? 0 : Math.max(0, Math.round(ageUs / 1_000)),
    oldestCreatedAt: row?.oldest ? row.oldest.toISOString() : null,
  };
}
