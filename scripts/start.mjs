#!/usr/bin/env node
// npm start: build, start Kafka (unless KAFKA_BROKERS points elsewhere; one broker, or three with
// KAFKA_BROKERS_COUNT=3 or `npm start -- --brokers 3`), ensure databases, migrate, seed, then run both
// subgraphs and the gateway with prefixed, readable logs. Ctrl-C stops all of it. Kafka credentials:
// KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD, shared by the broker and the services (development
// defaults when unset). WALLETGRAPH_TRACING=zipkin also starts a Zipkin server (127.0.0.1:9411,
// ZIPKIN_PORT) and points every process's OpenTelemetry exporter at it.
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildEnv } from './lib/build.mjs';
import { startKafka } from './lib/kafka.mjs';
import { startZipkin } from './lib/zipkin.mjs';
import { ensureMariaDb } from './lib/mariadb.mjs';
import { defaultUrls, migrateAll, seedAll, platform } from './lib/databases.mjs';
import { isPortFree, killWithDeadline, waitForPort } from './lib/proc.mjs';
import { formatLogLine } from './lib/log-format.mjs';
import { mintToken, seedClients } from './lib/tokens.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => console.log(`[start] ${line}`);
const env = {
  ...buildEnv(),
  WALLET_DATABASE_URL: process.env.WALLET_DATABASE_URL ?? defaultUrls.WALLET_DATABASE_URL,
  BALANCE_DATABASE_URL: process.env.BALANCE_DATABASE_URL ?? defaultUrls.BALANCE_DATABASE_URL,
  WALLETGRAPH_DEV_MODE: process.env.WALLETGRAPH_DEV_MODE ?? 'true',
};
const services = [
  {
    name: 'wallet',
    entry: 'subgraph-wallet/dist/main.js',
    ports: [
      ['WALLET_PORT', 4001],
      ['WALLET_REST_PORT', 8080],
    ],
  },
  {
    name: 'balance',
    entry: 'subgraph-balance/dist/main.js',
    ports: [
      ['BALANCE_PORT', 4002],
      ['BALANCE_REST_PORT', 3003],
    ],
  },
  { name: 'gateway', entry: 'gateway/dist/main.js', ports: [['GATEWAY_PORT', 4000]] },
];
const portOf = ([name, fallback]) => Number(process.env[name] ?? fallback);
const brokersFlag = process.argv.indexOf('--brokers');
const brokerCount = Number(brokersFlag >= 0 ? process.argv[brokersFlag + 1] : (process.env.KAFKA_BROKERS_COUNT ?? 1));

const children = [];
let kafka;
let zipkin;
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  for (const child of [...children].reverse()) await killWithDeadline(child, { timeoutMs: 10_000 });
  if (kafka) await kafka.stop();
  if (zipkin) await zipkin.stop();
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function run(service) {
  const colors = { wallet: 36, balance: 35, gateway: 33 };
  const prefix = `\x1b[${colors[service.name]}m[${service.name.padEnd(7)}]\x1b[0m `;
  const child = spawn(process.execPath, [path.join(root, service.entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => console.log(prefix + formatLogLine(line)));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${service.name} exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
  children.push(child);
}

/** Ready-to-paste bearer tokens (12 h) for the admin and the two seeded clients; more: npm run token. */
async function printTokens() {
  const tokenTtl = '12h';
  try {
    log(`tokens (valid ${tokenTtl}; header  Authorization: Bearer <token>; more with  npm run -s token -- --client <id>):`);
    log(`  admin           ${await mintToken({ role: 'admin' }, { expiresIn: tokenTtl, env })}`);
    for (const seed of seedClients) {
      log(`  ${`${seed.name} (client)`.padEnd(15)} ${await mintToken({ role: 'client', clientId: seed.clientId }, { expiresIn: tokenTtl, env })}`);
    }
  } catch (error) {
    log(`no tokens printed: ${error.message}`);
  }
}

/**
 * WALLETGRAPH_TRACING=zipkin: a local Zipkin, every process exporting to it (100 % sampled unless
 * OTEL_TRACES_SAMPLER says otherwise). Otherwise the OTEL_* variables pass through as set (an
 * OTLP collector of your own: OTEL_EXPORTER_OTLP_ENDPOINT); none set, tracing is off.
 */
async function startTracingBackend() {
  const mode = process.env.WALLETGRAPH_TRACING ?? 'off';
  if (mode === 'off') return;
  if (mode !== 'zipkin') throw new Error(`WALLETGRAPH_TRACING must be zipkin or off, not ${mode}`);
  zipkin = await startZipkin({ port: Number(process.env.ZIPKIN_PORT ?? 9411), log: (line) => log(`[zipkin] ${line}`) });
  env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = zipkin.spansUrl;
  env.OTEL_TRACES_EXPORTER = 'zipkin';
}

async function main() {
  for (const service of services) {
    for (const port of service.ports) {
      if (!(await isPortFree(portOf(port)))) {
        throw new Error(`port ${portOf(port)} (${port[0]}) is already taken; stop what uses it or set ${port[0]}`);
      }
    }
  }
  await build((line) => log(line));
  if (process.env.KAFKA_BROKERS) {
    env.KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    log(`using Kafka at ${env.KAFKA_BROKERS}`);
  } else {
    // A data dir of an earlier version (no users, no ACLs) is re-created: local Kafka data only.
    kafka = await startKafka({
      brokerCount,
      port: Number(process.env.KAFKA_PORT ?? 9092),
      attached: true,
      replaceLegacy: true,
      log: (line) => log(`[kafka] ${line}`),
    });
    env.KAFKA_BROKERS = kafka.brokers.join(',');
  }
  const { parseMysqlUrl } = platform();
  const target = parseMysqlUrl(env.WALLET_DATABASE_URL);
  await ensureMariaDb({ host: target.host, port: target.port, log });
  await startTracingBackend();
  await migrateAll(env, log);
  await seedAll(env, log);
  for (const service of services) run(service);
  for (const service of services) {
    for (const port of service.ports) await waitForPort(portOf(port), { timeoutMs: 60_000 });
  }
  const gatewayPort = portOf(services[2].ports[0]);
  log('──────────────────────────────────────────────────────────────');
  log(`wallet subgraph   http://localhost:${portOf(services[0].ports[0])}/graphql   (old REST on :${portOf(services[0].ports[1])})`);
  log(`balance subgraph  http://localhost:${portOf(services[1].ports[0])}/graphql   (old REST on :${portOf(services[1].ports[1])})`);
  log(`Kafka             ${env.KAFKA_BROKERS}   (SASL/SCRAM-SHA-512; principals and ACLs: README, "Kafka security")`);
  if (zipkin) log(`Zipkin (traces)   ${zipkin.url}/zipkin/   (a trace by id: ${zipkin.url}/zipkin/traces/<trace id>)`);
  await printTokens();
  log(`walletgraph is up. Playground: http://localhost:${gatewayPort}/graphql   (Ctrl-C stops everything)`);
}

main().catch(async (error) => {
  console.error(`[start] ${error.message}`);
  await stopAll(1);
});
