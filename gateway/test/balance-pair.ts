// Two balance subgraph instances behind the gateway, as docker-compose.scale.yml runs them: each a
// real process (dist/main.js, so it can be SIGKILLed) in one consumer group, and a TCP balancer in
// front (what deploy/nginx/balance-lb.conf does there): the gateway takes one balance URL, each new
// connection goes to the next instance, and an instance that refuses a connection is skipped.
// Wallet subgraph and gateway run in this process, as in stack.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createLogger } from '@walletgraph/platform/core';
import { kafkaAccessNames } from '@walletgraph/platform/kafka';
import { createWalletService, type WalletService } from '../../subgraph-wallet/src/app';
import { loadWalletConfig } from '../../subgraph-wallet/src/config';
import { createGateway, type Gateway } from '../src/app';
import { loadGatewayConfig } from '../src/config';
import { freePort } from '../../chaos/support/scripts';
import { BALANCE_CONSUMER_TEST_ENV } from '../../subgraph-balance/test/helpers';
import { kafkaCredentialEnv, prepareTopics } from './stack';

const balanceMainJs = path.resolve(__dirname, '..', '..', 'subgraph-balance', 'dist', 'main.js');
/** A balance process loads, connects to MariaDB and Kafka and joins its groups: slow on a loaded 2-core machine. */
const INSTANCE_READY_MS_MAX = 90_000;
const INSTANCE_COUNT = 2;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: run through the Jest global setup (npx jest --selectProjects gateway)`);
  return value;
}

/** A connection the balancer forwards: to which instance, and whether it is a WebSocket (a subscription). */
interface Forwarded {
  readonly instance: number;
  readonly webSocket: boolean;
  readonly socket: net.Socket;
}

export interface Balancer {
  readonly port: number;
  /** New WebSocket upgrades go to this instance first (then the next one if it refuses); undefined: round robin. */
  preferWebSocketsOn(instance: number | undefined): void;
  /** Instances holding an open WebSocket from the gateway now (the gateway's upstream subscription connections). */
  webSocketInstances(): number[];
  /** WebSocket connections forwarded so far, per instance (a resubscription after a drop opens a new one). */
  webSocketCounts(): number[];
  close(): Promise<void>;
}

/**
 * Layer-4 round robin over `ports` (one per instance): reads a connection's first bytes to tell a
 * WebSocket upgrade from a plain request, connects to the next instance, and on a refused connect
 * tries the following one (nginx's proxy_next_upstream error).
 */
export async function startBalancer(ports: readonly number[]): Promise<Balancer> {
  const open = new Set<Forwarded>();
  const webSocketCounts = ports.map(() => 0);
  let cursor = 0;
  let preferred: number | undefined;
  const connectTo = (instance: number): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const upstream = net.connect({ host: '127.0.0.1', port: ports[instance] ?? 0 });
      upstream.once('connect', () => {
        upstream.off('error', reject);
        resolve(upstream);
      });
      upstream.once('error', reject);
    });
  const server = net.createServer((client) => {
    client.once('data', (first: Buffer) => {
      client.pause();
      const webSocket = /\r\nupgrade:\s*websocket/i.test(first.toString('latin1'));
      const start = webSocket && preferred !== undefined ? preferred : cursor++ % ports.length;
      void (async () => {
        for (let attempt = 0; attempt < ports.length; attempt += 1) {
          const instance = (start + attempt) % ports.length;
          let upstream: net.Socket;
          try {
            upstream = await connectTo(instance);
          } catch {
            continue;
          }
          const forwarded: Forwarded = { instance, webSocket, socket: client };
          open.add(forwarded);
          if (webSocket) webSocketCounts[instance] = (webSocketCounts[instance] ?? 0) + 1;
          const end = (): void => {
            open.delete(forwarded);
            client.destroy();
            upstream.destroy();
          };
          upstream.on('error', end).on('close', end);
          client.on('error', end).on('close', end);
          upstream.write(first);
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
          return;
        }
        client.destroy();
      })();
    });
    client.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    preferWebSocketsOn(instance) {
      preferred = instance;
    },
    webSocketInstances: () => [...new Set([...open].filter((f) => f.webSocket && !f.socket.destroyed).map((f) => f.instance))].sort(),
    webSocketCounts: () => [...webSocketCounts],
    close: () =>
      new Promise<void>((resolve) => {
        for (const forwarded of open) forwarded.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface BalancePairStack {
  readonly url: string;
  readonly wsUrl: string;
  readonly wallet: WalletService;
  readonly gateway: Gateway;
  readonly balancer: Balancer;
  /** SIGKILL: no graceful stop, no consumer-group leave; resolves once the process is gone. */
  kill(instance: number): Promise<void>;
  /** Starts the instance again on its ports; resolves once it answers /health/ready. */
  start(instance: number): Promise<void>;
  stop(): Promise<void>;
}

export interface BalancePairOptions {
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  readonly balanceEnv?: Readonly<Record<string, string>>;
}

async function waitUntilReady(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + INSTANCE_READY_MS_MAX;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`balance instance exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`, { headers: { connection: 'close' } }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`balance instance on port ${port} not ready within ${INSTANCE_READY_MS_MAX} ms: ${stderr()}`);
}

/** Wallet subgraph, two balance processes, the balancer and the gateway; topics and groups of their own. */
export async function startBalancePair(options: BalancePairOptions = {}): Promise<BalancePairStack> {
  if (!existsSync(balanceMainJs)) throw new Error(`missing ${balanceMainJs}: build first (npx turbo run build)`);
  const logger = createLogger({ name: 'balance-pair', level: process.env['LOG_LEVEL'] ?? 'silent' });
  const suffix = randomUUID().slice(0, 8);
  const names = {
    balances: `gw2.balances.${suffix}`,
    transactions: `gw2.transactions.${suffix}`,
    balancesDeadLetter: `gw2.balances.${suffix}.dlq`,
    balancesLive: `gw2.balances.${suffix}.live`,
    balanceGroup: `gw2-balance-${suffix}`,
    balanceLiveGroupPrefix: `gw2-balance-live-${suffix}`,
  };
  const shared = { ...kafkaCredentialEnv(), KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'), LOG_LEVEL: 'silent', KAFKA_TOPIC_BALANCES: names.balances };
  await prepareTopics(
    shared.KAFKA_BROKERS,
    kafkaAccessNames({
      topics: { balances: names.balances, transactions: names.transactions, balancesDeadLetter: names.balancesDeadLetter, balancesLive: names.balancesLive },
      balanceGroup: names.balanceGroup,
      balanceLiveGroupPrefix: names.balanceLiveGroupPrefix,
    }),
    logger,
  );
  const stops: Array<() => Promise<void>> = [];
  const children: Array<ChildProcess | undefined> = [];
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) await step().catch((error: unknown) => logger.warn({ err: error }, 'balance pair: stop failed'));
  };
  try {
    const wallet = createWalletService(
      loadWalletConfig({
        ...shared,
        WALLET_DATABASE_URL: requiredEnv('WALLET_DATABASE_URL'),
        WALLET_PORT: '0',
        WALLET_REST_PORT: '0',
        WALLET_HOST: '127.0.0.1',
        KAFKA_TOPIC_TRANSACTIONS: names.transactions,
        OUTBOX_RELAY_LOCK_RETRY_MS: '200',
        OUTBOX_RELAY_IDLE_POLL_MS_MAX: '200',
        OUTBOX_RELAY_BACKOFF_MS_MAX: '500',
      }),
      logger.child({ service: 'wallet' }),
    );
    await wallet.start();
    stops.push(() => wallet.stop());

    const ports = await Promise.all(Array.from({ length: INSTANCE_COUNT }, async () => ({ graphql: await freePort(), rest: await freePort() })));
    const instanceEnv = (instance: number): Record<string, string> => ({
      PATH: process.env['PATH'] ?? '',
      ...shared,
      WALLET_SUBGRAPH_URL: wallet.graphqlUrl,
      BALANCE_DATABASE_URL: requiredEnv('BALANCE_DATABASE_URL'),
      BALANCE_PORT: String(ports[instance]?.graphql),
      BALANCE_REST_PORT: String(ports[instance]?.rest),
      BALANCE_HOST: '127.0.0.1',
      // One consumer group for both: Kafka splits the partitions, every event is projected once.
      BALANCE_CONSUMER_GROUP: names.balanceGroup,
      BALANCE_LIVE_GROUP_PREFIX: names.balanceLiveGroupPrefix,
      KAFKA_TOPIC_BALANCES_DLQ: names.balancesDeadLetter,
      KAFKA_TOPIC_BALANCES_LIVE: names.balancesLive,
      // A killed instance's partitions go to the other one after CONSUMER_SESSION_TIMEOUT_MS.
      ...BALANCE_CONSUMER_TEST_ENV,
      DATABASE_POOL_SIZE_MAX: '4',
      APOLLO_TELEMETRY_DISABLED: '1',
      ...options.balanceEnv,
    });
    const start = async (instance: number): Promise<void> => {
      const port = ports[instance]?.graphql ?? 0;
      const child = spawn(process.execPath, [balanceMainJs], { env: instanceEnv(instance), stdio: ['ignore', 'ignore', 'pipe'] });
      children[instance] = child;
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2_000);
      });
      await waitUntilReady(port, child, () => stderr);
    };
    const kill = async (instance: number): Promise<void> => {
      const child = children[instance];
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    };
    stops.push(async () => {
      await Promise.all(children.map((_, instance) => kill(instance)));
    });
    // One after the other: two processes loading at once on two cores only slow each other.
    for (let instance = 0; instance < INSTANCE_COUNT; instance += 1) await start(instance);

    const balancer = await startBalancer(ports.map((p) => p.graphql));
    stops.push(() => balancer.close());
    const gateway = createGateway(
      loadGatewayConfig({
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
        WALLET_SUBGRAPH_URL: wallet.graphqlUrl,
        BALANCE_SUBGRAPH_URL: `http://127.0.0.1:${balancer.port}/graphql`,
        BALANCE_SUBGRAPH_WS_URL: `ws://127.0.0.1:${balancer.port}/graphql`,
        GATEWAY_READINESS_TIMEOUT_MS: '1000',
        GATEWAY_MUTATIONS_PER_MINUTE_MAX: '1000000',
        ...options.gatewayEnv,
      }),
      logger.child({ service: 'gateway' }),
    );
    await gateway.start();
    stops.push(() => gateway.stop());
    return { url: gateway.url, wsUrl: gateway.wsUrl, wallet, gateway, balancer, kill, start, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}
