import type { Pool, PoolConnection } from 'mariadb';
import { UnavailableError } from '../core/index.js';
import { withDriverTransaction } from './driver-transaction.js';

function fakePool(options: { rollbackFails?: boolean } = {}) {
  const calls: string[] = [];
  const connection = {
    destroy: () => calls.push('destroy'),
    release: async () => {
      calls.push('release');
    },
    rollback: async () => {
      calls.push('rollback');
      if (options.rollbackFails === true) throw new Error('socket gone');
    },
  } as unknown as PoolConnection;
  const pool = { getConnection: async () => connection } as unknown as Pool;
  return { pool, calls };
}

const options = { timeoutMs: 50, expiredMessage: 'ran over' };

describe('withDriverTransaction', () => {
  it('returns the work’s result, commits after it and releases the connection', async () => {
    const { pool, calls } = fakePool();
    const result = await withDriverTransaction(
      pool,
      options,
      async () => {
        calls.push('work');
        return 7;
      },
      async () => {
        calls.push('commit');
      },
    );
    expect(result).toBe(7);
    expect(calls).toEqual(['work', 'commit', 'release']);
  });

  it('rolls back and rethrows what the work threw; destroys the connection when even the rollback fails', async () => {
    const failing = async (): Promise<never> => {
      throw new Error('duplicate key');
    };
    const first = fakePool();
    await expect(withDriverTransaction(first.pool, options, failing)).rejects.toThrow('duplicate key');
    expect(first.calls).toEqual(['rollback', 'release']);
    const second = fakePool({ rollbackFails: true });
    await expect(withDriverTransaction(second.pool, options, failing)).rejects.toThrow('duplicate key');
    expect(second.calls).toEqual(['rollback', 'destroy', 'release']);
  });

  it('past the deadline destroys the connection, fails retriable and never commits nor releases it', async () => {
    const { pool, calls } = fakePool();
    const commit = jest.fn(async () => undefined);
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(1), 120));
    const error: unknown = await withDriverTransaction(pool, options, slow, commit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).message).toBe('ran over');
    expect(commit).not.toHaveBeenCalled();
    expect(calls).toEqual(['destroy']);
  });

  it('a statement aborted by the deadline surfaces as the retriable deadline error, its cause kept', async () => {
    const { pool, calls } = fakePool();
    const aborted = () => new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error('connection destroyed')), 120));
    const error: unknown = await withDriverTransaction(pool, options, aborted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(((error as UnavailableError).cause as Error).message).toBe('connection destroyed');
    expect(calls).toEqual(['destroy']);
  });
});
