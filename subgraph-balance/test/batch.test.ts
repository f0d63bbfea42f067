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
  type CollectedMessage,
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

type Message = { key?: string; value: string; headers?: Record<string, string> };

/** Duplicates, versions out of order, old un-versioned events and poison, around four accounts. */
function scenario(ids: readonly string[]): Message[] {
  const [a, b, c, d] = ids as [string, string, string, string];
  const v = (id: string, balance: string, version: number) => ({ id, balance, version });
  const transfer = (from: ReturnType<typeof v>, to: ReturnType<typeof v>) => newEvent(from, to);
  return [
    newEvent(v(a, '100', 1)),
    newEvent(v(b, '50', 1)),
    transfer(v(a, '90', 2), v(b, '60', 2)),
    transfer(v(a, '90', 2), v(b, '60', 2)),
    transfer(v(a, '95', 1), v(c, '5', 1)),
    { key: a, value: '{"Name":"BalanceUpdated","Payload":' },
    transfer(v(a, '80', 4), v(b, '70', 4)),
    transfer(v(a, '85', 3), v(b, '65', 3)),
    { value: oldEvent(c, d, '4.5', '0.0001') },
    { key: a, value: oldEvent(a, b, '-1', '1').replace('BalanceUpdated', 'BalanceDeleted') },
    { key: a, value: oldEvent(a, a, '1', '2') },
    transfer(v(c, '3.25', 5), v(d, '1.2345', 2)),
    newEvent(v(d, '1.2345', 2)),
    { value: oldEvent(a, b, '79.5', '70.5') },
    transfer(v(b, '71', 5), v(a, '79', 5)),
  ];
}

interface RunResult {
  readonly rows: unknown[];
  readonly deadLetters: unknown[];
  readonly live: unknown[];
  readonly metrics: Record<string, number>;
  readonly transactions: number;
}

const COUNTED_METRICS = [MetricName.eventsApplied, MetricName.eventsRepublished, MetricName.eventsStale, MetricName.eventsDeadLettered] as const;

/** Runs the scenario on fresh accounts and topics; account ids are replaced by their index. */
async function run(batchSizeMax: number): Promise<RunResult> {
  const ids = Array.from({ length: 4 }, () => randomUUID());
  const anonymize = (text: string) => ids.reduce((out, id, i) => out.split(id).join(`account-${i}`), text);
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '1', PROJECTION_BATCH_SIZE_MAX: String(batchSizeMax) });
  const messages = scenario(ids);
  // Everything is on the topic before the consumer starts, so it arrives in one fetch.
  await provisionFor(config);
  await producer.send({
    topic: config.topics.balances,
    messages: messages.map((m) => ({ ...m, headers: { ...m.headers, 'test-step': String(messages.indexOf(m)) } })),
  });
  let transactions = 0;
  const live = await collectTopic(config.topics.live);
  const dlq = await collectTopic(config.topics.deadLetter);
  try {
    const service = await startService(config, { onSqlQuery: (sql) => (transactions += /FOR UPDATE/.test(sql) ? 1 : 0) });
    const poisonCount = 3;
    await waitFor('every message handled', () => {
      const handled = COUNTED_METRICS.reduce((sum, name) => sum + service.metrics.value(name), 0);
      return handled >= 21 + poisonCount && dlq.messages.length >= poisonCount ? true : undefined;
    });
    await waitFor('last live state', () =>
      live.messages.some((m) => anonymize(String(m.value)).includes('"account-0","amount":"79.00","version":5')) ? true : undefined,
    );
    const rows = await Promise.all(
      ids.map(async (id) => {
        const row = await table.get(id);
        return row === undefined ? undefined : { amount: row.amount, version: row.version };
      }),
    );
    const liveStates = live.messages.map((m: CollectedMessage) => {
      const { accountId, amount, version } = JSON.parse(anonymize(String(m.value))) as Record<string, unknown>;
      return { key: anonymize(m.key ?? ''), accountId, amount, version };
    });
    return {
      rows,
      deadLetters: dlq.messages.map((m) => ({ step: m.headers['test-step'], reason: m.headers['dead-letter-reason'], value: anonymize(String(m.value)) })),
      live: liveStates,
      metrics: Object.fromEntries(COUNTED_METRICS.map((name) => [name, service.metrics.value(name)])),
      transactions,
    };
  } finally {
    await live.stop();
    await dlq.stop();
  }
}

test('a batch with duplicates, out-of-order versions and poison in the middle gives exactly what one-by-one processing gives', async () => {
  const oneByOne = await run(1);
  const batched = await run(200);
  expect(batched.rows).toEqual(oneByOne.rows);
  expect(batched.deadLetters).toEqual(oneByOne.deadLetters);
  expect(batched.live).toEqual(oneByOne.live);
  expect(batched.metrics).toEqual(oneByOne.metrics);
  expect(oneByOne.rows).toEqual([
    { amount: '79.0000', version: 5 },
    { amount: '71.0000', version: 5 },
    { amount: '3.2500', version: 5 },
    { amount: '1.2345', version: 2 },
  ]);
  expect(oneByOne.deadLetters.map((m) => (m as { step: string }).step)).toEqual(['5', '9', '10']);
  expect(oneByOne.transactions).toBe(12);
  // Poison splits the run: at most four runs (before, between and after the three poison messages).
  expect(batched.transactions).toBeLessThanOrEqual(4);
});

test('partitions applied concurrently by two instances converge on the same hot accounts without deadlock', async () => {
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '4', CONSUMER_PARTITIONS_CONCURRENT_MAX: '4', PROJECTION_BATCH_SIZE_MAX: '50' });
  const first = await startService(config);
  const second = await startService(sameGroupConfig(config, { CONSUMER_PARTITIONS_CONCURRENT_MAX: '4', PROJECTION_BATCH_SIZE_MAX: '50' }));
  const accounts: string[] = Array.from({ length: 6 }, () => randomUUID());
  const versions = new Map(accounts.map((id) => [id, 0]));
  const side = (id: string) => {
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    return { id, balance: `${version}.${String(version % 10_000).padStart(4, '0')}`, version };
  };
  const eventCount = 1_200;
  const messages = Array.from({ length: eventCount }, (_, i) => {
    const from = accounts[i % accounts.length] as string;
    const to = accounts[(i * 7 + 1) % accounts.length] as string;
    // The key spreads events over every partition, so one account is touched by all of them.
    return { ...(from === to ? newEvent(side(from)) : newEvent(side(from), side(to))), key: randomUUID() };
  });
  for (let i = 0; i < messages.length; i += 200) await producer.send({ topic: config.topics.balances, messages: messages.slice(i, i + 200) });
  for (const [id, version] of versions) {
    await waitFor(`${id} at v${version}`, async () => ((await table.get(id))?.version === version ? true : undefined), 60_000);
    expect(await table.get(id)).toMatchObject({ amount: `${version}.${String(version % 10_000).padStart(4, '0')}`, version });
  }
  const handled = (service: BalanceService) =>
    service.metrics.value(MetricName.eventsApplied) + service.metrics.value(MetricName.eventsStale) + service.metrics.value(MetricName.eventsRepublished);
  // Every side raised its account's version by one; a rebalance may hand a few over twice.
  const sidesTotal = [...versions.values()].reduce((sum, version) => sum + version, 0);
  await waitFor('every side handled', () => (handled(first) + handled(second) >= sidesTotal ? true : undefined));
  expect(first.metrics.value(MetricName.eventsApplied) + second.metrics.value(MetricName.eventsApplied)).toBeLessThanOrEqual(sidesTotal);
  expect(first.metrics.value(MetricName.eventsDeadLettered) + second.metrics.value(MetricName.eventsDeadLettered)).toBe(0);
});
