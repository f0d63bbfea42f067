import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Logger } from '@walletgraph/platform/core';
import { createKafka, ensureTopics } from '@walletgraph/platform/kafka';
import { createUserTokenVerifier, devSecretsWarning } from '@walletgraph/platform/auth';
import type { WalletConfig } from './config.js';
import { closeServer, listen, urlHost, type SubgraphHost } from '@walletgraph/platform/http';
import { createGraphqlServer } from './http/graphql-server.js';
import { createOutboxRelay, type OutboxRelay } from './outbox/relay.js';
import { createLoaders } from './resolvers/loaders.js';
import { createRestServer, type RestServer } from './rest/server.js';
import { createDatabase, type Database } from './store/database.js';
import { createUnitOfWork } from './store/unit-of-work.js';
import { createWalletQueries, type WalletQueries } from './use-cases/queries.js';
import { createWalletUseCases, type WalletUseCases } from './use-cases/wallet.js';
import { tracedUseCases } from './use-cases/traced.js';

export interface WalletServiceOptions {
  /** Observes every SQL statement (tests count them to prove batching). */
  readonly onSqlQuery?: (sql: string) => void;
}

export interface WalletService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `http://host:port/graphql`; valid after start(). */
  readonly graphqlUrl: string;
  /** `http://host:port` of the old REST routes; valid after start(). */
  readonly restUrl: string;
}

const KAFKA_CLIENT_ID = 'walletgraph-wallet';

/** The SDL ships beside the compiled code (the build copies it into dist/). */
export function loadTypeDefs(): string {
  return readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');
}

function openDatabase(config: WalletConfig, logger: Logger, options: WalletServiceOptions): Database {
  return createDatabase(
    { logger, ...(options.onSqlQuery ? { onSqlQuery: options.onSqlQuery } : {}) },
    {
      databaseUrl: config.databaseUrl,
      poolSizeMax: config.databasePoolSizeMax,
      acquireTimeoutMs: config.databaseAcquireTimeoutMs,
    },
  );
}

/** The topics the outbox writes to; refused credentials or ACLs fail the start with a message naming the principal. */
async function ensureWalletTopics(kafka: ReturnType<typeof createKafka>, config: WalletConfig): Promise<void> {
  await ensureTopics(
    kafka,
    [
      { topic: config.topics.transactions, partitionCount: config.topics.partitionCount },
      { topic: config.topics.balances, partitionCount: config.topics.partitionCount },
    ],
    { username: config.kafkaAuth.sasl.username, brokers: config.kafkaBrokers },
  );
}

/** The use cases (traced) over one unit of work that wakes the relay on every outbox commit. */
function wireUseCases(config: WalletConfig, logger: Logger, database: Database, outboxRelay: OutboxRelay) {
  const unitOfWork = createUnitOfWork(
    { db: database, logger, onOutboxCommit: () => outboxRelay.wake() },
    { retryCountMax: config.transferRetryCountMax, timeoutMs: config.transactionTimeoutMs },
  );
  return tracedUseCases(createWalletUseCases({ db: database, unitOfWork, logger }, { topics: config.topics, transferBatch: config.transferBatch }));
}

function createWalletGraphqlServer(
  config: WalletConfig,
  logger: Logger,
  deps: { database: Database; outboxRelay: OutboxRelay; useCases: WalletUseCases; queries: WalletQueries },
): SubgraphHost {
  const { database, outboxRelay, useCases, queries } = deps;
  return createGraphqlServer(
    {
      logger,
      typeDefs: loadTypeDefs(),
      contextFor: (base) => ({ ...base, loaders: createLoaders(queries), useCases, queries }),
      readiness: async () => {
        await database.ping();
        return { ready: true, details: { database: 'ok', outboxRelay: outboxRelay.status() } };
      },
    },
    { host: config.host, port: config.graphqlPort, httpBodyBytesMax: config.httpBodyBytesMax, internalSecret: config.auth.internalSecret },
  );
}

export function createWalletService(config: WalletConfig, logger: Logger, options: WalletServiceOptions = {}): WalletService {
  let db: Database | undefined;
  let relay: OutboxRelay | undefined;
  let graphql: SubgraphHost | undefined;
  let rest: RestServer | undefined;
  let graphqlUrl: string | undefined;
  let restUrl: string | undefined;

  async function startUnchecked(): Promise<void> {
    const warning = devSecretsWarning(config.auth, config.kafkaAuth);
    if (warning !== undefined) logger.warn({ variables: warning.variables }, warning.message);
    const database = openDatabase(config, logger, options);
    db = database;
    await database.ping();

    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: KAFKA_CLIENT_ID, sasl: config.kafkaAuth.sasl }, logger);
    await ensureWalletTopics(kafka, config);
    const outboxRelay = createOutboxRelay({ logger, kafka }, { ...config.outboxRelay, databaseUrl: config.databaseUrl });
    relay = outboxRelay;

    const useCases = wireUseCases(config, logger, database, outboxRelay);
    const queries = createWalletQueries({ db: database });
    graphql = createWalletGraphqlServer(config, logger, { database, outboxRelay, useCases, queries });
    const graphqlPort = await graphql.start();
    rest = createRestServer(
      { logger, useCases, queries, verifyUserToken: createUserTokenVerifier(config.auth.user) },
      { httpBodyBytesMax: config.httpBodyBytesMax, devMode: config.auth.devMode },
    );
    const restPort = await listen(rest.server, config.restPort, config.host);
    graphqlUrl = `http://${urlHost(config.host)}:${graphqlPort}/graphql`;
    restUrl = `http://${urlHost(config.host)}:${restPort}`;
    if (config.outboxRelayEnabled) outboxRelay.start();
    logger.info({ graphqlUrl, restUrl, outboxRelay: config.outboxRelayEnabled, restOpen: config.auth.devMode }, 'subgraph-wallet started');
  }

  async function stop(): Promise<void> {
    if (rest) await closeServer(rest.server);
    if (graphql) await graphql.stop();
    if (relay) await relay.stop();
    if (db) await db.close();
    graphql = undefined;
    rest = undefined;
    relay = undefined;
    db = undefined;
  }

  return {
    async start() {
      try {
        await startUnchecked();
      } catch (error: unknown) {
        await stop().catch(() => undefined);
        throw error;
      }
    },
    stop,
    get graphqlUrl(): string {
      if (graphqlUrl === undefined) throw new Error('subgraph-wallet is not started');
      return graphqlUrl;
    },
    get restUrl(): string {
      if (restUrl === undefined) throw new Error('subgraph-wallet is not started');
      return restUrl;
    },
  };
}
