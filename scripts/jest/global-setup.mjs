// Starts what the suite needs, once per `npm test`: MariaDB (if down), a fresh Kafka broker on
// its own port and data dir (SASL/SCRAM and ACLs as in production, with passwords of this run),
// and fresh test databases. Workers inherit the env set here.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { ensureMariaDb } from '../lib/mariadb.mjs';
import { startKafka } from '../lib/kafka.mjs';
import { platform } from '../lib/databases.mjs';
import { dropDatabase, migrateAll, seedAll } from '../lib/databases.mjs';
import { freePort } from '../lib/free-port.mjs';

const log = (line) => process.stderr.write(`[test-setup] ${line}\n`);

export default async function globalSetup() {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  process.env.LOG_LEVEL ??= 'silent';
  // Each run gets its own databases and broker, so two runs on one machine never collide.
  const runId = `${process.pid}`;
  const urls = {
    WALLET_DATABASE_URL: process.env.TEST_WALLET_DATABASE_URL ?? `mysql://root@127.0.0.1:3306/wgtest_${runId}_wallet`,
    BALANCE_DATABASE_URL: process.env.TEST_BALANCE_DATABASE_URL ?? `mysql://root@127.0.0.1:3306/wgtest_${runId}_balance`,
  };
  globalThis.__walletgraphTestUrls = urls;
  await ensureMariaDb({ host: '127.0.0.1', port: 3306, log });
  for (const url of Object.values(urls)) await dropDatabase(url);
  await migrateAll(urls, log);
  await seedAll(urls, log);
  Object.assign(process.env, urls);

  // Every principal gets a random password for this run (long enough for NODE_ENV=production,
  // which some suites run the services in): a process that does not pass them on fails loudly
  // instead of falling back to the development defaults.
  for (const principal of platform('kafka').KAFKA_PRINCIPALS) {
    const variable = platform('kafka').kafkaCredentialVariables(principal).password;
    if (!process.env.TEST_KAFKA_BROKERS) process.env[variable] = randomBytes(24).toString('hex');
  }
  if (process.env.TEST_KAFKA_BROKERS) {
    process.env.KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS;
  } else {
    const port = process.env.TEST_KAFKA_PORT ? Number(process.env.TEST_KAFKA_PORT) : await freePort();
    const controllerPort = await freePort();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'walletgraph-test-kafka-'));
    log(`starting test Kafka on 127.0.0.1:${port} (data ${dataDir})`);
    const kafka = await startKafka({ port, controllerPort, dataDir, logDir: dataDir, freshData: true, attached: true, log });
    globalThis.__walletgraphKafka = kafka;
    process.env.KAFKA_BROKERS = kafka.brokers.join(',');
    process.env.TEST_KAFKA_DATA_DIR = dataDir;
  }
  await writeFile(
    path.join(os.tmpdir(), `walletgraph-test-env-${runId}.json`),
    JSON.stringify({
      WALLET_DATABASE_URL: process.env.WALLET_DATABASE_URL,
      BALANCE_DATABASE_URL: process.env.BALANCE_DATABASE_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    }),
  );
  log(`ready: Kafka ${process.env.KAFKA_BROKERS}`);
}
