import { ConfigError } from '@walletgraph/platform/core';
import { loadReconcileConfig, parseReconcileArgs } from './config.js';
import { partitionLag } from './lag.js';

describe('parseReconcileArgs', () => {
  it.each([
    [[], { repair: false, json: false, waitMs: 0, help: false }],
    [['--repair', '--json'], { repair: true, json: true, waitMs: 0, help: false }],
    [['--wait-ms', '1500'], { repair: false, json: false, waitMs: 1500, help: false }],
    [['--wait-ms=20'], { repair: false, json: false, waitMs: 20, help: false }],
    [['--help'], { repair: false, json: false, waitMs: 0, help: true }],
  ])('%j', (argv, expected) => {
    expect(parseReconcileArgs(argv)).toEqual(expected);
  });

  it.each([[['--fix']], [['--wait-ms']], [['--wait-ms', '-1']], [['--wait-ms', '1.5']], [['--wait-ms', '99999999999']]])('refuses %j', (argv) => {
    expect(() => parseReconcileArgs(argv)).toThrow(ConfigError);
  });
});

describe('loadReconcileConfig', () => {
  it('defaults to the local databases and the balance consumer group', () => {
    const config = loadReconcileConfig({});
    expect(config).toMatchObject({
      walletDatabaseUrl: 'mysql://root@127.0.0.1:3306/wallet',
      balanceDatabaseUrl: 'mysql://root@127.0.0.1:3306/ms_balance',
      kafkaBrokers: ['127.0.0.1:9092'],
      consumerGroup: 'walletgraph-balance',
      topics: { balances: 'balances', transactions: 'transactions' },
    });
  });

  it('authenticates as the reconciler principal; production needs its real password', () => {
    expect(loadReconcileConfig({}).kafkaAuth.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'reconciler',
      password: 'dev-only-walletgraph-kafka-reconciler-password',
    });
    expect(() => loadReconcileConfig({ NODE_ENV: 'production' })).toThrow(/KAFKA_RECONCILER_PASSWORD: is required when NODE_ENV=production/);
    expect(loadReconcileConfig({ NODE_ENV: 'production', KAFKA_RECONCILER_PASSWORD: 'r'.repeat(40) }).kafkaAuth.devSecretsUsed).toEqual([]);
  });

  it('lists every bad variable', () => {
    expect(() => loadReconcileConfig({ BALANCE_DATABASE_URL: 'postgres://x/y', RECONCILE_PAGE_SIZE_MAX: '0' })).toThrow(
      /BALANCE_DATABASE_URL[\s\S]*RECONCILE_PAGE_SIZE_MAX/,
    );
  });
});

describe('partitionLag', () => {
  it.each([
    ['committed behind the end', '10', '0', '7', 3, 7],
    ['caught up', '10', '0', '10', 0, 10],
    ['never committed: everything from the log start', '10', '4', '-1', 6, null],
    ['committed before the log start (retention)', '10', '8', '2', 2, 2],
  ])('%s', (_name, high, low, committed, lag, committedOffset) => {
    expect(partitionLag(0, high, low, committed)).toMatchObject({ lag, committedOffset });
  });
});
