// Every service, run as deployed (NODE_ENV=production, real secrets), stops cleanly on SIGTERM:
// each component stopped before the deadline, exit code 0, "stopped cleanly" logged. A rolling
// restart relies on it (consumers leave their group, pools close, nothing is cut off).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaAccessNames, provisionWalletgraph } from '@walletgraph/platform/kafka';
import { kafkaCredentialEnv } from './support/cluster';
import { ensureBuilt, SERVICE_SCRIPTS, type ServiceProcess } from './support/processes';
import { dropDatabases, freePort, migrateAndSeed, withDatabase, type DatabaseUrls } from './support/scripts';
import { balanceProcess, gatewayProcess, walletProcess } from './support/services';
import { chaosKafka } from './support/topics';

const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const logDir = mkdtempSync(path.join(os.tmpdir(), 'walletgraph-shutdown-'));
const urls: DatabaseUrls = {
  WALLET_DATABASE_URL: withDatabase(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/wallet', `wgshutdown_${runId}_wallet`),
  BALANCE_DATABASE_URL: withDatabase(process.env['BALANCE_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/ms_balance', `wgshutdown_${runId}_balance`),
};
// The suite's shared broker, with topics and consumer groups of this file's own.
const topics = {
  KAFKA_TOPIC_TRANSACTIONS: `shutdown-${runId}-transactions`,
  KAFKA_TOPIC_BALANCES: `shutdown-${runId}-balances`,
};
const production = {
  // The run's Kafka credentials (random, long enough for production) of every principal.
  ...kafkaCredentialEnv(),
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
  INTERNAL_AUTH_SECRET: randomBytes(32).toString('hex'),
  ...topics,
};

const services: ServiceProcess[] = [];

beforeAll(async () => {
  ensureBuilt(Object.values(SERVICE_SCRIPTS));
  await migrateAndSeed(urls);
  // This file's topics and groups, with the production ACLs for their names (the admin principal).
  await provisionWalletgraph(
    chaosKafka(production.KAFKA_BROKERS.split(','), 'admin'),
    kafkaAccessNames({
      topics: {
        transactions: topics.KAFKA_TOPIC_TRANSACTIONS,
        balances: topics.KAFKA_TOPIC_BALANCES,
        balancesDeadLetter: `shutdown-${runId}-balances.dlq`,
        balancesLive: `shutdown-${runId}-balances.live`,
      },
      balanceGroup: `shutdown-${runId}`,
      balanceLiveGroupPrefix: `shutdown-${runId}-live`,
    }),
  );
  const ports = { wallet: await freePort(), walletRest: await freePort(), balance: await freePort(), balanceRest: await freePort(), gateway: await freePort() };
  const wallet = walletProcess({ logDir, port: ports.wallet, restPort: ports.walletRest, databaseUrl: urls.WALLET_DATABASE_URL, env: production });
  const balance = balanceProcess({
    name: 'balance',
    logDir,
    port: ports.balance,
    restPort: ports.balanceRest,
    databaseUrl: urls.BALANCE_DATABASE_URL,
    env: {
      ...production,
      KAFKA_TOPIC_BALANCES_DLQ: `shutdown-${runId}-balances.dlq`,
      KAFKA_TOPIC_BALANCES_LIVE: `shutdown-${runId}-balances.live`,
      BALANCE_CONSUMER_GROUP: `shutdown-${runId}`,
      BALANCE_LIVE_GROUP_PREFIX: `shutdown-${runId}-live`,
    },
  });
  const gateway = gatewayProcess({
    logDir,
    port: ports.gateway,
    walletPort: ports.wallet,
    balancePort: ports.balance,
    readyPath: '/health/ready',
    env: production,
  });
  // Started in dependency order; stopped in reverse by the tests.
  for (const service of [wallet, balance, gateway]) {
    await service.start();
    services.push(service);
  }
}, 180_000);

afterAll(async () => {
  for (const service of [...services].reverse()) await service.stop();
  await dropDatabases(urls);
  rmSync(logDir, { recursive: true, force: true });
}, 120_000);

function logOf(service: ServiceProcess): string {
  return readFileSync(service.spec.logFile, 'utf8');
}

describe.each(['gateway', 'balance', 'wallet'])('%s in production mode', (name) => {
  it('stops cleanly on SIGTERM: every component stopped, exit code 0', async () => {
    const service = services.find((candidate) => candidate.name === name);
    if (service === undefined) throw new Error(`${name} did not start`);
    const exit = await service.stop();
    const log = logOf(service);
    expect({ exit, failures: log.split('\n').filter((line) => line.includes('stop failed')) }).toEqual({ exit: { code: 0, signal: null }, failures: [] });
    expect(log).toContain('"msg":"stopped cleanly"');
  });
});
