import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createBalanceService, type BalanceService } from '../src/app.js';
import type { BalanceConfig } from '../src/config.js';
import { MetricName } from '../src/metrics.js';
import {
  balanceTable,
  collectTopic,
  connectedProducer,
  newEvent,
  oldEvent,
  provisionFor,
  sameGroupConfig,
  testConfig,
  testKafka,
  testLogger,
  waitFor,
} from './helpers.js';

const table = balanceTable();
let kafka: Kafka;
let producer: Producer;
const running: BalanceService[] = [];

async function startService(config: BalanceConfig, hooks: Parameters<typeof createBalanceService>[2] = {}): Promise<BalanceService> {
  await provisionFor(config);
  const service = createBalanceService(config, testLogger, hooks);
  running.push(service);
  await service.start();
  return service;
}

async function stopService(service: BalanceService): Promise<void> {
  running.splice(running.indexOf(service), 1);
  await service.stop();
}

const send = (topic: string, ...messages: Array<{ key?: string; value: string | Buffer; headers?: Record<string, string> }>) =>
  producer.send({ topic, messages });

async function rowReaches(accountId: string, version: number, amount: string) {
  return waitFor(`${accountId} at v${version} = ${amount}`, async () => {
    const row = await table.get(accountId);
    return row !== undefined && row.version === version && Number(row.amount) === Number(amount) ? row : undefined;
  });
}

beforeAll(async () => {
  kafka = testKafka();
  producer = await connectedProducer(kafka);
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop();
});

afterAll(async () => {
  await producer.disconnect();
  await table.end();
});

test('events in the exact old format (no key, no headers, no versions) are applied in partition order', async () => {
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '1' });
  await startService(config);
  const [a, b] = [randomUUID(), randomUUID()];
  await send(config.topics.balances, { value: oldEvent(a, b, '995', '1005') });
  await send(config.topics.balances, { value: oldEvent(a, b, '990.5', '1009.5') });
  await waitFor('second old event applied', async () => ((await table.get(b))?.amount === '1009.5000' ? true : undefined));
  expect(await table.get(a)).toMatchObject({ amount: '990.5000', version: 0 });
  expect(await table.get(b)).toMatchObject({ amount: '1009.5000', version: 0 });
});

test('an old un-versioned event writes the amount and keeps the stored version', async () => {
  const config = testConfig();
  await startService(config);
  const a = randomUUID();
  await send(config.topics.balances, newEvent({ id: a, balance: '10', version: 4 }));
  await rowReaches(a, 4, '10');
  await send(config.topics.balances, { value: oldEvent(a, a, '12.25', '12.25') });
  await waitFor('old event applied', async () => ((await table.get(a))?.amount === '12.2500' ? true : undefined));
  expect(await table.get(a)).toMatchObject({ version: 4 });
});

test('duplicates and older versions never regress a balance; a newer one still applies', async () => {
  const config = testConfig();
  const service = await startService(config);
  const [a, b] = [randomUUID(), randomUUID()];
  const v3 = newEvent({ id: a, balance: '70', version: 3 }, { id: b, balance: '30', version: 3 });
  const v2 = newEvent({ id: a, balance: '80', version: 2 }, { id: b, balance: '20', version: 2 });
  await send(config.topics.balances, v3, v2, v3, newEvent({ id: a, balance: '1', version: 1 }));
  // v2 is stale on both sides, v1 on its one side; the repeated v3 is a republish on both.
  await waitFor('stale events seen', () =>
    service.metrics.value(MetricName.eventsStale) >= 3 && service.metrics.value(MetricName.eventsRepublished) >= 2 ? true : undefined,
  );
  expect(service.metrics.value(MetricName.eventsApplied)).toBe(2);
  expect(await table.get(a)).toMatchObject({ amount: '70.0000', version: 3 });
  expect(await table.get(b)).toMatchObject({ amount: '30.0000', version: 3 });
  await send(config.topics.balances, newEvent({ id: a, balance: '65', version: 4 }, { id: b, balance: '35', version: 4 }));
  await rowReaches(a, 4, '65');
  await rowReaches(b, 4, '35');
});

const poison: Array<[string, Buffer | string]> = [
  ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])],
  ['not JSON', '{"Name":"BalanceUpdated","Payload":'],
  ['huge payload', `{"Name":"BalanceUpdated","Payload":{"pad":"${'x'.repeat(20_000)}"}}`],
  ['wrong types', '{"Name":"BalanceUpdated","Payload":{"account_id_from":42,"account_id_to":[],"balance_account_id_from":"a","balance_account_id_to":{}}}'],
  ['negative amount', 'NEGATIVE'],
  ['NaN amount', 'NAN'],
  ['over-precise amount', 'PRECISE'],
  ['unknown Name', 'UNKNOWN'],
  ['JSON array', '[1,2,3]'],
];

test('poison messages go to the dead-letter topic with a reason; the next good event is applied and nothing else changes', async () => {
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '1' });
  const service = await startService(config);
  const [victim, other, good] = [randomUUID(), randomUUID(), randomUUID()];
  await send(config.topics.balances, newEvent({ id: victim, balance: '100', version: 1 }, { id: other, balance: '50', version: 1 }));
  await rowReaches(victim, 1, '100');
  const values = poison.map(([, value]) => {
    if (value === 'NEGATIVE') return oldEvent(victim, other, '-5', '155');
    if (value === 'NAN') return oldEvent(victim, other, 'NaN', '155');
    if (value === 'PRECISE') return oldEvent(victim, other, '1.00001', '155');
    if (value === 'UNKNOWN') return oldEvent(victim, other, '1', '155').replace('BalanceUpdated', 'BalanceDeleted');
    return value;
  });
  await send(config.topics.balances, ...values.map((value, i) => ({ value, key: victim, headers: { 'test-index': String(i) } })));
  await send(config.topics.balances, newEvent({ id: good, balance: '7.5', version: 0 }));
  await rowReaches(good, 0, '7.5');

  const dlq = await collectTopic(config.topics.deadLetter);
  try {
    await waitFor('every poison message dead-lettered', () => (dlq.messages.length >= poison.length ? true : undefined));
    expect(dlq.messages).toHaveLength(poison.length);
    dlq.messages.forEach((message, i) => {
      expect(message.headers['test-index']).toBe(String(i));
      expect(message.headers['dead-letter-reason']).toEqual(expect.any(String));
      expect(message.headers['dead-letter-reason']?.length).toBeGreaterThan(3);
      expect(message.headers['dead-letter-source']).toMatch(new RegExp(`^${config.topics.balances.replace(/\./g, '\\.')}/0/\\d+$`));
      expect(message.key).toBe(victim);
      expect(Buffer.compare(message.value ?? Buffer.alloc(0), Buffer.from(values[i] as string | Buffer))).toBe(0);
    });
  } finally {
    await dlq.stop();
  }
  expect(service.metrics.value(MetricName.eventsDeadLettered)).toBe(poison.length);
  expect(await table.get(victim)).toMatchObject({ amount: '100.0000', version: 1 });
  expect(await table.get(other)).toMatchObject({ amount: '50.0000', version: 1 });
});

test('a consumer stopped mid-stream and restarted converges with nothing lost', async () => {
  const config = testConfig();
  const first = await startService(config);
  const accounts = Array.from({ length: 6 }, () => randomUUID());
  const versionsMax = 15;
  const batch = (from: number, to: number) =>
    accounts.flatMap((id) => Array.from({ length: to - from + 1 }, (_, i) => newEvent({ id, balance: `${from + i}.25`, version: from + i })));
  await send(config.topics.balances, ...batch(1, 8));
  await waitFor('some progress', async () => ((await table.get(accounts[0] as string))?.version ?? 0) >= 3 || undefined);
  await stopService(first);
  await send(config.topics.balances, ...batch(9, versionsMax));
  await startService(sameGroupConfig(config));
  for (const id of accounts) await rowReaches(id, versionsMax, `${versionsMax}.25`);
});

test('a crash between the DB commit and the offset commit re-applies harmlessly and re-publishes the live state', async () => {
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '1' });
  const a = randomUUID();
  let crashes = 0;
  const crashing = await startService(config, {
    afterDatabaseCommit: async (applied) => {
      if (applied.sides.some((side) => side.state.accountId === a && side.state.version === 2)) {
        crashes += 1;
        throw new Error('simulated crash after the DB commit');
      }
    },
  });
  const live = await collectTopic(config.topics.live);
  try {
    await send(config.topics.balances, newEvent({ id: a, balance: '10', version: 1 }), newEvent({ id: a, balance: '20', version: 2 }));
    await waitFor('crash after commit', () => (crashes > 0 ? true : undefined));
    expect(await table.get(a)).toMatchObject({ amount: '20.0000', version: 2 });
    await stopService(crashing);

    const admin = testKafka('observer').admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: config.consumerGroup, topics: [config.topics.balances] });
    await admin.disconnect();
    // Offset 1 (version 2) was never committed: the committed position is at most 1.
    expect(Number(offsets?.partitions[0]?.offset)).toBeLessThanOrEqual(1);
    expect(live.messages.filter((m) => (JSON.parse(String(m.value)) as { version: number }).version === 2)).toHaveLength(0);

    const restarted = await startService(sameGroupConfig(config));
    await waitFor('live state of version 2 published after the restart', () =>
      live.messages.some((m) => (JSON.parse(String(m.value)) as { version: number }).version === 2) ? true : undefined,
    );
    expect(restarted.metrics.value(MetricName.eventsRepublished)).toBeGreaterThanOrEqual(1);
    expect(restarted.metrics.value(MetricName.eventsApplied)).toBe(0);
    expect(await table.get(a)).toMatchObject({ amount: '20.0000', version: 2 });
    const liveV2 = live.messages.find((m) => (JSON.parse(String(m.value)) as { version: number }).version === 2);
    expect(liveV2?.key).toBe(a);
    expect(JSON.parse(String(liveV2?.value))).toEqual({ accountId: a, amount: '20.00', version: 2, updatedAt: expect.any(String) });
  } finally {
    await live.stop();
  }
});
