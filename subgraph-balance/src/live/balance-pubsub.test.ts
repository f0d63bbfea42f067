import { createLogger } from '@walletgraph/platform/core';
import { createMetrics } from '../metrics.js';
import { createBalancePubSub } from './balance-pubsub.js';
import { SlowSubscriberError, SubscriptionLimitError } from './errors.js';
import type { LiveBalance } from './live-message.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const A = '11111111-1111-4111-8111-111111111111';
const update = (version: number, accountId = A): LiveBalance => ({ accountId, amount: `${version}.00`, version, updatedAt: new Date(0) });
const hooks = () => ({ onOverflow: jest.fn(), onEnd: jest.fn() });

async function take(iterator: AsyncIterator<LiveBalance>, count: number): Promise<number[]> {
  const versions: number[] = [];
  for (let i = 0; i < count; i += 1) versions.push(((await iterator.next()).value as LiveBalance).version);
  return versions;
}

test('each version is delivered once, in order; duplicates and older versions are dropped', async () => {
  const pubsub = createBalancePubSub({ metrics: createMetrics(), logger }, { subscriptionsMax: 10, queueEventsMax: 10 });
  const subscription = pubsub.subscribe(A, hooks());
  for (const v of [1, 2, 2, 1, 3, 5, 4, 5, 6]) pubsub.publish(update(v));
  pubsub.publish(update(99, '22222222-2222-4222-8222-222222222222'));
  expect(await take(subscription, 4)).toEqual([1, 2, 3, 5]);
  pubsub.publish(update(7));
  expect(await take(subscription, 2)).toEqual([6, 7]);
});

test('an update at or below the versions offered is not delivered and is announced to the late listener', async () => {
  const pubsub = createBalancePubSub({ metrics: createMetrics(), logger }, { subscriptionsMax: 10, queueEventsMax: 10 });
  const subscription = pubsub.subscribe(A, hooks());
  const late = jest.fn();
  subscription.onLateVersion?.(late);
  for (const v of [1, 3, 2, 3]) pubsub.publish(update(v));
  expect(late).toHaveBeenCalledTimes(2);
  pubsub.publish(update(4));
  expect(await take(subscription, 3)).toEqual([1, 3, 4]);
});

test('the baseline drops updates the subscriber already has', async () => {
  const pubsub = createBalancePubSub({ metrics: createMetrics(), logger }, { subscriptionsMax: 10, queueEventsMax: 10 });
  const subscription = pubsub.subscribe(A, hooks());
  pubsub.publish(update(3));
  pubsub.publish(update(4));
  subscription.setBaselineVersion(3);
  pubsub.publish(update(2));
  pubsub.publish(update(5));
  expect(await take(subscription, 2)).toEqual([4, 5]);
});

test('a subscriber that falls behind is cut off, not buffered without bound', async () => {
  const metrics = createMetrics();
  const pubsub = createBalancePubSub({ metrics, logger }, { subscriptionsMax: 10, queueEventsMax: 2 });
  const h = hooks();
  const subscription = pubsub.subscribe(A, h);
  for (const v of [1, 2, 3]) pubsub.publish(update(v));
  expect(h.onOverflow).toHaveBeenCalledTimes(1);
  expect(h.onEnd).toHaveBeenCalledTimes(1);
  expect(pubsub.subscriptionCount()).toBe(0);
  await expect(subscription.next()).rejects.toBeInstanceOf(SlowSubscriberError);
});

test('the global maximum refuses new subscriptions until one ends', async () => {
  const pubsub = createBalancePubSub({ metrics: createMetrics(), logger }, { subscriptionsMax: 2, queueEventsMax: 2 });
  const first = pubsub.subscribe(A, hooks());
  pubsub.subscribe(A, hooks());
  expect(() => pubsub.subscribe(A, hooks())).toThrow(SubscriptionLimitError);
  await first.return?.();
  expect(pubsub.subscriptionCount()).toBe(1);
  expect(() => pubsub.subscribe(A, hooks())).not.toThrow();
});
