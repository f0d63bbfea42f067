import { createLogger, UnavailableError } from '@walletgraph/platform/core';
import { Money } from '../domain/money.js';
import type { UnitOfWork } from '../store/unit-of-work.js';
import { createTransferBatcher, type TransferRequest } from './transfer-batcher.js';

// The batcher's collection and fallback logic (the SQL path is covered by test/group-commit.test.ts).
const logger = createLogger({ name: 'batcher-test', level: 'silent' });
const topics = { transactions: 'transactions', balances: 'balances' };
const request = (key: string): TransferRequest => ({ from: 'a', to: 'b', amount: new Money('1'), key, hash: 'h'.repeat(64) });

describe('transfer batcher', () => {
  it('a batch whose transaction fails as a whole runs each of its transfers alone, each with its own outcome', async () => {
    const runs: number[] = [];
    const unitOfWork: UnitOfWork = {
      run: async () => {
        runs.push(1);
        throw new UnavailableError('database transaction conflicted; retrying');
      },
    };
    const alone = jest.fn(async (r: TransferRequest) => {
      if (r.key === 'k2') throw new UnavailableError('still down');
      return { kind: 'taken' as const };
    });
    const batcher = createTransferBatcher({ unitOfWork, logger, alone }, { sizeMax: 10, windowMs: 5, topics });
    const outcomes = await Promise.allSettled(['k1', 'k2', 'k3'].map((key) => batcher.submit(request(key))));
    expect(runs).toHaveLength(1);
    expect(alone.mock.calls.map(([r]) => r.key)).toEqual(['k1', 'k2', 'k3']);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('flushes at the size limit without waiting for the window, and sends a repeated key to the next batch', async () => {
    const claimsPerBatch: number[] = [];
    const unitOfWork: UnitOfWork = {
      run: async (work) => {
        let claims = 0;
        // Every key reads back as someone else's: each item is a replay; only the batching is observed.
        const tx = { queue: () => void (claims += 1), run: async () => (claimsPerBatch.push(claims), [new Map(), new Map()]) };
        return work(tx as never);
      },
    };
    const batcher = createTransferBatcher({ unitOfWork, logger, alone: async () => ({ kind: 'taken' }) }, { sizeMax: 2, windowMs: 60_000, topics });
    // A one-minute window: only the size limit (and the repeated key) can flush these.
    await Promise.all([batcher.submit(request('k1')), batcher.submit(request('k2'))]);
    await Promise.all([batcher.submit(request('k3')), batcher.submit(request('k3')), batcher.submit(request('k4'))]);
    expect(claimsPerBatch).toEqual([2, 1, 2]);
  });
});
