import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { assert, UnavailableError, type Logger } from '@walletgraph/platform/core';
import { redactUrl } from '@walletgraph/platform/db';
import { createKafka, createRenewingProducer, ensureTopics, kafkaStartError } from '@walletgraph/platform/kafka';
import { createUserTokenVerifier, devSecretsWarning, type Identity } from '@walletgraph/platform/auth';
import { createOwnershipDirectory, type OwnershipDirectory } from './auth/ownership.js';
import { parse } from 'graphql';
import { Partitioners } from 'kafkajs';
import type { BalanceConfig } from './config.js';
import { urlHost } from '@walletgraph/platform/http';
import { createGraphqlServer, type GraphqlServerDeps, type Readiness } from './http/graphql-server.js';
import { createBalancePubSub, type BalancePubSub } from './live/balance-pubsub.js';
import { createLiveConsumer, type LiveConsumerConfig } from './live/live-consumer.js';
import { createLivePublisher } from './live/live-publisher.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createBalanceProjector, type AppliedMessage, type BalanceProjectorConfig } from './projection/balance-projector.js';
import { createDeadLetterPublisher } from './projection/dead-letter.js';
import { createBalanceResolvers } from './resolvers/balance-resolvers.js';
import {
  createBalanceLoader,
  createBaselineReader,
  createOwnerLoader,
  createSharedBalancesReader,
  type BalanceContext,
  type ConnectionState,
} from './resolvers/context.js';
import { createBalanceRestServer } from './rest/balance-routes.js';
import { createBalanceRepository, type BalanceRepository } from './store/balance-repository.js';
import { createPrismaClient, disconnectPrisma } from './store/prisma.js';
import { createHistoryPruner } from './history/history-pruner.js';
import { createHistoryRepository, type HistoryRepository } from './history/history-repository.js';
import { createVersionWaiters, type VersionWaiters } from './history/version-waiters.js';

/** Seams for tests; production passes none. */
export interface BalanceServiceHooks {
  readonly onSqlQuery?: (sql: string) => void;
  readonly afterDatabaseCommit?: (applied: AppliedMessage) => Promise<void>;
}

export interface BalanceService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  readonly restUrl: string;
  readonly metrics: Metrics;
  readiness(): Promise<Readiness>;
}

const READINESS_PING_TIMEOUT_MS = 2_000;

function loadSchemaSdl(): string {
  return readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');
}

function liveConsumerConfig(config: BalanceConfig): LiveConsumerConfig {
  return {
    topic: config.topics.live,
    groupPrefix: config.liveGroupPrefix,
    sessionTimeoutMs: config.consumerSessionTimeoutMs,
    heartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
    joinTimeoutMs: config.liveConsumerJoinTimeoutMs,
    fetchWaitMsMax: config.consumerFetchWaitMsMax,
  };
}

function projectorConfig(config: BalanceConfig): BalanceProjectorConfig {
  return {
    topic: config.topics.balances,
    groupId: config.consumerGroup,
    sessionTimeoutMs: config.consumerSessionTimeoutMs,
    heartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
    commitIntervalMs: config.consumerCommitIntervalMs,
    commitThresholdMessages: config.consumerCommitThresholdMessages,
    retryDelayMsInitial: config.retryDelayMsInitial,
    retryDelayMsMax: config.retryDelayMsMax,
    batchSizeMax: config.projectionBatchSizeMax,
    partitionsConcurrentMax: config.consumerPartitionsConcurrentMax,
    fetchWaitMsMax: config.consumerFetchWaitMsMax,
  };
}

/** Every committed version reaches every instance here: subscribers, and reads waiting for a minVersion. */
function liveFeedOf(pubsub: BalancePubSub, waiters: VersionWaiters): BalancePubSub {
  return {
    ...pubsub,
    publish: (update: Parameters<typeof pubsub.publish>[0]) => {
      pubsub.publish(update);
      waiters.notify(update.accountId, update.version);
    },
  };
}

/**
 * Runs every step even when one fails (e.g. after a start that failed half-way, the servers were
 * never started), so the pool and the Kafka clients are always released; the first failure is
 * raised at the end.
 */
async function runEveryStep(steps: ReadonlyArray<() => Promise<void> | void>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error: unknown) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** Whether `ping` answers within READINESS_PING_TIMEOUT_MS (a hung pool is not ready). */
function pingsInTime(ping: () => Promise<unknown>): Promise<boolean> {
  return Promise.race([
    ping().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READINESS_PING_TIMEOUT_MS).unref()),
  ]);
}

/** The read model's database side: the pool, the balances, their history and its pruner. */
function createStore(config: BalanceConfig, logger: Logger, hooks: BalanceServiceHooks) {
  const prisma = createPrismaClient(hooks.onSqlQuery === undefined ? { logger } : { logger, onSqlQuery: hooks.onSqlQuery }, {
    databaseUrl: config.databaseUrl,
    poolSizeMax: config.databasePoolSizeMax,
    acquireTimeoutMs: config.databaseAcquireTimeoutMs,
  });
  const repository = createBalanceRepository({ prisma }, { transactionTimeoutMs: config.databaseTransactionTimeoutMs, history: config.history });
  const history = createHistoryRepository({ prisma });
  const historyPruner = createHistoryPruner(
    { history, logger },
    { ageMsMax: config.history.ageMsMax, intervalMs: config.history.pruneIntervalMs, rowsMax: config.history.pruneRowsMax },
  );
  return { prisma, repository, history, historyPruner };
}

/**
 * The Kafka side: the projector of `balances` (with its dead letters and live updates) and the
 * live consumer feeding this instance's subscribers and minVersion waiters.
 */
function createConsumers(
  config: BalanceConfig,
  logger: Logger,
  hooks: BalanceServiceHooks,
  deps: { metrics: Metrics; repository: BalanceRepository; pubsub: BalancePubSub; waiters: VersionWaiters },
) {
  const { metrics } = deps;
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, sasl: config.kafkaAuth.sasl }, logger);
  // acks=all (kafkajs' default) and idempotence: a retried send after a leader change is neither
  // duplicated nor reordered on `balances.live` (subscribers see versions in order) or the DLQ; a
  // failed send renews the producer (a stale idempotent producer fails every later send).
  const producer = createRenewingProducer(
    () =>
      kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    logger,
  );
  const liveConsumer = createLiveConsumer({ kafka, pubsub: liveFeedOf(deps.pubsub, deps.waiters), metrics, logger }, liveConsumerConfig(config));
  const projector = createBalanceProjector(
    {
      kafka,
      repository: deps.repository,
      deadLetter: createDeadLetterPublisher({ producer }, { topic: config.topics.deadLetter }),
      livePublisher: createLivePublisher({ producer }, { topic: config.topics.live }),
      metrics,
      logger,
      ...(hooks.afterDatabaseCommit === undefined ? {} : { afterDatabaseCommit: hooks.afterDatabaseCommit }),
    },
    projectorConfig(config),
  );
  return { kafka, producer, liveConsumer, projector };
}

/** Topics (when asked to), the producer, then the consumers; refused credentials or ACLs said as such, not as an unreachable broker. */
async function startConsumers(config: BalanceConfig, consumers: ReturnType<typeof createConsumers>): Promise<void> {
  const principal = { username: config.kafkaAuth.sasl.username, brokers: config.kafkaBrokers };
  try {
    if (config.ensureTopics) {
      const partitionCount = config.topicPartitionCount;
      await ensureTopics(
        consumers.kafka,
        Object.values(config.topics).map((topic) => ({ topic, partitionCount })),
        principal,
      );
    }
    await consumers.producer.connect();
    await consumers.liveConsumer.start();
    await consumers.projector.start();
  } catch (error: unknown) {
    throw kafkaStartError(error, principal);
  }
}

/** The subgraph schema with its resolvers, and the context each request or subscription gets. */
function createSubgraphParts(
  config: BalanceConfig,
  logger: Logger,
  deps: { metrics: Metrics; repository: BalanceRepository; history: HistoryRepository; pubsub: BalancePubSub; waiters: VersionWaiters },
) {
  const { repository, waiters } = deps;
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(loadSchemaSdl()),
      resolvers: createBalanceResolvers(
        {
          readBaseline: createBaselineReader(repository, config.loaderBatchSizeMax),
          pubsub: deps.pubsub,
          metrics: deps.metrics,
          logger,
          history: deps.history,
          minVersion: { waiters, readFresh: async (accountId) => (await repository.findByAccountIds([accountId]))[0] ?? null },
        },
        config,
      ),
    },
  ]);
  const ownership = createOwnershipDirectory({ logger }, { ...config.ownership, internalSecret: config.auth.internalSecret });
  const readBalances = createSharedBalancesReader(repository, config.loaderBatchSizeMax);
  const makeContext = (requestId: string, identity: Identity, connection?: ConnectionState): BalanceContext => ({
    requestId,
    identity,
    ownerOf: createOwnerLoader(ownership, config.loaderBatchSizeMax, requestId),
    balanceByAccountId: createBalanceLoader(readBalances, config.loaderBatchSizeMax),
    ...(connection === undefined ? {} : { connection }),
  });
  return { schema, makeContext, ownership };
}

/** The subgraph (GraphQL over HTTP and WebSocket) and the old REST route. */
function createServers(
  config: BalanceConfig,
  logger: Logger,
  deps: Omit<GraphqlServerDeps, 'logger'> & { repository: BalanceRepository; ownership: OwnershipDirectory },
) {
  const subgraph = createGraphqlServer(
    { schema: deps.schema, makeContext: deps.makeContext, readiness: deps.readiness, metrics: deps.metrics, logger },
    {
      host: config.host,
      port: config.port,
      httpBodyBytesMax: config.httpBodyBytesMax,
      subscriberBufferedBytesMax: config.subscriberBufferedBytesMax,
      internalSecret: config.auth.internalSecret,
    },
  );
  const rest = createBalanceRestServer(
    { repository: deps.repository, logger, ownership: deps.ownership, verifyUserToken: createUserTokenVerifier(config.auth.user) },
    { host: config.host, port: config.restPort, devMode: config.auth.devMode },
  );
  return { subgraph, rest };
}

/** Wires the read model, the consumers, the subgraph and the old REST route of one instance. */
export function createBalanceService(config: BalanceConfig, logger: Logger, hooks: BalanceServiceHooks = {}): BalanceService {
  const metrics = createMetrics();
  const { prisma, repository, history, historyPruner } = createStore(config, logger, hooks);
  const waiters = createVersionWaiters({ waitersMax: config.minVersion.waitersMax });
  metrics.registerGauge('balance_min_version_waiting', () => waiters.waitingCount());
  const pubsub = createBalancePubSub({ metrics, logger }, { subscriptionsMax: config.subscriptionsMax, queueEventsMax: config.subscriptionQueueEventsMax });
  metrics.registerGauge('balance_subscriptions_active', () => pubsub.subscriptionCount());
  const consumers = createConsumers(config, logger, hooks, { metrics, repository, pubsub, waiters });
  const { producer, liveConsumer, projector } = consumers;
  const { schema, makeContext, ownership } = createSubgraphParts(config, logger, { metrics, repository, history, pubsub, waiters });

  async function readiness(): Promise<Readiness> {
    const database = await pingsInTime(() => repository.ping());
    const checks = { database, consumer: projector.isRunning(), liveConsumer: liveConsumer.isRunning() };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  const { subgraph, rest } = createServers(config, logger, { schema, makeContext, readiness, metrics, repository, ownership });
  const urls = { graphql: '', ws: '', rest: '' };
  const urlOf = (name: keyof typeof urls): string => {
    assert(urls[name] !== '', `${name} URL read before start()`);
    return urls[name];
  };

  /** The database first (a clear error when it is unreachable), then Kafka, then the servers. */
  async function start(): Promise<void> {
    const warning = devSecretsWarning(config.auth, config.kafkaAuth);
    if (warning !== undefined) logger.warn({ variables: warning.variables }, warning.message);
    await repository.ping().catch((error: unknown) => {
      throw new UnavailableError(`cannot reach the balance database at ${redactUrl(config.databaseUrl)}`, { cause: error });
    });
    historyPruner.start();
    await startConsumers(config, consumers);
    const host = urlHost(config.host);
    const port = await subgraph.start();
    urls.graphql = `http://${host}:${port}/graphql`;
    urls.ws = `ws://${host}:${port}/graphql`;
    urls.rest = `http://${host}:${await rest.start()}`;
  }

  return {
    metrics,
    readiness,
    get graphqlUrl() {
      return urlOf('graphql');
    },
    get wsUrl() {
      return urlOf('ws');
    },
    get restUrl() {
      return urlOf('rest');
    },
    start,
    stop: () =>
      runEveryStep([
        () => rest.stop(),
        () => historyPruner.stop(),
        () => pubsub.closeAll(),
        () => subgraph.stop(),
        () => projector.stop(),
        () => liveConsumer.stop(),
        () => producer.disconnect(),
        () => disconnectPrisma(prisma),
      ]),
  };
}
