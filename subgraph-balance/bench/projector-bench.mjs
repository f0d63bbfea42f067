// Focused benchmark of the balance projector (not part of `npm test` or `npm run bench`).
// Starts its own Kafka broker on free ports and its own scratch databases, runs the built
// service (`npm run build -w @walletgraph/subgraph-balance` first), then drops everything.
//
//   node subgraph-balance/bench/projector-bench.mjs [--events=5000] [--accounts=1000] [--rate=200] [--seconds=20] [--partitions=3] [--only=rebuild|steady] [--profile=dir] [--dist=build dir]
//
// 1. rebuild: produces `events` versioned BalanceUpdated transfers over `accounts` accounts at
//    once and times until the read model holds every final version.
// 2. steady: `rate` transfers/s for `seconds`, latency from the produce call to each side's
//    state arriving on the live topic (what every instance's live consumer then hands to subscribers).
// The service runs in a child process. Before/after: build an older commit's `src` elsewhere inside
// this package (so node_modules resolve) and pass its output with --dist.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKafka } from '../../scripts/lib/kafka.mjs';
import { dropDatabase, migrateAll, platform } from '../../scripts/lib/databases.mjs';
import { freePort } from '../../scripts/lib/free-port.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const { Kafka, logLevel } = require('kafkajs');

/** A client of the bench broker as `principal` (credentials from the environment, development defaults). */
function kafkaAs(brokers, principal) {
  return new Kafka({
    clientId: `projector-bench-${principal}`,
    brokers,
    logLevel: logLevel.NOTHING,
    sasl: platform().kafkaCredentialsFromEnv(principal, process.env).sasl,
  });
}
const mariadb = require('mariadb');

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
/** Which build runs the service (another build of this package, e.g. an older commit's, for before/after). */
const distDir = path.resolve(args.dist ?? path.join(here, '../dist'));
const eventCount = Number(args.events ?? 5000);
const accountCount = Number(args.accounts ?? 1000);
const ratePerS = Number(args.rate ?? 200);
const steadySeconds = Number(args.seconds ?? 20);
const partitionCount = Number(args.partitions ?? 3);
const log = (line) => process.stderr.write(`[projector-bench] ${line}\n`);

function event(from, to) {
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

/** Random transfers between distinct accounts, each side one version above its last. */
function transferSource(accountIds) {
  const versions = new Map(accountIds.map((id) => [id, 0]));
  return () => {
    const i = Math.floor(Math.random() * accountIds.length);
    let j = Math.floor(Math.random() * (accountIds.length - 1));
    if (j >= i) j += 1;
    const [a, b] = [accountIds[i], accountIds[j]];
    const va = versions.get(a) + 1;
    const vb = versions.get(b) + 1;
    versions.set(a, va);
    versions.set(b, vb);
    return {
      message: event({ id: a, balance: `${va}.0001`, version: va }, { id: b, balance: `${vb}.5`, version: vb }),
      sides: [`${a}:${va}`, `${b}:${vb}`],
      versions,
    };
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** The service runs in its own process, as in production: the load generator does not share its event loop. */
async function startService(env) {
  const profile = args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profile}`];
  const child = spawn(process.execPath, [...profile, fileURLToPath(import.meta.url), '--child', `--dist=${distDir}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
    child.stdout.on('data', (chunk) => (String(chunk).includes('SERVICE-READY') ? resolve() : undefined));
  });
  child.removeAllListeners('exit');
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function runChild() {
  const { createBalanceService } = require(path.join(distDir, 'app.js'));
  const { loadBalanceConfig } = require(path.join(distDir, 'config.js'));
  const { createLogger } = platform();
  const service = createBalanceService(loadBalanceConfig(process.env), createLogger({ name: 'bench', level: 'error' }));
  await service.start();
  process.stdout.write('SERVICE-READY\n');
  process.once('SIGTERM', () => service.stop().then(() => process.exit(0)));
}

async function rebuild(kafka, env, pool) {
  const service = await startService(env);
  // Events are written as the wallet: the only principal allowed on `balances`.
  const producer = kafka.wallet.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const accountIds = Array.from({ length: accountCount }, () => randomUUID());
  const next = transferSource(accountIds);
  const messages = [];
  let versions;
  for (let i = 0; i < eventCount; i += 1) {
    const made = next();
    messages.push(made.message);
    versions = made.versions;
  }
  const expectedSum = [...versions.values()].reduce((sum, v) => sum + v, 0);
  const touched = [...versions.values()].filter((v) => v > 0).length;
  const startedMs = performance.now();
  for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: env.KAFKA_TOPIC_BALANCES, messages: messages.slice(i, i + 500) });
  const producedMs = performance.now() - startedMs;
  for (;;) {
    const [row] = await pool.query('SELECT COUNT(*) AS n, COALESCE(SUM(version), 0) AS s FROM balances');
    if (Number(row.n) === touched && Number(row.s) === expectedSum) break;
    if (performance.now() - startedMs > 600_000) throw new Error(`rebuild did not finish: ${row.n}/${touched} rows, version sum ${row.s}/${expectedSum}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const totalMs = performance.now() - startedMs;
  await producer.disconnect();
  await service.stop();
  return {
    events: eventCount,
    accounts: touched,
    produce_ms: Math.round(producedMs),
    total_ms: Math.round(totalMs),
    events_per_s: Math.round(eventCount / (totalMs / 1000)),
  };
}

async function steady(kafka, env) {
  const service = await startService(env);
  const sentAt = new Map();
  const latenciesMs = [];
  const watcher = kafka.observer.consumer({
    groupId: `${platform().DEFAULT_OBSERVER_GROUP_PREFIX}bench-watch-${randomUUID()}`,
    maxWaitTimeInMs: 50,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  await watcher.connect();
  await watcher.subscribe({ topics: [env.KAFKA_TOPIC_BALANCES_LIVE], fromBeginning: false });
  const joined = new Promise((resolve) => watcher.on(watcher.events.GROUP_JOIN, resolve));
  await watcher.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const state = JSON.parse(String(message.value));
      const key = `${state.accountId}:${state.version}`;
      const t0 = sentAt.get(key);
      if (t0 === undefined) return;
      sentAt.delete(key);
      latenciesMs.push(performance.now() - t0);
    },
  });
  await joined;
  const producer = kafka.wallet.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const next = transferSource(Array.from({ length: accountCount }, () => randomUUID()));
  const warmupSeconds = 3;
  const total = ratePerS * (steadySeconds + warmupSeconds);
  const startedMs = performance.now();
  const sends = [];
  for (let i = 0; i < total; i += 1) {
    const dueMs = startedMs + (i * 1000) / ratePerS;
    const waitMs = dueMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const made = next();
    const now = performance.now();
    if (i >= ratePerS * warmupSeconds) for (const side of made.sides) sentAt.set(side, now);
    sends.push(producer.send({ topic: env.KAFKA_TOPIC_BALANCES, messages: [made.message] }));
  }
  await Promise.all(sends);
  const actualRate = total / ((performance.now() - startedMs) / 1000);
  const drainUntil = performance.now() + 30_000;
  while (sentAt.size > 0 && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 50));
  const missing = sentAt.size;
  await producer.disconnect();
  await watcher.disconnect();
  await service.stop();
  const sorted = latenciesMs.sort((x, y) => x - y);
  const round = (x) => Math.round(x * 10) / 10;
  return {
    rate_per_s: Math.round(actualRate),
    sides: sorted.length,
    // Sides never published: overtaken by a newer version of the account from another partition (stale).
    missing,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1]),
  };
}

async function main() {
  const runId = `${process.pid}`;
  const urls = {
    WALLET_DATABASE_URL: `mysql://root@127.0.0.1:3306/projbench_${runId}_wallet`,
    BALANCE_DATABASE_URL: `mysql://root@127.0.0.1:3306/projbench_${runId}_balance`,
  };
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'projector-bench-kafka-'));
  const broker = await startKafka({
    port: await freePort(),
    controllerPort: await freePort(),
    dataDir,
    logDir: dataDir,
    freshData: true,
    attached: true,
    log: () => {},
  });
  const kafka = Object.fromEntries(['wallet', 'observer', 'admin'].map((principal) => [principal, kafkaAs(broker.brokers, principal)]));
  const { parseMysqlUrl } = platform();
  let pool;
  try {
    const results = {};
    for (const scenario of ['rebuild', 'steady'].filter((name) => args.only === undefined || args.only === name)) {
      for (const url of Object.values(urls)) await dropDatabase(url);
      await migrateAll(urls, () => {});
      pool = mariadb.createPool({ ...parseMysqlUrl(urls.BALANCE_DATABASE_URL), connectionLimit: 2 });
      const suffix = randomUUID().slice(0, 8);
      const env = {
        BALANCE_DATABASE_URL: urls.BALANCE_DATABASE_URL,
        KAFKA_BROKERS: broker.brokers.join(','),
        BALANCE_PORT: '0',
        BALANCE_REST_PORT: '0',
        BALANCE_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        BALANCE_CONSUMER_GROUP: `projbench-${suffix}`,
        KAFKA_TOPIC_BALANCES: `projbench.balances.${suffix}`,
        KAFKA_TOPIC_BALANCES_DLQ: `projbench.balances.${suffix}.dlq`,
        KAFKA_TOPIC_BALANCES_LIVE: `projbench.balances.${suffix}.live`,
        KAFKA_TOPIC_PARTITIONS: String(partitionCount),
      };
      // The scenario's topics and the production ACLs for their names, as the admin principal.
      const { kafkaAccessNames, provisionWalletgraph } = platform();
      await provisionWalletgraph(
        kafka.admin,
        kafkaAccessNames({
          topics: { balances: env.KAFKA_TOPIC_BALANCES, balancesDeadLetter: env.KAFKA_TOPIC_BALANCES_DLQ, balancesLive: env.KAFKA_TOPIC_BALANCES_LIVE },
          balanceGroup: env.BALANCE_CONSUMER_GROUP,
        }),
        partitionCount,
      );
      log(
        `${scenario}: start (load ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')})`,
      );
      results[scenario] = scenario === 'rebuild' ? await rebuild(kafka, env, pool) : await steady(kafka, env);
      log(`${scenario}: ${JSON.stringify(results[scenario])}`);
      await pool.end();
      pool = undefined;
    }
    process.stdout.write(`${JSON.stringify({ ...results, load_after: os.loadavg()[0] }, null, 2)}\n`);
  } finally {
    await pool?.end();
    for (const url of Object.values(urls)) await dropDatabase(url);
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

(!('child' in args) ? main() : runChild()).then(
  () => (!('child' in args) ? process.exit(0) : undefined),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
