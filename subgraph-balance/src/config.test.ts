import { ConfigError } from '@walletgraph/platform/core';
import { loadBalanceConfig } from './config.js';

test('defaults work locally', () => {
  const config = loadBalanceConfig({});
  expect(config).toMatchObject({
    databaseUrl: 'mysql://root@127.0.0.1:3306/ms_balance',
    kafkaBrokers: ['127.0.0.1:9092'],
    port: 4002,
    restPort: 3003,
    host: '0.0.0.0',
    consumerGroup: 'walletgraph-balance',
    topics: { balances: 'balances', deadLetter: 'balances.dlq', live: 'balances.live' },
    topicPartitionCount: 3,
    subscriptionsPerConnectionMax: 20,
    subscriptionsMax: 20_000,
  });
});

test.each([
  ['BALANCE_DATABASE_URL', 'postgres://x/y'],
  ['KAFKA_BROKERS', 'no-port'],
  ['BALANCE_PORT', '70000'],
  ['KAFKA_TOPIC_BALANCES', 'bad topic!'],
  ['SUBSCRIPTIONS_PER_CONNECTION_MAX', '0'],
  ['SUBSCRIBER_BUFFERED_BYTES_MAX', 'lots'],
  ['LOG_LEVEL', 'loud'],
  ['PROJECTION_BATCH_SIZE_MAX', '0'],
  ['PROJECTION_BATCH_SIZE_MAX', '5001'],
  ['CONSUMER_PARTITIONS_CONCURRENT_MAX', '11'],
  ['CONSUMER_FETCH_WAIT_MS_MAX', '-1'],
  ['BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX', '0'],
  ['BALANCE_HISTORY_AGE_MS_MAX', '0'],
  ['BALANCE_HISTORY_PRUNE_ROWS_MAX', '1.5'],
  ['BALANCE_REPLAY_PAGE_ROWS_MAX', '10001'],
  ['BALANCE_MIN_VERSION_WAIT_MS_MAX', '60001'],
  ['BALANCE_MIN_VERSION_WAITERS_MAX', 'many'],
])('%s=%s is refused with its name in the message', (name, value) => {
  expect(() => loadBalanceConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadBalanceConfig({ [name]: value })).toThrow(new RegExp(name));
});

test('the projector applies as many partitions at once as there are, bounded by the pool', () => {
  expect(loadBalanceConfig({}).consumerPartitionsConcurrentMax).toBe(3);
  expect(loadBalanceConfig({ KAFKA_TOPIC_PARTITIONS: '12', DATABASE_POOL_SIZE_MAX: '8' }).consumerPartitionsConcurrentMax).toBe(8);
  expect(loadBalanceConfig({ CONSUMER_PARTITIONS_CONCURRENT_MAX: '2' }).consumerPartitionsConcurrentMax).toBe(2);
  expect(loadBalanceConfig({}).projectionBatchSizeMax).toBe(200);
  expect(loadBalanceConfig({}).consumerFetchWaitMsMax).toBe(100);
});

test('Kafka credentials of the balance principal: development default locally, a real password in production', () => {
  expect(loadBalanceConfig({}).kafkaAuth).toEqual({
    sasl: { mechanism: 'scram-sha-512', username: 'balance', password: 'dev-only-walletgraph-kafka-balance-password' },
    devSecretsUsed: ['KAFKA_BALANCE_PASSWORD'],
  });
  const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'j'.repeat(40), INTERNAL_AUTH_SECRET: 'i'.repeat(40) };
  expect(() => loadBalanceConfig(production)).toThrow(/KAFKA_BALANCE_PASSWORD: is required when NODE_ENV=production/);
  expect(loadBalanceConfig({ ...production, KAFKA_BALANCE_PASSWORD: 'b'.repeat(40) }).kafkaAuth.devSecretsUsed).toEqual([]);
});

test('history retention and minVersion waits: bounded defaults', () => {
  expect(loadBalanceConfig({})).toMatchObject({
    history: {
      versionsPerAccountMax: 10_000,
      ageMsMax: 7 * 24 * 3_600_000,
      pruneIntervalMs: 60_000,
      pruneRowsMax: 10_000,
      replayPageRowsMax: 500,
      gapWaitMsMax: 10_000,
    },
    minVersion: { waitMsMax: 5_000, waitersMax: 10_000 },
  });
});
