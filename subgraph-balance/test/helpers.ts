import { randomUUID } from 'node:crypto';
import { createLogger, DEV_INTERNAL_AUTH_SECRET, type Logger } from '@walletgraph/platform/core';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity, type Identity } from '@walletgraph/platform/auth';
import {
  createKafka,
  DEFAULT_OBSERVER_GROUP_PREFIX,
  kafkaAccessNames,
  kafkaCredentialsFromEnv,
  kafkaCredentialVariables,
  provisionWalletgraph,
  type KafkaPrincipal,
} from '@walletgraph/platform/kafka';
import type { Kafka, Producer } from 'kafkajs';
import { createPool, type Pool } from 'mariadb';
import { loadBalanceConfig, type BalanceConfig } from '../src/config.js';

export const testLogger: Logger = createLogger({ name: 'balance-test', level: process.env.LOG_LEVEL ?? 'silent' });

export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (value === undefined) throw new Error('KAFKA_BROKERS is not set: run through the jest global setup');
  return value.split(',');
}

export const ADMIN: Identity = { role: 'admin', subject: 'balance-test-admin' };

/** What the gateway sends: the caller's identity signed with the (development) internal secret. */
export async function identityHeaders(identity: Identity = ADMIN): Promise<Record<string, string>> {
  return { [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity(identity, { secret: DEV_INTERNAL_AUTH_SECRET }) };
}

/**
 * The balance service's consumer timings in every integration suite (this package's and the
 * gateway's, in-process or as processes): rebalances, offset commits and retries in a fraction of
 * production's, three partitions.
 */
export const BALANCE_CONSUMER_TEST_ENV = {
  KAFKA_TOPIC_PARTITIONS: '3',
  CONSUMER_SESSION_TIMEOUT_MS: '10000',
  CONSUMER_HEARTBEAT_INTERVAL_MS: '1000',
  CONSUMER_COMMIT_INTERVAL_MS: '200',
  RETRY_DELAY_MS_INITIAL: '20',
  RETRY_DELAY_MS_MAX: '200',
} as const;

/** A config on free ports with topics and a group nobody else uses. */
export function testConfig(env: Record<string, string> = {}): BalanceConfig {
  const suffix = randomUUID().slice(0, 8);
  return loadBalanceConfig({
    BALANCE_DATABASE_URL: process.env.BALANCE_DATABASE_URL,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    ...kafkaEnv('balance'),
    BALANCE_PORT: '0',
    BALANCE_REST_PORT: '0',
    BALANCE_HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    BALANCE_CONSUMER_GROUP: `test-balance-${suffix}`,
    KAFKA_TOPIC_BALANCES: `test.balances.${suffix}`,
    KAFKA_TOPIC_BALANCES_DLQ: `test.balances.${suffix}.dlq`,
    KAFKA_TOPIC_BALANCES_LIVE: `test.balances.${suffix}.live`,
    ...BALANCE_CONSUMER_TEST_ENV,
    DATABASE_POOL_SIZE_MAX: '4',
    ...env,
  });
}

/** The same topics and group as `base`, for a second instance or a restart. */
export function sameGroupConfig(base: BalanceConfig, env: Record<string, string> = {}): BalanceConfig {
  return testConfig({
    BALANCE_CONSUMER_GROUP: base.consumerGroup,
    KAFKA_TOPIC_BALANCES: base.topics.balances,
    KAFKA_TOPIC_BALANCES_DLQ: base.topics.deadLetter,
    KAFKA_TOPIC_BALANCES_LIVE: base.topics.live,
    ...env,
  });
}

/** The run's credentials of one principal (set by the Jest global setup), as service env. */
export function kafkaEnv(principal: KafkaPrincipal): Record<string, string> {
  const names = kafkaCredentialVariables(principal);
  return Object.fromEntries([names.username, names.password].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
}

/**
 * A client of the test broker as `principal`. By default the wallet's: in production it is the
 * only principal allowed to write `balances`, which is what these tests feed.
 */
export function testKafka(principal: KafkaPrincipal = 'wallet'): Kafka {
  return createKafka({ brokers: brokers(), clientId: `balance-test-${principal}`, sasl: kafkaCredentialsFromEnv(principal, process.env).sasl }, testLogger);
}

/**
 * The config's topics (with its partition count) and the production ACLs for its names, created by
 * the admin principal: the balance principal may not create topics, and reaches only what the
 * ACLs name.
 */
export async function provisionFor(config: BalanceConfig): Promise<void> {
  const names = kafkaAccessNames({
    topics: { balances: config.topics.balances, balancesDeadLetter: config.topics.deadLetter, balancesLive: config.topics.live },
    balanceGroup: config.consumerGroup,
    balanceLiveGroupPrefix: config.liveGroupPrefix,
  });
  await provisionWalletgraph(testKafka('admin'), names, config.topicPartitionCount);
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** Exactly what the old Go Walletcore wrote: no key, no headers, four Payload fields. */
export function oldEvent(from: string, to: string, balanceFrom: string, balanceTo: string): string {
  return `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${from}","account_id_to":"${to}","balance_account_id_from":${balanceFrom},"balance_account_id_to":${balanceTo}}}`;
}

export interface VersionedSide {
  readonly id: string;
  readonly balance: string;
  readonly version: number;
}

/** What this project's wallet writes: extra Payload fields, key = account_id_from, headers. */
export function newEvent(from: VersionedSide, to: VersionedSide = from): { key: string; value: string; headers: Record<string, string> } {
  const eventId = randomUUID();
  return {
    key: from.id,
    value:
      `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${from.id}","account_id_to":"${to.id}",` +
      `"balance_account_id_from":${from.balance},"balance_account_id_to":${to.balance},` +
      `"version_account_id_from":${from.version},"version_account_id_to":${to.version},` +
      `"event_id":"${eventId}","occurred_at":"${new Date().toISOString()}"}}`,
    headers: { 'event-id': eventId, 'event-name': 'BalanceUpdated', 'schema-version': '2', producer: 'walletgraph' },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface BalanceRow {
  readonly id: string;
  readonly account_id: string;
  readonly amount: string;
  readonly version: number;
}

/** Reads the read model directly, independent of the code under test. */
export function balanceTable(): { get(accountId: string): Promise<BalanceRow | undefined>; end(): Promise<void> } {
  const url = process.env.BALANCE_DATABASE_URL;
  if (url === undefined) throw new Error('BALANCE_DATABASE_URL is not set');
  const target = parseMysqlUrl(url);
  const pool: Pool = createPool({ ...target, connectionLimit: 2, decimalAsNumber: false });
  return {
    async get(accountId) {
      const rows = await pool.query<BalanceRow[]>('SELECT id, account_id, amount, version FROM balances WHERE account_id = ?', [accountId]);
      const row = rows[0];
      return row === undefined ? undefined : { ...row, amount: String(row.amount), version: Number(row.version) };
    },
    end: () => pool.end(),
  };
}

export interface CollectedMessage {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: string;
}

/** Reads a whole topic from the beginning into an array that keeps growing (as the read-only observer). */
export async function collectTopic(topic: string): Promise<{ messages: CollectedMessage[]; stop(): Promise<void> }> {
  const kafka = testKafka('observer');
  const consumer = kafka.consumer({ groupId: `${DEFAULT_OBSERVER_GROUP_PREFIX}test-reader-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
      messages.push({ key: message.key?.toString() ?? null, value: message.value, headers, partition, offset: message.offset });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
