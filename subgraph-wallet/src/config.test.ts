import { ConfigError } from '@walletgraph/platform/core';
import { loadWalletConfig } from './config.js';

describe('loadWalletConfig', () => {
  it('has local defaults', () => {
    const config = loadWalletConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'mysql://root@127.0.0.1:3306/wallet',
      kafkaBrokers: ['127.0.0.1:9092'],
      graphqlPort: 4001,
      restPort: 8080,
      host: '0.0.0.0',
      topics: { transactions: 'transactions', balances: 'balances', partitionCount: 3 },
      outboxRelayEnabled: true,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadWalletConfig({
      WALLET_DATABASE_URL: 'mysql://u:p@db:3307/w',
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      WALLET_PORT: '0',
      WALLET_REST_PORT: '18080',
      OUTBOX_RELAY_BATCH_SIZE_MAX: '50',
      OUTBOX_RELAY_IDLE_POLL_MS_MAX: '300',
      OUTBOX_RELAY_ENABLED: 'false',
      KAFKA_TOPIC_PARTITIONS: '6',
      DATABASE_POOL_SIZE_MAX: '4',
    });
    expect(config.kafkaBrokers).toEqual(['k1:9092', 'k2:9093']);
    expect([config.graphqlPort, config.restPort, config.outboxRelay.batchSizeMax, config.outboxRelay.idlePollMsMax]).toEqual([0, 18080, 50, 300]);
    expect([config.outboxRelayEnabled, config.topics.partitionCount, config.databasePoolSizeMax]).toEqual([false, 6, 4]);
  });

  it('lists every bad variable in one ConfigError', () => {
    const load = () => loadWalletConfig({ WALLET_PORT: 'abc', WALLET_DATABASE_URL: 'postgres://x', OUTBOX_RELAY_BATCH_SIZE_MAX: '0' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WALLET_PORT[\s\S]*WALLET_DATABASE_URL|WALLET_DATABASE_URL[\s\S]*WALLET_PORT/);
    expect(load).toThrow(/OUTBOX_RELAY_BATCH_SIZE_MAX/);
  });
});

describe('Kafka credentials of the wallet principal', () => {
  const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'j'.repeat(40), INTERNAL_AUTH_SECRET: 'i'.repeat(40) };

  it('uses the development password locally and lists it among the development secrets', () => {
    const config = loadWalletConfig({});
    expect(config.kafkaAuth.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'wallet', password: 'dev-only-walletgraph-kafka-wallet-password' });
    expect(config.kafkaAuth.devSecretsUsed).toEqual(['KAFKA_WALLET_PASSWORD']);
  });

  it('refuses to start in production without a real KAFKA_WALLET_PASSWORD', () => {
    expect(() => loadWalletConfig(production)).toThrow(/KAFKA_WALLET_PASSWORD: is required when NODE_ENV=production/);
    expect(() => loadWalletConfig({ ...production, KAFKA_WALLET_PASSWORD: 'dev-only-walletgraph-kafka-wallet-password' })).toThrow(/development-only/);
    expect(loadWalletConfig({ ...production, KAFKA_WALLET_USERNAME: 'walletcore', KAFKA_WALLET_PASSWORD: 'w'.repeat(40) }).kafkaAuth).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'walletcore', password: 'w'.repeat(40) },
      devSecretsUsed: [],
    });
  });
});
