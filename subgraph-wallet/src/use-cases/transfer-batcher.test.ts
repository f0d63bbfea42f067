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
    const batcher = createTransferBatcher({ unitOfWork, logger, alone }, { sizeMax: 10, windowMs: 5, inFlightMax: 1, topics });
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
    const batcher = createTransferBatcher(
      { unitOfWork, logger, alone: async () => ({ kind: 'taken' }) },
      { sizeMax: 2, windowMs: 60_000, inFlightMax: 8, topics },
    );
    // A one-minute window: only the size limit (and the repeated key) can flush these.
    await Promise.all([batcher.submit(request('k1')), batcher.submit(request('k2'))]);
    await Promise.all([batcher.submit(request('k3')), batcher.submit(request('k3')), batcher.submit(request('k4'))]);
    expect(claimsPerBatch).toEqual([2, 1, 2]);
  });

  it('commits at most inFlightMax batches at a time: transfers arriving during a commit wait and go together when it ends', async () => {
    const claimsPerBatch: number[] = [];
    let running = 0;
    let runningMax = 0;
    const releases: Array<() => void> = [];
    const unitOfWork: UnitOfWork = {
      run: async (work) => {
        running += 1;
        runningMax = Math.max(runningMax, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        let claims = 0;
        const tx = { queue: () => void (claims += 1), run: async () => (claimsPerBatch.push(claims), [new Map(), new Map()]) };
        const results = await work(tx as never);
        running -= 1;
        return results;
      },
    };
    const batcher = createTransferBatcher({ unitOfWork, logger, alone: async () => ({ kind: 'taken' }) }, { sizeMax: 64, windowMs: 0, inFlightMax: 1, topics });
    const first = batcher.submit(request('k1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(1); // k1 went alone, at once (window 0)
    const rest = ['k2', 'k3', 'k4'].map((key) => batcher.submit(request(key)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(releases).toHaveLength(1); // no second batch while the first commits
    releases[0]!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(2);
    releases[1]!();
    await Promise.all(rest);
    expect(claimsPerBatch).toEqual([1, 3]);
    expect(runningMax).toBe(1);
  });
});
