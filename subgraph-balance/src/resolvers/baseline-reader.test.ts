import type { BalanceRepository, BalanceState } from '../store/balance-repository';
import { createBaselineReader } from './context';

/** A repository that only records the id lists it was asked for. */
function recordingRepository() {
  const calls: string[][] = [];
  const repository = {
    findByAccountIds: async (ids: readonly string[]): Promise<BalanceState[]> => {
      calls.push([...ids]);
      return ids.filter((id) => id !== 'missing').map((id) => ({ id: `row-${id}`, accountId: id, amount: '1', version: 3, updatedAt: new Date(0) }));
    },
  } as unknown as BalanceRepository;
  return { repository, calls };
}

describe('the subscription baseline reader', () => {
  it('reads the baselines of subscriptions started in separate I/O callbacks with one query', async () => {
    const { repository, calls } = recordingRepository();
    const read = createBaselineReader(repository, 500);
    // Each subscribe arrives in its own macrotask, as WebSocket messages do.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => new Promise<BalanceState | null>((resolve) => setImmediate(() => resolve(read(`a${i}`))))),
    );
    expect(calls).toHaveLength(1);
    expect(results.map((r) => r?.accountId)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
  });

  it('answers null for an account without a row, and caches nothing between bursts', async () => {
    const { repository, calls } = recordingRepository();
    const read = createBaselineReader(repository, 500);
    await expect(read('missing')).resolves.toBeNull();
    await read('a1');
    await read('a1');
    expect(calls).toEqual([['missing'], ['a1'], ['a1']]);
  });

  it('splits a burst larger than the batch bound', async () => {
    const { repository, calls } = recordingRepository();
    const read = createBaselineReader(repository, 10);
    await Promise.all(Array.from({ length: 25 }, (_, i) => read(`b${i}`)));
    expect(calls.map((ids) => ids.length)).toEqual([10, 10, 5]);
  });
});
