import DataLoader from 'dataloader';
import { decodeCursor, type Cursor } from '../domain/cursor.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';
import type { WalletQueries } from '../use-cases/queries.js';

/** Most ids one SQL statement may carry; larger requests become several statements. */
export const LOADER_BATCH_SIZE_MAX = 500;
/** Most accounts whose transaction pages are fetched in one UNION statement. */
export const PAGE_BATCH_ACCOUNT_COUNT_MAX = 50;

export interface TransactionPageKey {
  readonly accountId: string;
  readonly limit: number;
  readonly after: string | undefined;
}

export interface Loaders {
  readonly client: DataLoader<string, ClientRecord | null>;
  readonly account: DataLoader<string, AccountRecord | null>;
  readonly accountsByClient: DataLoader<string, AccountRecord[]>;
  readonly transaction: DataLoader<string, TransactionRecord | null>;
  readonly transactionPage: DataLoader<TransactionPageKey, TransactionRecord[], string>;
}

function byId<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): Array<T | null> {
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}

/** Pages requested with the same (limit, after) share one statement; different arguments get their own. */
async function loadPages(queries: WalletQueries, keys: readonly TransactionPageKey[]): Promise<TransactionRecord[][]> {
  const groups = new Map<string, { limit: number; after: Cursor | undefined; accountIds: string[] }>();
  for (const key of keys) {
    const groupKey = `${key.limit}|${key.after ?? ''}`;
    const group = groups.get(groupKey) ?? { limit: key.limit, after: decodeCursor(key.after), accountIds: [] };
    if (!group.accountIds.includes(key.accountId)) group.accountIds.push(key.accountId);
    groups.set(groupKey, group);
  }
  const results = new Map<string, TransactionRecord[]>();
  for (const [groupKey, group] of groups) {
    const pages = await queries.transactionPages(group.accountIds, group.limit, group.after);
    for (const [accountId, rows] of pages) results.set(`${groupKey}|${accountId}`, rows);
  }
  return keys.map((key) => results.get(`${key.limit}|${key.after ?? ''}|${key.accountId}`) ?? []);
}

const options = { maxBatchSize: LOADER_BATCH_SIZE_MAX };

/**
 * Fresh per request: caches never outlive one operation, so no stale reads across requests. Each
 * loader is made on first use (a federated read uses two of the five).
 */
export function createLoaders(queries: WalletQueries): Loaders {
  let client: Loaders['client'] | undefined;
  let account: Loaders['account'] | undefined;
  let accountsByClient: Loaders['accountsByClient'] | undefined;
  let transaction: Loaders['transaction'] | undefined;
  let transactionPage: Loaders['transactionPage'] | undefined;
  const loaders: Loaders = {
    get client() {
      return (client ??= new DataLoader(async (ids) => byId(ids, await queries.clientsByIds(ids)), options));
    },
    // An account's client comes in the same statement and primes the client loader: `account { client }`
    // is one database round trip.
    get account() {
      return (account ??= new DataLoader(async (ids) => {
        const rows = await queries.accountsWithClientsByIds(ids);
        for (const row of rows) if (row.client !== null) loaders.client.prime(row.client.id, row.client);
        return byId(
          ids,
          rows.map((row) => row.account),
        );
      }, options));
    },
    get accountsByClient() {
      return (accountsByClient ??= new DataLoader(async (clientIds) => {
        const byClient = new Map<string, AccountRecord[]>(clientIds.map((id) => [id, []]));
        for (const row of await queries.accountsByClientIds(clientIds)) byClient.get(row.clientId)?.push(row);
        return clientIds.map((clientId) => byClient.get(clientId) ?? []);
      }, options));
    },
    get transaction() {
      return (transaction ??= new DataLoader(async (ids) => byId(ids, await queries.transactionsByIds(ids)), options));
    },
    get transactionPage() {
      return (transactionPage ??= new DataLoader((keys) => loadPages(queries, keys), {
        maxBatchSize: PAGE_BATCH_ACCOUNT_COUNT_MAX,
        cacheKeyFn: (key) => `${key.accountId}|${key.limit}|${key.after ?? ''}`,
      }));
    },
  };
  return loaders;
}
