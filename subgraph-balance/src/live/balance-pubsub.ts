import type { Logger } from '@walletgraph/platform/core';
import { MetricName, type Metrics } from '../metrics.js';
import { SlowSubscriberError, SubscriptionLimitError } from './errors.js';
import type { LiveBalance } from './live-message.js';

export interface BalanceSubscription extends AsyncIterableIterator<LiveBalance> {
  /** Only versions strictly above it are delivered (the state the subscriber starts from). */
  setBaselineVersion(version: number): void;
  /** Ends the stream and frees its slot. */
  close(): void;
  /**
   * `listener` runs when an update at or below the versions already offered arrives (it is not
   * delivered): a late version committed after a newer one, or a republish. A reader waiting for a
   * gap in the history to fill re-reads at once instead of at its next timer.
   */
  onLateVersion?(listener: () => void): void;
}

export interface BalancePubSub {
  /** Throws SubscriptionLimitError when the process-wide maximum is reached. */
  subscribe(accountId: string, hooks: SubscriptionHooks): BalanceSubscription;
  publish(update: LiveBalance): void;
  subscriptionCount(): number;
  /** Ends every subscription (shutdown). */
  closeAll(): void;
}

export interface SubscriptionHooks {
  /** The subscriber fell too far behind (its stream has already ended with SlowSubscriberError). */
  readonly onOverflow: () => void;
  /** Runs once when the stream ends for any reason. */
  readonly onEnd: () => void;
}

export interface BalancePubSubConfig {
  readonly subscriptionsMax: number;
  /** Updates waiting for one subscriber before it is cut off as too slow. */
  readonly queueEventsMax: number;
}

interface Entry {
  readonly accountId: string;
  readonly offer: (update: LiveBalance) => void;
  readonly end: (error?: Error) => void;
}

/** One subscriber's stream: what is queued for it, who waits for the next update, how it ended. */
interface StreamState {
  readonly queue: LiveBalance[];
  waiting: ((result: IteratorResult<LiveBalance>) => void) | undefined;
  failWaiting: ((error: Error) => void) | undefined;
  /** The newest version offered; only later ones are delivered. */
  lastVersion: number;
  onLate: (() => void) | undefined;
  done: boolean;
  failure: Error | undefined;
}

/** The subscriber's side: an async iterator over the queue, ended by `end`. */
function iteratorOf(state: StreamState, end: (error?: Error) => void): BalanceSubscription {
  const iterator: BalanceSubscription = {
    setBaselineVersion(version) {
      state.lastVersion = Math.max(state.lastVersion, version);
      const kept = state.queue.filter((update) => update.version > version);
      state.queue.splice(0, state.queue.length, ...kept);
    },
    close: () => end(),
    onLateVersion(listener) {
      state.onLate = listener;
    },
    next() {
      const head = state.queue.shift();
      if (head !== undefined) return Promise.resolve({ value: head, done: false });
      if (state.done) return state.failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(state.failure);
      return new Promise((resolve, reject) => {
        state.waiting = resolve;
        state.failWaiting = reject;
      });
    },
    return() {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      end();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * The publisher's side of one subscriber: a version above the last one goes to a waiting reader or
 * the queue (a full queue cuts the subscriber off as too slow); an older or equal one is not
 * delivered but tells the late listener.
 */
function createStream(
  accountId: string,
  hooks: SubscriptionHooks,
  deps: { readonly logger: Logger; readonly config: BalancePubSubConfig; readonly detach: (entry: Entry) => void },
): { readonly entry: Entry; readonly iterator: BalanceSubscription } {
  const state: StreamState = { queue: [], waiting: undefined, failWaiting: undefined, lastVersion: -1, onLate: undefined, done: false, failure: undefined };
  const end = (error?: Error): void => {
    if (state.done) return;
    state.done = true;
    state.failure = error;
    state.queue.length = 0;
    deps.detach(entry);
    if (error !== undefined && state.failWaiting !== undefined) state.failWaiting(error);
    else state.waiting?.({ value: undefined, done: true });
    state.waiting = undefined;
    state.failWaiting = undefined;
    hooks.onEnd();
  };
  const offer = (update: LiveBalance): void => {
    if (state.done) return;
    if (update.version <= state.lastVersion) {
      state.onLate?.();
      return;
    }
    state.lastVersion = update.version;
    if (state.waiting !== undefined) {
      const resolve = state.waiting;
      state.waiting = undefined;
      state.failWaiting = undefined;
      resolve({ value: update, done: false });
      return;
    }
    if (state.queue.length >= deps.config.queueEventsMax) {
      deps.logger.warn({ accountId, queueEventsMax: deps.config.queueEventsMax }, 'subscriber too slow; closing its subscription');
      end(new SlowSubscriberError(deps.config.queueEventsMax));
      hooks.onOverflow();
      return;
    }
    state.queue.push(update);
  };
  const entry: Entry = { accountId, offer, end };
  return { entry, iterator: iteratorOf(state, end) };
}

/** In-memory fan-out keyed by account id; each subscriber sees each version once, in order. */
export function createBalancePubSub(deps: { readonly metrics: Metrics; readonly logger: Logger }, config: BalancePubSubConfig): BalancePubSub {
  const byAccount = new Map<string, Set<Entry>>();
  let count = 0;

  function remove(entry: Entry): void {
    const set = byAccount.get(entry.accountId);
    if (set?.delete(entry)) {
      count -= 1;
      if (set.size === 0) byAccount.delete(entry.accountId);
    }
  }

  function subscribe(accountId: string, hooks: SubscriptionHooks): BalanceSubscription {
    if (count >= config.subscriptionsMax) {
      deps.metrics.increment(MetricName.subscriptionsRejected);
      throw new SubscriptionLimitError(`this instance serves its maximum of ${config.subscriptionsMax} subscriptions`, config.subscriptionsMax);
    }
    const { entry, iterator } = createStream(accountId, hooks, { logger: deps.logger, config, detach: remove });
    let set = byAccount.get(accountId);
    if (set === undefined) byAccount.set(accountId, (set = new Set()));
    set.add(entry);
    count += 1;
    return iterator;
  }

  return {
    subscribe,
    publish(update) {
      const set = byAccount.get(update.accountId);
      if (set === undefined) return;
      for (const entry of [...set]) entry.offer(update);
    },
    subscriptionCount: () => count,
    closeAll() {
      for (const set of [...byAccount.values()]) for (const entry of [...set]) entry.end();
    },
  };
}
