// The whole federated stack in one process: wallet + balance subgraphs (real MariaDB and Kafka from
// the Jest global setup) and the gateway, all on port 0. Reused by the gateway's and the SDK's
// end-to-end suites.
import { randomUUID } from 'node:crypto';
import { retry, createLogger, type Logger } from '@walletgraph/platform/core';
import {
  createKafka,
  KAFKA_PRINCIPALS,
  kafkaAccessNames,
  kafkaCredentialsFromEnv,
  kafkaCredentialVariables,
  provisionWalletgraph,
  type KafkaAccessNames,
} from '@walletgraph/platform/kafka';
import { createBalanceService, type BalanceService } from '../../subgraph-balance/src/app';
import { loadBalanceConfig } from '../../subgraph-balance/src/config';
import { createWalletService, type WalletService } from '../../subgraph-wallet/src/app';
import { loadWalletConfig } from '../../subgraph-wallet/src/config';
import { BALANCE_CONSUMER_TEST_ENV } from '../../subgraph-balance/test/helpers';
import { createGateway, type Gateway } from '../src/app';
import { loadGatewayConfig } from '../src/config';

export interface StackOptions {
  /** Extra gateway environment (limits, NODE_ENV, ...). */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  readonly walletEnv?: Readonly<Record<string, string>>;
  readonly balanceEnv?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

export interface Stack {
  /** http://127.0.0.1:<port>/graphql of the gateway. */
  readonly url: string;
  /** ws://127.0.0.1:<port>/graphql of the gateway. */
  readonly wsUrl: string;
  /** http://127.0.0.1:<port> of the gateway (health, metrics). */
  readonly origin: string;
  readonly wallet: WalletService;
  readonly balance: BalanceService;
  readonly gateway: Gateway;
  /** Stops the balance subgraph and starts a new instance on the same ports (`balance` is then the new one). */
  restartBalance(): Promise<BalanceService>;
  /** Stops the gateway, then both subgraphs; safe to call twice. */
  stop(): Promise<void>;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: run through the Jest global setup (npx jest --selectProjects gateway)`);
  return value;
}

/** Every principal's credentials of this run (set by the Jest global setup): each service picks its own. */
export function kafkaCredentialEnv(): Record<string, string> {
  return Object.fromEntries(
    KAFKA_PRINCIPALS.flatMap((principal) => [kafkaCredentialVariables(principal).username, kafkaCredentialVariables(principal).password]).flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value] as const];
    }),
  );
}

/**
 * The stack's topics and the production ACLs for its names, created by the admin principal (the
 * services may not create topics), then waiting until every partition has a leader so the stack
 * starts deterministically.
 */
export async function prepareTopics(brokers: string, names: KafkaAccessNames, logger: Logger): Promise<void> {
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'gateway-test-stack', sasl: kafkaCredentialsFromEnv('admin', process.env).sasl }, logger);
  await provisionWalletgraph(kafka, names, 3);
  const topics = Object.values(names.topics);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retry(
      async () => {
        const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const leaderless = described.filter((topic) => topic.partitions.length === 0 || topic.partitions.some((p) => p.leader < 0));
        if (leaderless.length > 0) throw new Error(`topics without leaders: ${leaderless.map((t) => t.name).join(', ')}`);
      },
      { attemptCountMax: 20, delayMsInitial: 50, delayMsMax: 500, shouldRetry: () => true },
    );
  } finally {
    await admin.disconnect();
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logger = options.logger ?? createLogger({ name: 'stack', level: process.env['LOG_LEVEL'] ?? 'silent' });
  // Topics and groups of their own, so parallel suites never see each other's events.
  const suffix = randomUUID().slice(0, 8);
  const shared = { ...kafkaCredentialEnv(), KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'), LOG_LEVEL: 'silent', KAFKA_TOPIC_BALANCES: `gw.balances.${suffix}` };
  const walletService = createWalletService(
    loadWalletConfig({
      ...shared,
      WALLET_DATABASE_URL: requiredEnv('WALLET_DATABASE_URL'),
      WALLET_PORT: '0',
      WALLET_REST_PORT: '0',
      WALLET_HOST: '127.0.0.1',
      KAFKA_TOPIC_TRANSACTIONS: `gw.transactions.${suffix}`,
      OUTBOX_RELAY_LOCK_RETRY_MS: '200',
      OUTBOX_RELAY_IDLE_POLL_MS_MAX: '200',
      OUTBOX_RELAY_BACKOFF_MS_MAX: '500',
      ...options.walletEnv,
    }),
    logger.child({ service: 'wallet' }),
  );
  const balanceService = (walletGraphqlUrl: string, ports: Readonly<Record<string, string>> = {}) =>
    createBalanceService(
      loadBalanceConfig({
        // The balance subgraph asks the wallet subgraph who owns an account (client authorization).
        WALLET_SUBGRAPH_URL: walletGraphqlUrl,
        ...shared,
        BALANCE_DATABASE_URL: requiredEnv('BALANCE_DATABASE_URL'),
        BALANCE_PORT: '0',
        BALANCE_REST_PORT: '0',
        BALANCE_HOST: '127.0.0.1',
        BALANCE_CONSUMER_GROUP: `gw-balance-${suffix}`,
        BALANCE_LIVE_GROUP_PREFIX: `gw-balance-live-${suffix}`,
        KAFKA_TOPIC_BALANCES_DLQ: `gw.balances.${suffix}.dlq`,
        KAFKA_TOPIC_BALANCES_LIVE: `gw.balances.${suffix}.live`,
        ...BALANCE_CONSUMER_TEST_ENV,
        DATABASE_POOL_SIZE_MAX: '4',
        ...options.balanceEnv,
        ...ports,
      }),
      logger.child({ service: 'balance' }),
    );
  await prepareTopics(
    shared.KAFKA_BROKERS,
    kafkaAccessNames({
      topics: {
        balances: shared.KAFKA_TOPIC_BALANCES,
        transactions: `gw.transactions.${suffix}`,
        balancesDeadLetter: `gw.balances.${suffix}.dlq`,
        balancesLive: `gw.balances.${suffix}.live`,
      },
      balanceGroup: `gw-balance-${suffix}`,
      balanceLiveGroupPrefix: `gw-balance-live-${suffix}`,
    }),
    logger,
  );
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const service of started.splice(0).reverse()) {
      await service.stop().catch((error: unknown) => logger.warn({ err: error }, 'stack: stop failed'));
    }
  };
  try {
    // One after the other: the balance subgraph needs the wallet subgraph's (random) URL.
    const wallet = walletService;
    await wallet.start();
    started.push(wallet);
    const balance = balanceService(wallet.graphqlUrl);
    await balance.start();
    started.push(balance);
    const gateway = createGateway(
      loadGatewayConfig({
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
        WALLET_SUBGRAPH_URL: wallet.graphqlUrl,
        BALANCE_SUBGRAPH_URL: balance.graphqlUrl,
        BALANCE_SUBGRAPH_WS_URL: balance.wsUrl,
        GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX: '2',
        GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX: '100',
        GATEWAY_READINESS_TIMEOUT_MS: '1000',
        // Suites create many fixtures as one admin; the limit itself is tested in security.test.ts.
        GATEWAY_MUTATIONS_PER_MINUTE_MAX: '1000000',
        ...options.gatewayEnv,
      }),
      logger.child({ service: 'gateway' }),
    );
    await gateway.start();
    started.push(gateway);
    let currentBalance = balance;
    const restartBalance = async (): Promise<BalanceService> => {
      const ports = { BALANCE_PORT: new URL(currentBalance.graphqlUrl).port, BALANCE_REST_PORT: new URL(currentBalance.restUrl).port };
      await currentBalance.stop();
      started.splice(started.indexOf(currentBalance), 1);
      const next = balanceService(wallet.graphqlUrl, ports);
      await next.start();
      started.splice(1, 0, next);
      currentBalance = next;
      return next;
    };
    return {
      url: gateway.url,
      wsUrl: gateway.wsUrl,
      origin: new URL(gateway.url).origin,
      wallet,
      gateway,
      stop: stopAll,
      restartBalance,
      get balance() {
        return currentBalance;
      },
    };
  } catch (error: unknown) {
    await stopAll();
    throw error;
  }
}
