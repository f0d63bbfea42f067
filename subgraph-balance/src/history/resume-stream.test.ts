import type { BalanceSubscription } from '../live/balance-pubsub.js';
import type { LiveBalance } from '../live/live-message.js';
import type { HistoryEntry } from './history-store.js';
import { createResumeStream } from './resume-stream.js';

const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const at = new Date('2026-12-01T00:00:00Z');
const update = (version: number): LiveBalance => ({ accountId: ACCOUNT, amount: `${version}.00`, version, updatedAt: at });
const entry = (version: number): HistoryEntry => ({ ...update(version), transactionId: null });

/** A live feed the test pushes into, shaped like a pub/sub subscription. */
function fakeLive(): BalanceSubscription & { push(version: number): void; end(): void; late(): void; closed: boolean } {
  const queue: LiveBalance[] = [];
  let waiting: ((result: IteratorResult<LiveBalance>) => void) | undefined;
  let ended = false;
  let lateListener: (() => void) | undefined;
  const live = {
    closed: false,
    onLateVersion(listener: () => void) {
      lateListener = listener;
    },
    /** An update older than the last one offered arrived (the pub/sub does not deliver it). */
    late() {
      lateListener?.();
    },
    push(version: number) {
      const value = update(version);
      if (waiting !== undefined) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
      } else queue.push(value);
    },
    end() {
      ended = true;
      waiting?.({ value: undefined, done: true });
    },
    setBaselineVersion: () => undefined,
    close() {
      live.closed = true;
      live.end();
    },
    next(): Promise<IteratorResult<LiveBalance>> {
      const head = queue.shift();
      if (head !== undefined) return Promise.resolve({ value: head, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    [Symbol.asyncIterator]() {
      return live;
    },
  };
  return live;
}

function fakeHistory(versions: number[]) {
  const reads: Array<{ after: number; limit: number }> = [];
  return {
    reads,
    readAfter: async (_accountId: string, after: number, limit: number) => {
      reads.push({ after, limit });
      return versions
        .filter((v) => v > after)
        .slice(0, limit)
        .map(entry);
    },
  };
}

async function take(stream: AsyncIterableIterator<LiveBalance>, count: number): Promise<number[]> {
  const versions: number[] = [];
  while (versions.length < count) {
    const step = await stream.next();
    if (step.done === true) break;
    versions.push(step.value.version);
  }
  return versions;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const config = { pageRowsMax: 4, liveBufferEventsMax: 3, gapWaitMsMax: 200 };

test('replays the history above afterVersion page by page, then live, without the live versions already replayed', async () => {
  const live = fakeLive();
  const history = fakeHistory(range(0, 10));
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 2, replay: true });
  // Published while the history is read: already in it, must not come twice.
  live.push(9);
  live.push(10);
  const first = await take(stream, 8);
  live.push(11);
  expect([...first, ...(await take(stream, 1))]).toEqual(range(3, 11));
  expect(history.reads.map((read) => read.after)).toEqual([2, 6, 10]);
});

test('a live update that skips versions is preceded by the missing ones from the history', async () => {
  const live = fakeLive();
  const history = fakeHistory(range(0, 8));
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 4, replay: false });
  live.push(5);
  live.push(8);
  expect(await take(stream, 4)).toEqual([5, 6, 7, 8]);
  expect(history.reads.map((read) => read.after)).toEqual([5]);
});

test('more live updates than the buffer holds while the client is away: the dropped ones come from the history', async () => {
  const live = fakeLive();
  const history = fakeHistory(range(0, 20));
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 10, replay: false });
  for (const version of range(11, 20)) live.push(version);
  await new Promise((resolve) => setImmediate(resolve));
  expect(await take(stream, 10)).toEqual(range(11, 20));
});

test('a gap the history no longer covers ends the stream with RESUME_POINT_EXPIRED, never a jump', async () => {
  const live = fakeLive();
  const stream = createResumeStream({ live, history: fakeHistory(range(7, 9)) }, config, { accountId: ACCOUNT, lastVersion: 4, replay: false });
  live.push(9);
  await expect(stream.next()).rejects.toMatchObject({ code: 'RESUME_POINT_EXPIRED', details: { afterVersion: 4, oldestRetainedVersion: 7 } });
});

test('without a known start, the first live update is taken as it comes; duplicates and older versions are dropped', async () => {
  const live = fakeLive();
  const stream = createResumeStream({ live, history: fakeHistory([]) }, config, { accountId: ACCOUNT, lastVersion: undefined, replay: false });
  live.push(0);
  live.push(0);
  live.push(1);
  expect(await take(stream, 2)).toEqual([0, 1]);
});

test('return() closes the live subscription and ends the stream', async () => {
  const live = fakeLive();
  const stream = createResumeStream({ live, history: fakeHistory([]) }, config, { accountId: ACCOUNT, lastVersion: 1, replay: false });
  const pending = stream.next();
  await stream.return?.();
  expect(live.closed).toBe(true);
  await expect(pending).resolves.toEqual({ done: true, value: undefined });
});

test('a gap whose versions were all pruned ends the stream with RESUME_POINT_EXPIRED after the bounded wait, with a few backed-off reads, never a loop', async () => {
  const live = fakeLive();
  const history = fakeHistory([]);
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 4, replay: false });
  live.push(9);
  await expect(stream.next()).rejects.toMatchObject({ code: 'RESUME_POINT_EXPIRED', details: { afterVersion: 4 } });
  // gapWaitMsMax 200 ms with re-reads after 25, 50, 100, 200 ms: at most five reads.
  expect(history.reads.length).toBeGreaterThan(1);
  expect(history.reads.length).toBeLessThanOrEqual(5);
});

test('a gap whose versions reach the history late (receipts on a lagging partition) is waited for, then filled in order', async () => {
  const live = fakeLive();
  const versions: number[] = [];
  const history = fakeHistory(versions);
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 4, replay: false });
  live.push(7);
  // Version 7 is live, 5 and 6 are committed by the projector a moment later.
  setTimeout(() => versions.push(5, 6, 7), 60);
  expect(await take(stream, 3)).toEqual([5, 6, 7]);
  expect(history.reads.length).toBeGreaterThan(1);
  await stream.return?.();
});

test('a hole inside a history page (a version still on its way) is waited for, never sent around', async () => {
  const live = fakeLive();
  const versions = [3, 5, 6];
  const history = fakeHistory(versions);
  const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 2, replay: true });
  setTimeout(() => versions.splice(1, 0, 4), 60);
  expect(await take(stream, 4)).toEqual([3, 4, 5, 6]);
  await stream.return?.();
});

test('a late version announced on the live feed fills the gap at once, without waiting for the next re-read timer', async () => {
  // No timer ever fires here: only the announcement can wake the waiting stream.
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  try {
    const live = fakeLive();
    const versions: number[] = [];
    const history = fakeHistory(versions);
    const stream = createResumeStream({ live, history }, config, { accountId: ACCOUNT, lastVersion: 4, replay: false });
    live.push(7);
    const next = take(stream, 3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(history.reads.length).toBe(1);
    versions.push(5, 6, 7);
    live.late();
    expect(await next).toEqual([5, 6, 7]);
    await stream.return?.();
  } finally {
    jest.useRealTimers();
  }
});
