// Kafka as an attacker meets it (issue 15). Every client listener wants SASL/SCRAM-SHA-512, and the
// ACLs (platform/src/kafka/access.ts, applied by the admin principal exactly as in production) let
// each principal do only its own work. Every attempt below aims the forgery at a live read
// model: an old-format BalanceUpdated setting 777777, and one with version 1000000 that would freeze
// the account. After each, a legitimate event written with the wallet's credentials must be the
// next state the read model shows: proof that the projector was running and that nothing forged got
// in before it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@walletgraph/platform/core';
import { kafkaCredentialsFromEnv, kafkaFailureKind, type KafkaPrincipal } from '@walletgraph/platform/kafka';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createBalanceService, type BalanceService } from '../src/app.js';
import type { BalanceConfig } from '../src/config.js';
import { balanceTable, brokers, connectedProducer, newEvent, oldEvent, provisionFor, testConfig, testKafka, testLogger, waitFor } from './helpers.js';

const table = balanceTable();
let config: BalanceConfig;
let service: BalanceService;
let wallet: Producer;
const target = randomUUID();
const other = randomUUID();
let version = 0;

/** The two forged events, aimed at `target`. */
const forged = () => [{ value: oldEvent(target, other, '777777', '777777') }, newEvent({ id: target, balance: '777777', version: 1_000_000 })];

/** A client of the test broker without credentials, or with the given ones. */
function rawKafka(sasl?: { username: string; password: string }, brokerList: string[] = brokers()): Kafka {
  return new Kafka({
    clientId: 'kafka-security-test',
    brokers: brokerList,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    // A refused consumer must not restart itself in the background after the test.
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500, restartOnFailure: async () => false },
    ...(sasl === undefined ? {} : { sasl: { mechanism: 'scram-sha-512' as const, ...sasl } }),
  });
}

/** The error an attempt ended with (it must end with one). */
async function refusal(attempt: () => Promise<unknown>): Promise<Error> {
  try {
    await attempt();
  } catch (error: unknown) {
    return error as Error;
  }
  throw new Error('the attempt was not refused');
}

async function produceForged(kafka: Kafka): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic: config.topics.balances, acks: -1, messages: forged() });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

async function consume(kafka: Kafka, topic: string): Promise<void> {
  const consumer = kafka.consumer({ groupId: `kafka-security-${randomUUID()}`, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * The next legitimate state, written as the wallet, is what the read model shows: nothing forged
 * was applied before it (a forged old-format event would have set 777777, a forged version
 * 1000000 would have made this one stale).
 */
async function expectReadModelUntouched(): Promise<void> {
  version += 1;
  const balance = `${10 + version}.25`;
  await wallet.send({ topic: config.topics.balances, acks: -1, messages: [newEvent({ id: target, balance, version })] });
  const row = await waitFor(`${target} at v${version}`, async () => {
    const current = await table.get(target);
    return current !== undefined && (current.version >= version || current.amount.startsWith('777777')) ? current : undefined;
  });
  expect({ amount: row.amount, version: row.version }).toEqual({ amount: `${balance}00`, version });
}

/** kcat (librdkafka, a third-party client) with the given -X settings; its stderr. kcat exits 0 on these failures. */
function kcat(args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('kcat', ['-b', brokers().join(','), '-m', '2', ...args], { timeout: 20_000 }, (_error, _stdout, stderr) => resolve(String(stderr)));
    child.stdin?.end(input);
  });
}

const credentials = (principal: KafkaPrincipal) => kafkaCredentialsFromEnv(principal, process.env).sasl;

/** The suite broker's data dir and cluster description (written by scripts/lib/kafka.mjs). */
const dataDir = (): string => process.env['TEST_KAFKA_DATA_DIR'] as string;
const brokerLog = (): string => readFileSync(path.join(dataDir(), 'node-1', 'server.log'), 'utf8');

beforeAll(async () => {
  config = testConfig();
  await provisionFor(config);
  service = createBalanceService(config, testLogger);
  await service.start();
  wallet = await connectedProducer(testKafka('wallet'));
  await expectReadModelUntouched();
});

afterAll(async () => {
  await wallet?.disconnect();
  await service?.stop();
  await table.end();
});

describe('without credentials', () => {
  it('a producer is refused: the broker closes the connection before any request', async () => {
    const error = await refusal(() => produceForged(rawKafka()));
    expect(error.message).toMatch(/Closed connection/);
    await expectReadModelUntouched();
  });

  it('a consumer is refused', async () => {
    const error = await refusal(() => consume(rawKafka(), config.topics.balances));
    expect(error.message).toMatch(/Closed connection/);
    await expectReadModelUntouched();
  });

  it('a third-party client (kcat, librdkafka) is refused as a producer and as a consumer', async () => {
    const produced = await kcat(['-P', '-t', config.topics.balances], `${forged()[0]?.value}\n`);
    expect(produced).toMatch(/broker might require SASL authentication/);
    const consumed = await kcat(['-C', '-t', config.topics.balances, '-o', 'beginning', '-e']);
    expect(consumed).toMatch(/broker might require SASL authentication/);
    await expectReadModelUntouched();
  });

  it('the controller listener refuses clients too (brokers and controllers only, SASL/PLAIN)', async () => {
    const cluster = JSON.parse(readFileSync(path.join(dataDir(), 'cluster.json'), 'utf8')) as { nodes: Array<{ controllerPort: number }> };
    const controller = [`127.0.0.1:${cluster.nodes[0]?.controllerPort}`];
    const anonymous = await refusal(() => produceForged(rawKafka(undefined, controller)));
    expect(anonymous.message).toMatch(/does not support the requested API version/);
    const withScram = await refusal(() => produceForged(rawKafka(credentials('wallet'), controller)));
    expect(withScram.message).toMatch(/does not support the requested SASL mechanism/);
    await expectReadModelUntouched();
  });
});

describe('with wrong credentials', () => {
  it('a wrong password is refused at authentication', async () => {
    const error = await refusal(() => produceForged(rawKafka({ username: credentials('wallet').username, password: 'not-the-wallet-password' })));
    expect(kafkaFailureKind(error)).toBe('authentication');
    await expectReadModelUntouched();
  });

  it('an unknown user is refused at authentication', async () => {
    const error = await refusal(() => produceForged(rawKafka({ username: 'mallory', password: credentials('wallet').password })));
    expect(kafkaFailureKind(error)).toBe('authentication');
    await expectReadModelUntouched();
  });

  it('a service started with a wrong password refuses to start, naming its principal and never the password', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'kafka-security', level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const password = `wrong-${randomUUID()}`;
    const broken = createBalanceService(testConfig({ KAFKA_BALANCE_PASSWORD: password, KAFKA_ENSURE_TOPICS: 'false' }), logger);
    const error = await refusal(() => broken.start());
    await broken.stop().catch(() => undefined);
    expect(error.message).toMatch(/refused the credentials of principal 'balance'/);
    expect(`${error.message}\n${lines.join('')}`).not.toContain(password);
  });
});

describe('authenticated, outside its ACLs', () => {
  it('the balance principal cannot produce to balances', async () => {
    const error = await refusal(() => produceForged(rawKafka(credentials('balance'))));
    expect(kafkaFailureKind(error)).toBe('authorization');
    await expectReadModelUntouched();
  });

  it.each(['reconciler', 'admin', 'observer'] as const)('nor can the %s principal: only the wallet writes balances', async (principal) => {
    const error = await refusal(() => produceForged(rawKafka(credentials(principal))));
    expect(kafkaFailureKind(error)).toBe('authorization');
    await expectReadModelUntouched();
  });

  it('the wallet principal cannot read balances.live', async () => {
    const error = await refusal(() => consume(rawKafka(credentials('wallet')), config.topics.live));
    expect((error as { type?: string }).type).toBe('TOPIC_AUTHORIZATION_FAILED');
    await expectReadModelUntouched();
  });

  it("the wallet principal cannot join the balance projector's group", async () => {
    const consumer = rawKafka(credentials('wallet')).consumer({ groupId: config.consumerGroup });
    const crashed = new Promise<Error>((resolve) => consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error)));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [config.topics.balances] });
      await consumer.run({ eachMessage: async () => undefined });
      // kafkajs reports a refused FindCoordinator as "coordinator not found"; the broker says why.
      expect((await crashed).name).toBe('KafkaJSGroupCoordinatorNotFound');
      const denial = `Principal = User:${credentials('wallet').username} is Denied operation = DESCRIBE from host = 127.0.0.1 on resource = Group:LITERAL:${config.consumerGroup}`;
      await waitFor('the denial in the broker log', () => (brokerLog().includes(denial) ? true : undefined), 10_000);
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    await expectReadModelUntouched();
  });
});

it('the read model never held a forged value', async () => {
  const row = await table.get(target);
  expect(row?.version).toBe(version);
  expect(row?.amount).not.toMatch(/^777777/);
});

/** Sanity of the harness: the same forgery with the wallet's credentials does reach the read model. */
it('the forgery written with the wallet credentials does get through (the harness can see one)', async () => {
  const victim = randomUUID();
  await wallet.send({ topic: config.topics.balances, acks: -1, messages: [{ value: oldEvent(victim, randomUUID(), '777777', '1') }] });
  const row = await waitFor('forged row', () => table.get(victim));
  expect(row.amount).toBe('777777.0000');
});
