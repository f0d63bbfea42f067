import { BadUserInputError, UnavailableError } from '../errors/index.js';
import { backoffDelayMs } from './backoff.js';
import { retry } from './retry.js';

describe('retry', () => {
  const fast = { delayMsInitial: 1, delayMsMax: 2 };

  it('retries retriable errors until success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls += 1;
      if (calls < 3) throw new UnavailableError('down');
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries a non-retriable error', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls += 1;
        throw new BadUserInputError('bad');
      }, fast),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });

  it('stops at the attempt bound', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new UnavailableError('down');
        },
        { ...fast, attemptCountMax: 4 },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(4);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially and is capped', () => {
    const noJitter = (): number => 1;
    expect(backoffDelayMs(0, { delayMsInitial: 100 }, noJitter)).toBe(100);
    expect(backoffDelayMs(3, { delayMsInitial: 100 }, noJitter)).toBe(800);
    expect(backoffDelayMs(30, { delayMsInitial: 100, delayMsMax: 5_000 }, noJitter)).toBe(5_000);
  });

  it('jitters over the whole of [0, ceiling] (full jitter)', () => {
    expect(backoffDelayMs(2, { delayMsInitial: 100 }, () => 0)).toBe(0);
    expect(backoffDelayMs(2, { delayMsInitial: 100 }, () => 0.5)).toBe(200);
    expect(backoffDelayMs(2, { delayMsInitial: 100 }, () => 1)).toBe(400);
    const delays = Array.from({ length: 1_000 }, () => backoffDelayMs(2, { delayMsInitial: 100 }));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
  });
});
