import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import type { Producer } from 'kafkajs';
import { createBalanceService, type BalanceService } from '../src/app.js';
import { connectedProducer, newEvent, provisionFor, sameGroupConfig, testConfig, testKafka, testLogger, waitFor } from './helpers.js';
import { subscribeBalance, wsClient, type Received } from './ws-client.js';

let producer: Producer;
const services: BalanceService[] = [];
const clients: Client[] = [];

async function start(config: ReturnType<typeof testConfig>): Promise<BalanceService> {
  await provisionFor(config);
  const service = createBalanceService(config, testLogger);
  services.push(service);
  await service.start();
  return service;
}

function client(url: string): Client {
  const created = wsClient(url);
  clients.push(created);
  return created;
}

const versionsOf = (received: Received) => received.data.map((update) => update['version']);

/** A subscription is live once the server has registered it; a probe update proves it. */
async function whenAllReceive(subscriptions: Received[], count: number): Promise<void> {
  await waitFor(`${count} updates on every subscription`, () => (subscriptions.every((s) => s.data.length >= count) ? true : undefined));
}

beforeAll(async () => {
  producer = await connectedProducer(testKafka());
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  for (const s of services.splice(0)) await s.stop();
});

afterAll(async () => {
  await producer.disconnect();
});

test('two instances in one group: a subscriber on each gets every update of its account exactly once, in version order', async () => {
  const config = testConfig();
  const first = await start(config);
  const second = await start(sameGroupConfig(config));
  const [a, b] = [randomUUID(), randomUUID()];
  const onFirst = subscribeBalance(client(first.wsUrl), a).received;
  const onSecond = subscribeBalance(client(second.wsUrl), a).received;
  const otherOnSecond = subscribeBalance(client(second.wsUrl), b).received;
  await waitFor('subscriptions registered', () => (countActive(first) === 1 && countActive(second) === 2 ? true : undefined));

  const topic = config.topics.balances;
  const event = (version: number) => newEvent({ id: a, balance: `${100 + version}.5`, version });
  await producer.send({ topic, messages: [0, 1, 2, 3, 4, 5].map(event) });
  await producer.send({ topic, messages: [newEvent({ id: b, balance: '1', version: 1 })] });
  await whenAllReceive([onFirst, onSecond], 6);
  // Duplicates and an older version: the read model ignores or re-publishes them; subscribers must not see them again.
  await producer.send({ topic, messages: [event(3), event(5), event(1), event(6)] });
  await whenAllReceive([onFirst, onSecond], 7);
  await producer.send({ topic, messages: [event(5), event(7)] });
  await whenAllReceive([onFirst, onSecond], 8);

  for (const received of [onFirst, onSecond]) {
    expect(received.errors).toEqual([]);
    expect(versionsOf(received)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(received.data[7]).toEqual({ accountId: a, amount: '107.50', version: 7, updatedAt: expect.any(String), account: { id: a } });
  }
  expect(versionsOf(otherOnSecond)).toEqual([1]);
  // Both instances hold partitions of the group, so each applied only part of the topic.
  const applied = [first, second].map((s) => s.metrics.value('balance_events_applied_total'));
  expect(applied.reduce((x, y) => x + y, 0)).toBe(9);
});

test('subscription limits: per connection and per instance, with slots freed on completion', async () => {
  const service = await start(testConfig({ SUBSCRIPTIONS_PER_CONNECTION_MAX: '2', SUBSCRIPTIONS_MAX: '3' }));
  const one = client(service.wsUrl);
  const two = client(service.wsUrl);
  const a1 = subscribeBalance(one, randomUUID());
  subscribeBalance(one, randomUUID());
  await waitFor('two subscriptions', () =>
    service.metrics.value('balance_subscriptions_rejected_total') === 0 && countActive(service) === 2 ? true : undefined,
  );
  const third = subscribeBalance(one, randomUUID()).received;
  await waitFor('per-connection refusal', () => (third.errors.length > 0 ? true : undefined));
  expect(third.errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', limit: 2 }, message: expect.stringContaining('at most 2') });

  subscribeBalance(two, randomUUID());
  await waitFor('three subscriptions', () => (countActive(service) === 3 ? true : undefined));
  const fourth = subscribeBalance(two, randomUUID()).received;
  await waitFor('global refusal', () => (fourth.errors.length > 0 ? true : undefined));
  expect(fourth.errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', limit: 3 } });

  a1.unsubscribe();
  await waitFor('slot freed', () => (countActive(service) === 2 ? true : undefined));
  const again = subscribeBalance(two, randomUUID()).received;
  await waitFor('accepted again', () => (countActive(service) === 3 ? true : undefined));
  expect(again.errors).toEqual([]);
  expect(service.metrics.value('balance_subscriptions_rejected_total')).toBe(2);
});

function countActive(service: BalanceService): number {
  const match = /balance_subscriptions_active (\d+)/.exec(service.metrics.render());
  return Number(match?.[1] ?? -1);
}
