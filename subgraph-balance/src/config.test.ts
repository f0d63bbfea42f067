import { ConfigError } from '@walletgraph/platform';
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
])('%s=%s is refused with its name in the message', (name, value) => {
  expect(() => loadBalanceConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => loadBalanceConfig({ [name]: value })).toThrow(new RegExp(name));
});
