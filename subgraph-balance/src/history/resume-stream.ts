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

/**
 * One account's versions, each exactly once and consecutively: retained history above the
 * start first, then live updates. A live update that skips versions (another instance published
 * late, the buffer dropped some) is preceded by the missing ones read from the history; if the
 * history no longer has them the stream ends with RESUME_POINT_EXPIRED instead of jumping.
 */
export function createResumeStream(deps: ResumeStreamDeps, config: ResumeStreamConfig, start: ResumeStart): AsyncIterableIterator<LiveBalance> {
  let last = start.lastVersion;
  let needHistory = start.replay;
  /** The next history read fills a gap a live update revealed (it must find something). */
  let gapSeen = false;
  let ready: LiveBalance[] = [];
  const buffer: LiveBalance[] = [];
  let liveEnded = false;
  /** What the live subscription failed with (boxed: whatever it threw is rethrown as is). */
  let liveFailure: { readonly error: unknown } | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  /** Set by every wake-up, so one that lands while `step` runs is not lost. */
  let signalled = false;
  const notify = (): void => {
    signalled = true;
    wake?.();
    wake = undefined;
  };
  // A late version landing in the history (published live, older than the last live one) may be the gap's.
  deps.live.onLateVersion?.(notify);
  const close = (): void => {
    closed = true;
    clearTimeout(gapRetry);
    deps.live.close();
    notify();
  };

  void (async () => {
    try {
      for await (const update of deps.live) {
        buffer.push(update);
        if (buffer.length > config.liveBufferEventsMax) buffer.shift();
        notify();
      }
    } catch (error: unknown) {
      liveFailure = { error };
    } finally {
      liveEnded = true;
      notify();
    }
  })();

  /** When the current gap was first seen missing from the history, and the pending re-read. */
  let gapMissingSinceMs: number | undefined;
  let gapRetryDelayMs = 0;
  let gapRetry: NodeJS.Timeout | undefined;

  /**
   * `mustFind`: a live update showed versions above `after` exist. Returns false when they are not
   * in the history yet (late on another partition): the caller waits, bounded by gapWaitMsMax.
   */
  async function fillFromHistory(after: number, mustFind: boolean): Promise<boolean> {
    const page = await deps.history.readAfter(start.accountId, after, config.pageRowsMax);
    const first = page[0];
    if (first === undefined ? mustFind : first.version !== after + 1) {
      if (!mustFind) throw new ResumePointExpiredError(start.accountId, after, first?.version);
      gapMissingSinceMs ??= Date.now();
      if (Date.now() - gapMissingSinceMs >= config.gapWaitMsMax) throw new ResumePointExpiredError(start.accountId, after, first?.version);
      gapRetryDelayMs = Math.min(Math.max(gapRetryDelayMs * 2, 25), GAP_RETRY_DELAY_MS_MAX);
      clearTimeout(gapRetry); // a live update may have woken this read before the previous re-read fired
      gapRetry = setTimeout(notify, gapRetryDelayMs);
      return false;
    }
    gapMissingSinceMs = undefined;
    gapRetryDelayMs = 0;
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

  const done = { done: true as const, value: undefined };
  const iterator: AsyncIterableIterator<LiveBalance> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        if (closed) return done;
        signalled = false;
        const update = await step();
        if (update !== undefined) {
          assert(last === undefined || update.version === last + 1, `resume stream would send ${update.version} after ${String(last)}`);
          last = update.version;
          return { done: false, value: update };
        }
        if (liveEnded) {
          closed = true;
          if (liveFailure !== undefined) throw liveFailure.error;
          return done;
        }
        if (signalled) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
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
