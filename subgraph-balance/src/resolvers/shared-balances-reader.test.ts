import type { BalanceRepository, BalanceState } from '../store/balance-repository';
import { createBalanceLoader, createSharedBalancesReader } from './context';

/** A repository that records the id lists it was asked for; `fail` makes the next call throw. */
function recordingRepository() {
  const calls: string[][] = [];
  const state = { fail: false };
  const repository = {
    findByAccountIds: async (ids: readonly string[]): Promise<BalanceState[]> => {
      calls.push([...ids]);
      if (state.fail) {
        state.fail = false;
        throw new Error('database down');
      }
      return ids
        .filter((id) => id !== 'missing')
        .map((id) => ({ id: `row-${id}`, accountId: id, amount: `${calls.length}`, version: 3, updatedAt: new Date(0) }));
    },
  } as unknown as BalanceRepository;
  return { repository, calls, state };
}

describe('the shared balances reader of HTTP requests', () => {
  it('reads the balances of requests that reach it in one event-loop turn with one query, each request getting its own', async () => {
    const { repository, calls } = recordingRepository();
    const read = createSharedBalancesReader(repository, 500);
    // Three requests, each with its own per-request loader, as the subgraph's context makes them.
    const loaders = Array.from({ length: 3 }, () => createBalanceLoader(read, 500));
    const results = await Promise.all([loaders[0]!.load('a'), loaders[1]!.load('b'), loaders[2]!.load('missing'), loaders[0]!.load('c')]);
    expect(calls).toHaveLength(1);
    expect([...(calls[0] ?? [])].sort()).toEqual(['a', 'b', 'c', 'missing']);
    expect(results.map((r) => r?.accountId ?? null)).toEqual(['a', 'b', null, 'c']);
  });

  it('caches nothing: a later read queries again and sees the newer row', async () => {
    const { repository, calls } = recordingRepository();
    const read = createSharedBalancesReader(repository, 500);
    const first = await createBalanceLoader(read, 500).load('a');
    const second = await createBalanceLoader(read, 500).load('a');
    expect(calls).toEqual([['a'], ['a']]);
    expect([first?.amount, second?.amount]).toEqual(['1', '2']);
  });

  it("rejects every request of a failed query, and the next turn's requests query afresh", async () => {
    const { repository, calls, state } = recordingRepository();
    const read = createSharedBalancesReader(repository, 500);
    state.fail = true;
    const failed = await Promise.allSettled([createBalanceLoader(read, 500).load('a'), createBalanceLoader(read, 500).load('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(createBalanceLoader(read, 500).load('a')).resolves.toMatchObject({ accountId: 'a' });
    expect(calls).toHaveLength(2);
  });
});
