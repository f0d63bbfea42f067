// Starts (or adopts) everything a run measures: Kafka, two databases, both subgraphs, our gateway
// and the three peers. Every process listens on 127.0.0.1 only, on free ports; logs go to files.
import { authEnv, benchRateLimitEnv, kafkaEnv } from './auth.mjs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildEnv } from '../../scripts/lib/build.mjs';
import { dropDatabase, migrateAll } from '../../scripts/lib/databases.mjs';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { startKafka } from '../../scripts/lib/kafka.mjs';
import { isAlive, killWithDeadline, sleep, tailFile, waitForPort } from '../../scripts/lib/proc.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const benchDir = path.join(root, 'bench');
const startTimeoutMs = 90_000;

/** Rebuild only when a dist entry is missing or older than its sources' newest file (cheap check). */
function needsBuild() {
  const entries = [
    'platform/dist/core/index.js',
    'subgraph-wallet/dist/main.js',
    'subgraph-balance/dist/main.js',
    'gateway/dist/main.js',
    'gateway/supergraph.graphql',
  ];
  return entries.some((entry) => !existsSync(path.join(root, entry)));
}

export async function ensureBuilt(log, { force = false } = {}) {
  if (force || needsBuild()) await build((line) => log(line));
  else log('build outputs present (pass --build to rebuild)');
}

/** The committed supergraph with its placeholder subgraph URLs replaced by the running ones. */
export function writeSupergraph(dir, urls) {
  const sdl = readFileSync(path.join(root, 'gateway/supergraph.graphql'), 'utf8')
    .replace(/(@join__graph\(name: "wallet", url: ")[^"]*"/, `$1${urls.wallet}"`)
    .replace(/(@join__graph\(name: "balance", url: ")[^"]*"/, `$1${urls.balance}"`);
  if (!sdl.includes(urls.wallet) || !sdl.includes(urls.balance)) throw new Error('could not rewrite the subgraph URLs in gateway/supergraph.graphql');
  const file = path.join(dir, 'supergraph.graphql');
  writeFileSync(file, sdl);
  return file;
}

/**
 * The SDK's trusted-documents manifest plus the bench's own client operations (`documents`: name →
 * text), as a client app of ours would ship them: our gateway runs with trusted documents for the
 * client role (its production default), so the 1,000-client mix pays that check as well.
 */
export function writeTrustedDocuments(dir, documents) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'sdk/persisted-query-manifest.json'), 'utf8'));
  for (const [name, body] of Object.entries(documents)) {
    manifest.operations.push({ id: createHash('sha256').update(body).digest('hex'), name, type: body.trimStart().split(/\s/)[0], body });
  }
  const file = path.join(dir, 'trusted-documents.json');
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

export function createStack({ log, logDir, quiet = true }) {
  mkdirSync(logDir, { recursive: true });
  const children = new Map();
  let kafka;

  /** Spawns `node args…` with env, output to <logDir>/<name>.log; waits for the port. */
  async function startNode(name, args, env, port, { cwd = root, nodeOptions = [] } = {}) {
    const logFile = path.join(logDir, `${name}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...nodeOptions, ...args], {
      cwd,
      env: { ...buildEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    children.set(name, child);
    child.on('exit', (code, signal) => {
      if (children.get(name) === child && !child.stopping) log(`${name} exited (${signal ?? code}); last lines of ${logFile}:\n${tailFile(logFile, 15)}`);
    });
    try {
      await waitForPort(port, { timeoutMs: startTimeoutMs, isAlive: () => isAlive(child.pid) });
    } catch (error) {
      throw new Error(`${name} did not start: ${error.message}\n${tailFile(logFile, 20)}`, { cause: error });
    }
    if (!quiet) log(`${name} up on 127.0.0.1:${port} (pid ${child.pid})`);
    return child;
  }

  async function stopProcess(name) {
    const child = children.get(name);
    if (!child) return;
    child.stopping = true;
    await killWithDeadline(child, { timeoutMs: 10_000 });
    children.delete(name);
  }

  return {
    children,
    pidOf: (name) => children.get(name)?.pid,
    startNode,
    stopProcess,
    async startKafka() {
      const [port, controllerPort] = [await freePort(), await freePort()];
      kafka = await startKafka({
        port,
        controllerPort,
        dataDir: path.join(logDir, 'kafka-data'),
        attached: true,
        freshData: true,
        env: { ...process.env, ...kafkaEnv },
        log: (line) => (quiet ? undefined : log(`[kafka] ${line}`)),
      });
      log(`Kafka up at ${kafka.brokers.join(',')}`);
      return kafka.brokers.join(',');
    },
    async stopAll() {
      for (const name of [...children.keys()].reverse()) await stopProcess(name);
      if (kafka) await kafka.stop();
      kafka = undefined;
    },
  };
}

/** Fresh bench databases (never the project's own), migrated. */
export async function prepareDatabases(urls, log) {
  for (const url of Object.values(urls)) await dropDatabase(url);
  await migrateAll(urls, () => undefined);
  log(
    `databases ${Object.values(urls)
      .map((u) => new URL(u).pathname.slice(1))
      .join(', ')} migrated`,
  );
}

/** --cpu-prof into `<profileDir>/<name>/`, or nothing. */
function profileOptions(profileDir, name) {
  if (!profileDir) return [];
  const dir = path.join(profileDir, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** `subgraphsRoot`: another checkout whose built subgraphs to run (--subgraphs-root, an A/B of subgraph builds). */
export async function startSubgraphs(stack, { brokers, urls, gatewayWorkers, profileDir, subgraphsRoot = root, env = {} }) {
  const ports = { wallet: await freePort(), walletRest: await freePort(), balance: await freePort(), balanceRest: await freePort() };
  const common = { KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn', NODE_ENV: 'production', ...authEnv, ...kafkaEnv, ...env };
  await Promise.all([
    stack.startNode(
      'wallet',
      [path.join(subgraphsRoot, 'subgraph-wallet/dist/main.js')],
      {
        ...common,
        WALLET_DATABASE_URL: urls.WALLET_DATABASE_URL,
        WALLET_PORT: String(ports.wallet),
        WALLET_REST_PORT: String(ports.walletRest),
        WALLET_HOST: '127.0.0.1',
      },
      ports.wallet,
      { nodeOptions: profileOptions(profileDir, 'wallet') },
    ),
    stack.startNode(
      'balance',
      [path.join(subgraphsRoot, 'subgraph-balance/dist/main.js')],
      {
        ...common,
        WALLET_SUBGRAPH_URL: `http://127.0.0.1:${ports.wallet}/graphql`,
        BALANCE_DATABASE_URL: urls.BALANCE_DATABASE_URL,
        BALANCE_PORT: String(ports.balance),
        BALANCE_REST_PORT: String(ports.balanceRest),
        BALANCE_HOST: '127.0.0.1',
      },
      ports.balance,
      { nodeOptions: profileOptions(profileDir, 'balance') },
    ),
  ]);
  void gatewayWorkers;
  return {
    wallet: `http://127.0.0.1:${ports.wallet}/graphql`,
    balance: `http://127.0.0.1:${ports.balance}/graphql`,
    balanceWs: `ws://127.0.0.1:${ports.balance}/graphql`,
  };
}

/** Our gateway (optionally under --cpu-prof into profileDir); `main` picks another build (--compare-gateway). */
export async function startOurs(
  stack,
  subgraphs,
  {
    workers,
    profileDir,
    subscriptionsMax,
    trustedDocumentsPath,
    name = 'gateway',
    main = 'gateway/dist/main.js',
    env = {},
    nodeOptions: extraNodeOptions = [],
  },
) {
  const port = await freePort();
  const nodeOptions = [...profileOptions(profileDir, name), ...extraNodeOptions];
  await stack.startNode(
    name,
    [path.resolve(root, main)],
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_WORKERS: String(workers),
      WALLET_SUBGRAPH_URL: subgraphs.wallet,
      BALANCE_SUBGRAPH_URL: subgraphs.balance,
      BALANCE_SUBGRAPH_WS_URL: subgraphs.balanceWs,
      GATEWAY_SUBSCRIPTIONS_MAX: String(subscriptionsMax),
      // Every bench subscriber is the one 'bench' admin: its per-caller bound must not cut the fan-out.
      GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX: String(subscriptionsMax),
      // Likewise its WebSockets (one per `perConnection` subscribers).
      GATEWAY_WS_CONNECTIONS_MAX: String(subscriptionsMax),
      GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX: String(subscriptionsMax),
      ...(trustedDocumentsPath ? { GATEWAY_TRUSTED_DOCUMENTS_PATH: trustedDocumentsPath } : {}),
      ...authEnv,
      ...benchRateLimitEnv,
      ...env,
    },
    port,
    { nodeOptions },
  );
  return `http://127.0.0.1:${port}/graphql`;
}

/**
 * The peers, each with `workers` processes: stock Apollo with its own fetcher (defaults) and with a
 * keep-alive undici pool; Hive with defaults and with --jit (as its maintainers benchmark it); the
 * plain handler. Stock Apollo and the plain handler run under peers/cluster.mjs (node:cluster).
 */
export async function startPeers(stack, subgraphs, { supergraphFile, workers, workDir }) {
  const names = ['stock_apollo', 'stock_apollo_ka', 'hive', 'hive_jit', 'limit'];
  const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
  const prod = { NODE_ENV: 'production' };
  const clustered = (script) => [path.join(benchDir, 'peers/cluster.mjs'), String(workers), path.join(benchDir, script)];
  // Every peer verifies the caller's bearer token and signs the identity the subgraphs demand (peers/identity.mjs).
  for (const [name, fetcher] of [
    ['stock_apollo', 'default'],
    ['stock_apollo_ka', 'keepalive'],
  ]) {
    await stack.startNode(
      name,
      clustered('peers/stock-apollo.mjs'),
      { ...prod, ...authEnv, SUPERGRAPH_PATH: supergraphFile, PORT: String(ports[name]), FETCHER: fetcher },
      ports[name],
    );
  }
  // The CLI plus peers/hive.config.mjs (the identity header only), run from an empty directory so
  // that no other gateway.config.* is picked up.
  const hiveBin = path.join(root, 'node_modules/@graphql-hive/gateway/dist/bin.js');
  const hiveConfig = path.join(benchDir, 'peers/hive.config.mjs');
  for (const [name, extra] of [
    ['hive', []],
    ['hive_jit', ['--jit']],
  ]) {
    await stack.startNode(
      name,
      [
        hiveBin,
        'supergraph',
        supergraphFile,
        '--config-path',
        hiveConfig,
        '--host',
        '127.0.0.1',
        '--port',
        String(ports[name]),
        '--fork',
        String(workers),
        ...extra,
      ],
      { ...prod, ...authEnv },
      ports[name],
      { cwd: workDir },
    );
  }
  await stack.startNode(
    'limit',
    clustered('peers/limit.mjs'),
    { ...prod, ...authEnv, WALLET_URL: subgraphs.wallet, BALANCE_URL: subgraphs.balance, PORT: String(ports.limit) },
    ports.limit,
  );
  return {
    stock_apollo: `http://127.0.0.1:${ports.stock_apollo}/`,
    stock_apollo_ka: `http://127.0.0.1:${ports.stock_apollo_ka}/`,
    hive: `http://127.0.0.1:${ports.hive}/graphql`,
    hive_jit: `http://127.0.0.1:${ports.hive_jit}/graphql`,
    limit: `http://127.0.0.1:${ports.limit}/graphql`,
  };
}

/** The peer process names (for memory and CPU sampling and for stopping them). */
export const peerNames = ['stock_apollo', 'stock_apollo_ka', 'hive', 'hive_jit', 'limit'];

export { sleep, statSync };
