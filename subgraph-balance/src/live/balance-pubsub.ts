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
    const queue: LiveBalance[] = [];
    let waiting: ((result: IteratorResult<LiveBalance>) => void) | undefined;
    let failWaiting: ((error: Error) => void) | undefined;
    let lastVersion = -1;
    let onLate: (() => void) | undefined;
    let done = false;
    let failure: Error | undefined;

    const end = (error?: Error): void => {
      if (done) return;
      done = true;
      failure = error;
      queue.length = 0;
      remove(entry);
      if (error !== undefined && failWaiting !== undefined) failWaiting(error);
      else waiting?.({ value: undefined, done: true });
      waiting = undefined;
      failWaiting = undefined;
      hooks.onEnd();
    };
    const offer = (update: LiveBalance): void => {
      if (done) return;
      if (update.version <= lastVersion) {
        onLate?.();
        return;
      }
      lastVersion = update.version;
      if (waiting !== undefined) {
        const resolve = waiting;
        waiting = undefined;
        failWaiting = undefined;
        resolve({ value: update, done: false });
        return;
      }
      if (queue.length >= config.queueEventsMax) {
        deps.logger.warn({ accountId, queueEventsMax: config.queueEventsMax }, 'subscriber too slow; closing its subscription');
        end(new SlowSubscriberError(config.queueEventsMax));
        hooks.onOverflow();
        return;
      }
      queue.push(update);
    };
    const entry: Entry = { accountId, offer, end };
    let set = byAccount.get(accountId);
    if (set === undefined) byAccount.set(accountId, (set = new Set()));
    set.add(entry);
    count += 1;

    const iterator: BalanceSubscription = {
      setBaselineVersion(version) {
        lastVersion = Math.max(lastVersion, version);
        const kept = queue.filter((update) => update.version > version);
        queue.splice(0, queue.length, ...kept);
      },
      close: () => end(),
      onLateVersion(listener) {
        onLate = listener;
      },
      next() {
        const head = queue.shift();
        if (head !== undefined) return Promise.resolve({ value: head, done: false });
        if (done) return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure);
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failWaiting = reject;
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
