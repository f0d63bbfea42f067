import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { assert, UnavailableError, type Logger } from '@walletgraph/platform/core';
import { redactUrl } from '@walletgraph/platform/db';
import { createKafka, ensureTopics, kafkaStartError } from '@walletgraph/platform/kafka';
import { createUserTokenVerifier, devSecretsWarning, type Identity } from '@walletgraph/platform/auth';
import { createOwnershipDirectory } from './auth/ownership.js';
import { parse } from 'graphql';
import { Partitioners } from 'kafkajs';
import type { BalanceConfig } from './config.js';
import { urlHost } from '@walletgraph/platform/http';
import { createGraphqlServer, type Readiness } from './http/graphql-server.js';
import { createBalancePubSub } from './live/balance-pubsub.js';
import { createLiveConsumer } from './live/live-consumer.js';
import { createLivePublisher } from './live/live-publisher.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createBalanceProjector, type AppliedMessage } from './projection/balance-projector.js';
import { createDeadLetterPublisher } from './projection/dead-letter.js';
import { createBalanceResolvers } from './resolvers/balance-resolvers.js';
import { createBalanceLoader, createBaselineReader, createOwnerLoader, type BalanceContext, type ConnectionState } from './resolvers/context.js';
import { createBalanceRestServer } from './rest/balance-routes.js';
import { createBalanceRepository } from './store/balance-repository.js';
import { createPrismaClient } from './store/prisma.js';
import { createHistoryPruner } from './history/history-pruner.js';
import { createHistoryRepository } from './history/history-repository.js';
import { createVersionWaiters } from './history/version-waiters.js';

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

/** Wires the read model, the consumers, the subgraph and the old REST route of one instance. */
export function createBalanceService(config: BalanceConfig, logger: Logger, hooks: BalanceServiceHooks = {}): BalanceService {
  const metrics = createMetrics();
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
  const waiters = createVersionWaiters({ waitersMax: config.minVersion.waitersMax });
  metrics.registerGauge('balance_min_version_waiting', () => waiters.waitingCount());
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, sasl: config.kafkaAuth.sasl }, logger);
  // acks=all (kafkajs' default) and idempotence: a retried send after a leader change is neither
  // duplicated nor reordered on `balances.live` (subscribers see versions in order) or the DLQ.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const pubsub = createBalancePubSub({ metrics, logger }, { subscriptionsMax: config.subscriptionsMax, queueEventsMax: config.subscriptionQueueEventsMax });
  metrics.registerGauge('balance_subscriptions_active', () => pubsub.subscriptionCount());
  // Every committed version reaches every instance here: subscribers, and reads waiting for a minVersion.
  const liveFeed = {
    ...pubsub,
    publish: (update: Parameters<typeof pubsub.publish>[0]) => {
      pubsub.publish(update);
      waiters.notify(update.accountId, update.version);
    },
  };
  const liveConsumer = createLiveConsumer(
    { kafka, pubsub: liveFeed, metrics, logger },
    {
      topic: config.topics.live,
      groupPrefix: config.liveGroupPrefix,
      sessionTimeoutMs: config.consumerSessionTimeoutMs,
      heartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
      joinTimeoutMs: config.liveConsumerJoinTimeoutMs,
      fetchWaitMsMax: config.consumerFetchWaitMsMax,
    },
  );
  const projector = createBalanceProjector(
    {
      kafka,
      repository,
      deadLetter: createDeadLetterPublisher({ producer }, { topic: config.topics.deadLetter }),
      livePublisher: createLivePublisher({ producer }, { topic: config.topics.live }),
      metrics,
      logger,
      ...(hooks.afterDatabaseCommit === undefined ? {} : { afterDatabaseCommit: hooks.afterDatabaseCommit }),
    },
    {
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
    },
  );
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(loadSchemaSdl()),
      resolvers: createBalanceResolvers(
        {
          readBaseline: createBaselineReader(repository, config.loaderBatchSizeMax),
          pubsub,
          metrics,
          logger,
          history,
          minVersion: { waiters, readFresh: async (accountId) => (await repository.findByAccountIds([accountId]))[0] ?? null },
        },
        config,
      ),
    },
  ]);
  const ownership = createOwnershipDirectory({ logger }, { ...config.ownership, internalSecret: config.auth.internalSecret });
  const makeContext = (requestId: string, identity: Identity, connection?: ConnectionState): BalanceContext => ({
    requestId,
    identity,
    ownerOf: createOwnerLoader(ownership, config.loaderBatchSizeMax),
    balanceByAccountId: createBalanceLoader(repository, config.loaderBatchSizeMax),
    ...(connection === undefined ? {} : { connection }),
  });

  async function readiness(): Promise<Readiness> {
    const database = await Promise.race([
      repository.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READINESS_PING_TIMEOUT_MS).unref()),
    ]);
    const checks = { database, consumer: projector.isRunning(), liveConsumer: liveConsumer.isRunning() };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  const subgraph = createGraphqlServer(
    { schema, makeContext, readiness, metrics, logger },
    {
      host: config.host,
      port: config.port,
      httpBodyBytesMax: config.httpBodyBytesMax,
      subscriberBufferedBytesMax: config.subscriberBufferedBytesMax,
      internalSecret: config.auth.internalSecret,
    },
  );
  const rest = createBalanceRestServer(
    { repository, logger, ownership, verifyUserToken: createUserTokenVerifier(config.auth.user) },
    { host: config.host, port: config.restPort, devMode: config.auth.devMode },
  );
  const urls = { graphql: '', ws: '', rest: '' };
  const urlOf = (name: keyof typeof urls): string => {
    assert(urls[name] !== '', `${name} URL read before start()`);
    return urls[name];
  };

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
    async start() {
      const warning = devSecretsWarning(config.auth, config.kafkaAuth);
      if (warning !== undefined) logger.warn({ variables: warning.variables }, warning.message);
      await repository.ping().catch((error: unknown) => {
        throw new UnavailableError(`cannot reach the balance database at ${redactUrl(config.databaseUrl)}`, { cause: error });
      });
      historyPruner.start();
      const principal = { username: config.kafkaAuth.sasl.username, brokers: config.kafkaBrokers };
      try {
        if (config.ensureTopics) {
          const partitionCount = config.topicPartitionCount;
          await ensureTopics(
            kafka,
            Object.values(config.topics).map((topic) => ({ topic, partitionCount })),
            principal,
          );
        }
        await producer.connect();
        await liveConsumer.start();
        await projector.start();
      } catch (error: unknown) {
        // Refused credentials or ACLs: said as such, not as an unreachable broker.
        throw kafkaStartError(error, principal);
      }
      const host = urlHost(config.host);
      const port = await subgraph.start();
      urls.graphql = `http://${host}:${port}/graphql`;
      urls.ws = `ws://${host}:${port}/graphql`;
      urls.rest = `http://${host}:${await rest.start()}`;
    },
    async stop() {
      // Every step runs even when one fails (e.g. after a start that failed half-way, the servers
      // were never started): the pool and the Kafka clients are always released; the first
      // failure is raised at the end.
      const failures: unknown[] = [];
      const step = async (operation: () => Promise<void> | void): Promise<void> => {
        try {
          await operation();
        } catch (error: unknown) {
          failures.push(error);
        }
      };
      await step(() => rest.stop());
      await step(() => historyPruner.stop());
      await step(() => pubsub.closeAll());
      await step(() => subgraph.stop());
      await step(() => projector.stop());
      await step(() => liveConsumer.stop());
      await step(() => producer.disconnect());
      await step(() => prisma.$disconnect());
      if (failures.length > 0) throw failures[0];
    },
  };
}
