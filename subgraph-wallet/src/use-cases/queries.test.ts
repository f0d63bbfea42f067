import type { Database } from '../store/database.js';
import { createWalletQueries } from './queries.js';

/** A database whose pool answers the by-id account read from `ids`, recording each statement's values; `fail` makes the next one throw. */
function recordingDatabase() {
  const calls: string[][] = [];
  const state = { fail: false };
  const row = (id: string) => ({
    id,
    client_id: `client-${id}`,
    balance: `${calls.length}.00`,
    version: 1,
    created_at: '2026-01-01 00:00:00.000',
    client_name: `Client ${id}`,
    client_email: `${id}@example.test`,
    client_created_at: '2026-01-01 00:00:00.000',
    client_updated_at: '2026-01-01 00:00:00.000',
  });
  const pool = {
    query: async (_sql: string, values: string[]) => {
      calls.push([...values]);
      if (state.fail) {
        state.fail = false;
        throw new Error('database down');
      }
      return values.filter((id) => id !== 'missing').map(row);
    },
  };
  return { db: { pool, onSqlQuery: undefined } as unknown as Database, calls, state };
}

describe('the shared by-id account read', () => {
  it('reads the accounts of requests that reach it in one event-loop turn with one statement, each request getting its own', async () => {
    const { db, calls } = recordingDatabase();
    const queries = createWalletQueries({ db });
    const [a, b, none] = await Promise.all([
      queries.accountsWithClientsByIds(['a']),
      queries.accountsWithClientsByIds(['b', 'c']),
      queries.accountsWithClientsByIds(['missing']),
    ]);
    expect(calls).toHaveLength(1);
    expect([...(calls[0] ?? [])].sort()).toEqual(['a', 'b', 'c', 'missing']);
    expect(a?.map((r) => [r.account.id, r.client?.email])).toEqual([['a', 'a@example.test']]);
    expect(b?.map((r) => r.account.id)).toEqual(['b', 'c']);
    expect(none).toEqual([]);
  });

  it('caches nothing: a later read runs again and sees the newer row', async () => {
    const { db, calls } = recordingDatabase();
    const queries = createWalletQueries({ db });
    const [first] = await queries.accountsWithClientsByIds(['a']);
    const [second] = await queries.accountsWithClientsByIds(['a']);
    expect(calls).toEqual([['a'], ['a']]);
    expect(first?.account.balance.toString()).not.toBe(second?.account.balance.toString());
  });

  it("rejects every request of a failed statement, and the next turn's requests read afresh", async () => {
    const { db, calls, state } = recordingDatabase();
    const queries = createWalletQueries({ db });
    state.fail = true;
    const failed = await Promise.allSettled([queries.accountsWithClientsByIds(['a']), queries.accountsWithClientsByIds(['b'])]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(queries.accountsWithClientsByIds(['a'])).resolves.toHaveLength(1);
    expect(calls).toHaveLength(2);
  });
});
