import { assert } from '@walletgraph/platform/core';
import type { BalanceSubscription } from '../live/balance-pubsub.js';
import type { LiveBalance } from '../live/live-message.js';
import { ResumePointExpiredError } from './errors.js';
import type { HistoryRepository } from './history-repository.js';

export interface ResumeStreamDeps {
  /** Registered before anything is read, so nothing committed meanwhile is missed. */
  readonly live: BalanceSubscription;
  readonly history: Pick<HistoryRepository, 'readAfter'>;
}

export interface ResumeStreamConfig {
  /** History rows read per query (replay and gap fill). */
  readonly pageRowsMax: number;
  /** Live updates held while the subscriber catches up; the oldest are dropped past it (history has them). */
  readonly liveBufferEventsMax: number;
  /**
   * Longest a gap a live update revealed may stay missing from the history before the stream ends
   * with RESUME_POINT_EXPIRED. A version can be committed after a newer one: an account's receipts
   * travel on the sender's partition, which may lag behind the partition of its own sends.
   */
  readonly gapWaitMsMax: number;
}

/** Re-reads of the history while a gap waits for its late versions: 25 ms, doubling, at most this. */
const GAP_RETRY_DELAY_MS_MAX = 400;

export interface ResumeStart {
  readonly accountId: string;
  /** The last version the subscriber has; undefined: start with whatever comes next. */
  readonly lastVersion: number | undefined;
  /** True when versions above `lastVersion` may exist already (a resume): the history is read first. */
  readonly replay: boolean;
}

/** Wake-ups of the reader; one that lands while the reader is busy is not lost. */
function createSignal() {
  let wake: (() => void) | undefined;
  let signalled = false;
  return {
    notify: (): void => {
      signalled = true;
      wake?.();
      wake = undefined;
    },
    /** Forgets earlier wake-ups; called before the reader looks for work. */
    reset(): void {
      signalled = false;
    },
    signalled: (): boolean => signalled,
    wait(): Promise<void> {
      return new Promise<void>((resolve) => {
        wake = resolve;
      });
    },
  };
}

/** The live updates not yet sent (the newest `eventsMax`; history has the older ones), and how the subscription ended. */
interface LiveBuffer {
  readonly updates: LiveBalance[];
  ended: boolean;
  /** What the live subscription failed with (boxed: whatever it threw is rethrown as is). */
  failure: { readonly error: unknown } | undefined;
}

function bufferLive(live: BalanceSubscription, eventsMax: number, notify: () => void): LiveBuffer {
  const state: LiveBuffer = { updates: [], ended: false, failure: undefined };
  void (async () => {
    try {
      for await (const update of live) {
        state.updates.push(update);
        if (state.updates.length > eventsMax) state.updates.shift();
        notify();
      }
    } catch (error: unknown) {
      state.failure = { error };
    } finally {
      state.ended = true;
      notify();
    }
  })();
  return state;
}

/** The wait for a gap's late versions: history re-reads 25 ms apart, doubling up to GAP_RETRY_DELAY_MS_MAX, for at most `gapWaitMsMax`. */
function createGapWait(gapWaitMsMax: number, reread: () => void) {
  /** When the current gap was first seen missing from the history, and the pending re-read. */
  let missingSinceMs: number | undefined;
  let retryDelayMs = 0;
  let retry: NodeJS.Timeout | undefined;
  return {
    /** The gap is still missing: schedules one re-read and says true, or false once `gapWaitMsMax` has passed. */
    stillMissing(): boolean {
      missingSinceMs ??= Date.now();
      if (Date.now() - missingSinceMs >= gapWaitMsMax) return false;
      retryDelayMs = Math.min(Math.max(retryDelayMs * 2, 25), GAP_RETRY_DELAY_MS_MAX);
      clearTimeout(retry); // a live update may have woken this read before the previous re-read fired
      retry = setTimeout(reread, retryDelayMs);
      return true;
    },
    filled(): void {
      missingSinceMs = undefined;
      retryDelayMs = 0;
    },
    cancel(): void {
      clearTimeout(retry);
    },
  };
}

type GapWait = ReturnType<typeof createGapWait>;

/** Which version goes next: history pages first, then live updates, a gap between them filled from the history. */
function createSequencer(deps: { history: ResumeStreamDeps['history']; live: LiveBuffer; gapWait: GapWait }, config: ResumeStreamConfig, start: ResumeStart) {
  const buffer = deps.live.updates;
  let last = start.lastVersion;
  let needHistory = start.replay;
  /** The next history read fills a gap a live update revealed (it must find something). */
  let gapSeen = false;
  let ready: LiveBalance[] = [];

  /**
   * `mustFind`: a live update showed versions above `after` exist. Returns false when they are not
   * in the history yet (late on another partition): the caller waits, bounded by gapWaitMsMax.
   */
  async function fillFromHistory(after: number, mustFind: boolean): Promise<boolean> {
    const page = await deps.history.readAfter(start.accountId, after, config.pageRowsMax);
    const first = page[0];
    if (first === undefined ? mustFind : first.version !== after + 1) {
      if (!mustFind || !deps.gapWait.stillMissing()) throw new ResumePointExpiredError(start.accountId, after, first?.version);
      return false;
    }
    deps.gapWait.filled();
    ready = page.map(({ accountId, amount, version, updatedAt }) => ({ accountId, amount, version, updatedAt }));
    needHistory = page.length === config.pageRowsMax;
    return true;
  }

  /** The next version to send, or undefined when nothing is available yet. */
  async function step(): Promise<LiveBalance | undefined> {
    for (;;) {
      const queued = ready.shift();
      if (queued !== undefined) {
        if (last === undefined || queued.version === last + 1) return queued;
        if (queued.version <= last) continue;
        // A hole inside the page: a version still on its way (a late partition). Read again from `last`.
        ready = [];
        needHistory = true;
        gapSeen = true;
        continue;
      }
      if (needHistory && last !== undefined) {
        if (!(await fillFromHistory(last, gapSeen))) return undefined;
        gapSeen = false;
        if (ready.length > 0) continue;
      }
      needHistory = false;
      const head = buffer.shift();
      if (head === undefined) return undefined;
      if (last === undefined || head.version === last + 1) return head;
      if (head.version <= last) continue;
      // A gap: the versions between are in the history, or soon will be (a late partition).
      buffer.unshift(head);
      needHistory = true;
      gapSeen = true;
    }
  }

  return {
    step,
    /** Records `update` as sent: the next one must follow it. */
    sent(update: LiveBalance): void {
      assert(last === undefined || update.version === last + 1, `resume stream would send ${update.version} after ${String(last)}`);
      last = update.version;
    },
  };
}

/**
 * One account's versions, each exactly once and consecutively: retained history above the
 * start first, then live updates. A live update that skips versions (another instance published
 * late, the buffer dropped some) is preceded by the missing ones read from the history; if the
 * history no longer has them the stream ends with RESUME_POINT_EXPIRED instead of jumping.
 */
export function createResumeStream(deps: ResumeStreamDeps, config: ResumeStreamConfig, start: ResumeStart): AsyncIterableIterator<LiveBalance> {
  const signal = createSignal();
  const gapWait = createGapWait(config.gapWaitMsMax, signal.notify);
  let closed = false;
  const close = (): void => {
    closed = true;
    gapWait.cancel();
    deps.live.close();
    signal.notify();
  };
  // A late version landing in the history (published live, older than the last live one) may be the gap's.
  deps.live.onLateVersion?.(signal.notify);
  const live = bufferLive(deps.live, config.liveBufferEventsMax, signal.notify);
  const sequencer = createSequencer({ history: deps.history, live, gapWait }, config, start);

  const done = { done: true as const, value: undefined };
  const iterator: AsyncIterableIterator<LiveBalance> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        if (closed) return done;
        signal.reset();
        const update = await sequencer.step();
        if (update !== undefined) {
          sequencer.sent(update);
          return { done: false, value: update };
        }
        if (live.ended) {
          closed = true;
          if (live.failure !== undefined) throw live.failure.error;
          return done;
        }
        if (signal.signalled()) continue;
        await signal.wait();
      }
    },
    // Not async (nothing is awaited), yet a throw in close() still rejects, as it did.
    return() {
      return new Promise((resolve) => {
        close();
        resolve(done);
      });
    },
    throw(error?: unknown) {
      return new Promise(() => {
        close();
        throw error;
      });
    },
  };
  return iterator;
}
