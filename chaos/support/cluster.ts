// The whole system under test, started from nothing: its own MariaDB databases (through the
// outage proxy), its own Kafka (one broker or a cluster of three, so killing nodes harms no other
// suite), and the three real service processes. Also the helpers every scenario shares: funding,
// probes, health repair.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChaosSettings } from './env';
import { chaosWallet, outcomeOf } from './wallet';
import { ensureBuilt, isReady, SERVICE_SCRIPTS, type ServiceProcess } from './processes';
import { balanceProcess, gatewayProcess, walletProcess } from './services';
import { retry } from '@walletgraph/platform/core';
import { KAFKA_PRINCIPALS, kafkaCredentialVariables } from '@walletgraph/platform/kafka';
import {
  activeControllerId,
  dropDatabases,
  freePort,
  migrateAndSeed,
  repoRoot,
  startKafka,
  startKafkaNode,
  stopKafka,
  stopKafkaNode,
  waitForFullIsr,
  withDatabase,
  type DatabaseUrls,
} from './scripts';
import { chaosKafka } from './topics';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const CONSUMER_GROUP = 'walletgraph-balance';
export const TOPICS = { balances: 'balances', transactions: 'transactions', deadLetter: 'balances.dlq', live: 'balances.live' } as const;

const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
export const RECOVERY_TIMEOUT_MS = 90_000;

interface KafkaState {
  readonly brokerCount: number;
  readonly ports: Array<{ port: number; controllerPort: number }>;
  readonly dataDir: string;
  /** Pid per node id (undefined: stopped or killed). */
  readonly pids: Map<number, number | undefined>;
  brokers: string[];
}

export interface ClusterOptions {
  /** Kafka nodes: 1 (the default) or 3 (replication factor 3, min.insync.replicas 2). */
  readonly brokerCount?: number;
}

/** Every principal's credentials of this run (set by the Jest global setup); each service picks its own. */
export function kafkaCredentialEnv(): Record<string, string> {
  return Object.fromEntries(
    KAFKA_PRINCIPALS.flatMap((principal) => [kafkaCredentialVariables(principal).username, kafkaCredentialVariables(principal).password]).flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value] as const];
    }),
  );
}

export interface Cluster {
  readonly settings: ChaosSettings;
  /** Direct database URLs (for checks); the services use `proxied`. */
  readonly direct: DatabaseUrls;
  readonly proxied: DatabaseUrls;
  readonly proxy: TcpProxy;
  readonly wallet: ServiceProcess;
  readonly balance: ServiceProcess;
  readonly gateway: ServiceProcess;
  readonly gatewayUrl: string;
  readonly gatewayWsUrl: string;
  readonly gatewayOrigin: string;
  readonly logDir: string;
  brokers(): string[];
  /** SIGKILL every broker JVM (no clean shutdown, no flush beyond what the OS already has). */
  killBroker(): void;
  /** Start every stopped broker again on the same data dir and ports. */
  startBroker(): Promise<void>;
  brokerRunning(): boolean;
  /** Node ids of the Kafka cluster (1, or 1..3). */
  readonly kafkaNodeIds: readonly number[];
  /** SIGKILL one node, or stop it with SIGTERM (a controlled shutdown); resolves once it is gone. */
  stopKafkaNode(nodeId: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Start one stopped node again and wait until every replica of the app topics is back in sync. */
  startKafkaNode(nodeId: number): Promise<void>;
  /** The node leading most partitions of `topic` (lowest id on a tie). */
  leaderOf(topic: string): Promise<number>;
  /** The KRaft quorum leader. */
  activeController(): Promise<number>;
  /** A second balance instance (same group, same database), created on demand. */
  balanceInstance(index: number): Promise<ServiceProcess>;
  /** Funded load accounts and two probe accounts outside the load. */
  readonly accounts: { load: string[]; probe: [string, string] };
  /** Brings back whatever an earlier (failed) scenario left broken. */
  ensureHealthy(): Promise<void>;
  /** Time from `sinceMs` until one probe transfer through the gateway succeeds. */
  probeRecoveryMs(sinceMs: number): Promise<number>;
  stop(): Promise<void>;
}

async function fundAccounts(gatewayUrl: string, count: number, deposit: string, tag: string): Promise<string[]> {
  const wallet = chaosWallet(gatewayUrl);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const client = await wallet.createClient({ name: `chaos ${tag} ${i}`, email: `chaos-${tag}-${i}-${randomUUID().slice(0, 6)}@example.com` });
    const account = await wallet.createAccount({ clientId: client.id });
    await wallet.deposit({ accountId: account.id, amount: deposit, idempotencyKey: `fund-${account.id}` });
    ids.push(account.id);
  }
  return ids;
}

export async function startCluster(settings: ChaosSettings, options: ClusterOptions = {}): Promise<Cluster> {
  ensureBuilt(Object.values(SERVICE_SCRIPTS));
  const runId = `${process.pid}_${randomUUID().slice(0, 6)}`;
  const logDir = path.join(repoRoot, 'chaos/results/logs', runId);
  mkdirSync(logDir, { recursive: true });

  const direct: DatabaseUrls = {
    WALLET_DATABASE_URL: withDatabase(settings.mariaDbUrl, `wgchaos_${runId}_wallet`),
    BALANCE_DATABASE_URL: withDatabase(settings.mariaDbUrl, `wgchaos_${runId}_balance`),
  };
  await migrateAndSeed(direct);
  // Undo what was started so far if the cluster cannot come up (the broker JVM is detached).
  const cleanups: Array<() => Promise<unknown>> = [() => (settings.keep ? Promise.resolve() : dropDatabases(direct))];
  try {
    return await bootCluster(settings, { runId, logDir, direct, cleanups, brokerCount: options.brokerCount ?? 1 });
  } catch (error: unknown) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

/** The Kafka nodes of this run (one or three), started here, with their pids for kills and restarts. */
async function startKafkaNodes(settings: ChaosSettings, brokerCount: number, cleanups: Array<() => Promise<unknown>>) {
  const ports: KafkaState['ports'] = [];
  for (let i = 0; i < brokerCount; i += 1) ports.push({ port: await freePort(), controllerPort: await freePort() });
  const kafka: KafkaState = {
    brokerCount,
    ports,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'walletgraph-chaos-kafka-')),
    pids: new Map(),
    brokers: [],
  };
  const nodeIds = ports.map((_, i) => i + 1);
  /** Starts every stopped node (on the same data dir and ports unless `freshData`). */
  const boot = async (freshData: boolean): Promise<void> => {
    const info = await startKafka({ brokerCount, ports, dataDir: kafka.dataDir, freshData });
    for (const node of info.nodes) kafka.pids.set(node.id, node.pid);
    kafka.brokers = info.brokers;
  };
  cleanups.push(async () => {
    await stopKafka(kafka.dataDir);
    if (!settings.keep) rmSync(kafka.dataDir, { recursive: true, force: true });
  });
  await boot(true);
  const nodeRunning = (id: number): boolean => {
    const pid = kafka.pids.get(id);
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return { kafka, nodeIds, boot, nodeRunning, allRunning: (): boolean => nodeIds.every(nodeRunning) };
}

type KafkaNodes = Awaited<ReturnType<typeof startKafkaNodes>>;

/** Not found yet: worth another look (the quorum elects a leader after a kill). */
class NoActiveController extends Error {}

const CONTROLLER_POLL_MS = 250;

/** The KRaft quorum leader among the running nodes, waited for up to RECOVERY_TIMEOUT_MS. */
async function activeController(nodes: KafkaNodes): Promise<number> {
  const message = 'no active KRaft controller among the running nodes';
  try {
    // Bounded by time, not attempts (each look runs a Kafka tool, of uneven length): the signal ends it.
    return await retry(
      async () => {
        const id = await activeControllerId(nodes.kafka.dataDir);
        if (id !== null && nodes.nodeRunning(id)) return id;
        throw new NoActiveController(message);
      },
      {
        attemptCountMax: Number.POSITIVE_INFINITY,
        delayMsInitial: CONTROLLER_POLL_MS,
        delayMsMax: CONTROLLER_POLL_MS,
        factor: 1,
        shouldRetry: (error) => error instanceof NoActiveController,
        signal: AbortSignal.timeout(RECOVERY_TIMEOUT_MS),
      },
    );
  } catch (error: unknown) {
    if (error instanceof DOMException && error.name === 'TimeoutError') throw new Error(message, { cause: error });
    throw error;
  }
}

/** The node leading most partitions of `topic` (lowest id on a tie). */
async function leaderOf(brokers: string[], topic: string): Promise<number> {
  const admin = chaosKafka(brokers, 'observer').admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const led = new Map<number, number>();
    for (const partition of topics[0]?.partitions ?? []) led.set(partition.leader, (led.get(partition.leader) ?? 0) + 1);
    const [leader] = [...led.entries()].filter(([id]) => id >= 0).sort(([a, x], [b, y]) => y - x || a - b)[0] ?? [];
    if (leader === undefined) throw new Error(`no partition of ${topic} has a leader`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}

/** The Kafka half of the cluster: kills, restarts, leaders. */
function kafkaControls(nodes: KafkaNodes) {
  const { kafka, nodeIds } = nodes;
  const appTopics = Object.values(TOPICS);
  return {
    brokers: () => kafka.brokers,
    killBroker() {
      for (const id of nodeIds) {
        const pid = kafka.pids.get(id);
        if (pid !== undefined && nodes.nodeRunning(id)) process.kill(pid, 'SIGKILL');
      }
    },
    startBroker: () => nodes.boot(false),
    brokerRunning: nodes.allRunning,
    kafkaNodeIds: nodeIds,
    async stopKafkaNode(nodeId: number, signal: 'SIGTERM' | 'SIGKILL') {
      await stopKafkaNode(kafka.dataDir, nodeId, signal);
      kafka.pids.set(nodeId, undefined);
    },
    async startKafkaNode(nodeId: number) {
      const { pid } = await startKafkaNode(kafka.dataDir, nodeId);
      kafka.pids.set(nodeId, pid);
      await waitForFullIsr(kafka.brokers, appTopics, RECOVERY_TIMEOUT_MS);
    },
    leaderOf: (topic: string) => leaderOf(kafka.brokers, topic),
    activeController: () => activeController(nodes),
  } satisfies Partial<Cluster>;
}

type ServiceEnv = Record<string, string>;

function walletService(logDir: string, ports: { wallet: number; walletRest: number }, databaseUrl: string, common: ServiceEnv): ServiceProcess {
  return walletProcess({
    logDir,
    port: ports.wallet,
    restPort: ports.walletRest,
    databaseUrl,
    env: {
      ...common,
      OUTBOX_RELAY_IDLE_POLL_MS_MAX: '200',
      OUTBOX_RELAY_BACKOFF_MS_MAX: '1000',
      OUTBOX_RELAY_LOCK_RETRY_MS: '500',
      DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
      TRANSACTION_TIMEOUT_MS: '5000',
    },
  });
}

/** Balance instances by index (same group, same database), each created on first use. */
function balanceServices(logDir: string, databaseUrl: string, common: ServiceEnv) {
  const instances = new Map<number, ServiceProcess>();
  const instance = async (index: number): Promise<ServiceProcess> => {
    const existing = instances.get(index);
    if (existing !== undefined) return existing;
    const created = balanceProcess({
      name: `balance-${index}`,
      logDir,
      port: await freePort(),
      restPort: await freePort(),
      databaseUrl,
      env: {
        ...common,
        BALANCE_CONSUMER_GROUP: CONSUMER_GROUP,
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
        CONSUMER_HEARTBEAT_INTERVAL_MS: '1000',
        // A wide window between the DB commit and the offset commit, so a SIGKILL lands inside it.
        CONSUMER_COMMIT_INTERVAL_MS: '3000',
        CONSUMER_COMMIT_THRESHOLD_MESSAGES: '1000',
        RETRY_DELAY_MS_INITIAL: '50',
        RETRY_DELAY_MS_MAX: '1000',
        DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
        LIVE_CONSUMER_JOIN_TIMEOUT_MS: '15000',
      },
    });
    instances.set(index, created);
    return created;
  };
  return { instance, all: (): ServiceProcess[] => [...instances.values()] };
}

function gatewayService(logDir: string, ports: { gateway: number; wallet: number }, balance: ServiceProcess, common: ServiceEnv): ServiceProcess {
  return gatewayProcess({
    logDir,
    port: ports.gateway,
    walletPort: ports.wallet,
    balancePort: new URL(balance.spec.readyUrl).port,
    readyPath: '/health/live',
    env: {
      ...common,
      GATEWAY_SUBGRAPH_TIMEOUT_MS: '10000',
      // The whole load runs as one admin identity: the per-identity mutation limit is not under test.
      GATEWAY_MUTATIONS_PER_MINUTE_MAX: '1000000',
    },
  });
}

interface ClusterParts {
  readonly settings: ChaosSettings;
  readonly direct: DatabaseUrls;
  readonly proxy: TcpProxy;
  readonly nodes: KafkaNodes;
  readonly wallet: ServiceProcess;
  readonly balance: ServiceProcess;
  readonly gateway: ServiceProcess;
  readonly balances: ReturnType<typeof balanceServices>;
}

/** Brings back whatever an earlier (failed) scenario left broken; extra balance instances are stopped. */
async function ensureHealthy(parts: ClusterParts): Promise<void> {
  const { proxy, nodes, wallet, balance, gateway } = parts;
  if (proxy.isCut()) await proxy.restore();
  if (!nodes.allRunning()) {
    await nodes.boot(false);
    if (nodes.kafka.brokerCount > 1) await waitForFullIsr(nodes.kafka.brokers, Object.values(TOPICS), RECOVERY_TIMEOUT_MS);
  }
  for (const service of [wallet, ...parts.balances.all(), gateway]) {
    if (service !== wallet && service !== balance && service !== gateway) {
      await service.stop();
      continue;
    }
    if (!service.isRunning()) await service.start();
    else if (!(await isReady(service.spec.readyUrl, 5_000))) {
      await service.stop();
      await service.start();
    }
  }
}

/**
 * Time from `sinceMs` until one probe transfer succeeds. Kept as a loop, not platform's retry():
 * it measures, at a fixed PROBE_INTERVAL_MS resolution, when calls succeed again; a jittered,
 * growing backoff would make the measured recovery time depend on the delays drawn.
 */
async function probeRecoveryMs(prober: ReturnType<typeof chaosWallet>, probe: [string, string], sinceMs: number): Promise<number> {
  const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
  for (let i = 0; Date.now() < deadline; i += 1) {
    const result = await outcomeOf(() =>
      prober.transfer({
        accountIdFrom: probe[i % 2] as string,
        accountIdTo: probe[(i + 1) % 2] as string,
        amount: '0.01',
        idempotencyKey: `probe-${randomUUID()}`,
      }),
    );
    if (result.ok) return Date.now() - sinceMs;
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  throw new Error(`no probe transfer succeeded within ${RECOVERY_TIMEOUT_MS} ms`);
}

async function stopCluster(parts: ClusterParts): Promise<void> {
  const { kafka, nodeIds, nodeRunning } = parts.nodes;
  await parts.gateway.stop();
  for (const service of parts.balances.all()) await service.stop();
  await parts.wallet.stop();
  await parts.proxy.close();
  await stopKafka(kafka.dataDir).catch(() => undefined);
  for (const id of nodeIds) if (nodeRunning(id)) process.kill(kafka.pids.get(id) as number, 'SIGKILL');
  if (!parts.settings.keep) {
    await dropDatabases(parts.direct);
    rmSync(kafka.dataDir, { recursive: true, force: true });
  }
}

async function bootCluster(
  settings: ChaosSettings,
  {
    runId,
    logDir,
    direct,
    cleanups,
    brokerCount,
  }: { runId: string; logDir: string; direct: DatabaseUrls; cleanups: Array<() => Promise<unknown>>; brokerCount: number },
): Promise<Cluster> {
  const base = new URL(settings.mariaDbUrl);
  const proxy = await startTcpProxy({ targetHost: base.hostname, targetPort: Number(base.port || 3306) });
  cleanups.push(() => proxy.close());
  const proxied: DatabaseUrls = {
    WALLET_DATABASE_URL: withDatabase(direct.WALLET_DATABASE_URL, `wgchaos_${runId}_wallet`, proxy.port),
    BALANCE_DATABASE_URL: withDatabase(direct.BALANCE_DATABASE_URL, `wgchaos_${runId}_balance`, proxy.port),
  };
  const nodes = await startKafkaNodes(settings, brokerCount, cleanups);

  const ports = { wallet: await freePort(), walletRest: await freePort(), gateway: await freePort() };
  const common = { ...kafkaCredentialEnv(), KAFKA_BROKERS: nodes.kafka.brokers.join(','), LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  const wallet = walletService(logDir, ports, proxied.WALLET_DATABASE_URL, common);
  const balances = balanceServices(logDir, proxied.BALANCE_DATABASE_URL, common);
  const balance = await balances.instance(0);
  const gateway = gatewayService(logDir, ports, balance, common);
  cleanups.push(
    () => gateway.stop(),
    () => balance.stop(),
    () => wallet.stop(),
  );
  await wallet.start();
  await balance.start();
  await gateway.start();
  const gatewayOrigin = `http://127.0.0.1:${ports.gateway}`;
  const gatewayUrl = `${gatewayOrigin}/graphql`;

  const load = await fundAccounts(gatewayUrl, settings.accountCount, '100000', 'load');
  const probe = (await fundAccounts(gatewayUrl, 2, '100000', 'probe')) as [string, string];
  // One attempt per probe, with a short timeout: the probe itself measures when calls succeed again.
  const prober = chaosWallet(gatewayUrl, { attemptCountMax: 1, requestTimeoutMs: PROBE_TIMEOUT_MS });
  const parts: ClusterParts = { settings, direct, proxy, nodes, wallet, balance, gateway, balances };
  return {
    settings,
    direct,
    proxied,
    proxy,
    wallet,
    balance,
    gateway,
    gatewayUrl,
    gatewayWsUrl: `ws://127.0.0.1:${ports.gateway}/graphql`,
    gatewayOrigin,
    logDir,
    ...kafkaControls(nodes),
    balanceInstance: balances.instance,
    accounts: { load, probe },
    ensureHealthy: () => ensureHealthy(parts),
    probeRecoveryMs: (sinceMs) => probeRecoveryMs(prober, probe, sinceMs),
    stop: () => stopCluster(parts),
  };
}
