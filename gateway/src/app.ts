import cluster from 'node:cluster';
import http from 'node:http';
import type { QueryPlan } from '@apollo/query-planner';
import type { Logger } from '@walletgraph/platform/core';
import { listen } from '@walletgraph/platform/http';
import { devSecretsWarning, mintUserToken, serviceIdentity, INTERNAL_IDENTITY_HEADER } from '@walletgraph/platform/auth';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { createIdentityMinter, type IdentityMinter } from './auth/internal-identity.js';
import { createClusterRateLimiter } from './auth/cluster-rate-limit.js';
import { bucketLimitsOf, createRateLimiter, type RateLimiter } from './auth/rate-limit.js';
import { createBoundedCache, jsonSizeBytes } from './cache/bounded-cache.js';
import type { GatewayConfig } from './config.js';
import { createDemandControl, type DemandControl } from './cost/demand-control.js';
import { readSchemaCosts } from './cost/schema-costs.js';
import { createApolloServer } from './http/apollo.js';
import { createGraphqlHttpHandler } from './http/graphql-http.js';
import { createReadiness, type Readiness } from './http/health.js';
import { createMetricsText } from './metrics/cluster-metrics.js';
import { createMetrics, type GatewayMetrics } from './metrics/metrics.js';
import { createCors } from './http/cors.js';
import { createRouter } from './http/router.js';
import { createPlayground, placeholderHeaders, publicDir, type PlaygroundRuntimeConfig } from './playground/serve.js';
import { createSubgraphDataSources } from './subgraphs/data-sources.js';
import { createSubscriptionExecutor, type ExecutorConfig, type SubscriptionExecutor } from './subscriptions/executor.js';
import { createOperations } from './subscriptions/operations.js';
import { createSubscriptionPlanner, type SubscriptionPlanner } from './subscriptions/planner.js';
import { createKeyedSlots, createSlots, type Slots } from './subscriptions/slots.js';
import { createSseHandler, type SseConfig, type SseHandler } from './subscriptions/sse.js';
import { attachWebSocket, type WebSocketConfig } from './subscriptions/ws.js';
import { loadSupergraphSdl } from './supergraph/load.js';
import { loadManifest } from './trusted-documents/manifest.js';
import { createTrustedDocumentPolicy, type TrustedDocumentPolicy } from './trusted-documents/policy.js';

/** A worker waits this long for the primary's rate-limit answer before deciding on its own share. */
const CLUSTER_RATE_REPLY_TIMEOUT_MS = 250;
const CLUSTER_RATE_PENDING_MAX = 10_000;

/** One process: its own buckets. A cluster worker: the primary's buckets, shared by every worker. */
function createGatewayRateLimiter(config: GatewayConfig): RateLimiter {
  const limits = bucketLimitsOf(config.rateLimit);
  if (!cluster.isWorker) return createRateLimiter(limits);
  const limiter = createClusterRateLimiter({
    ...limits,
    workers: config.workers,
    replyTimeoutMs: CLUSTER_RATE_REPLY_TIMEOUT_MS,
    pendingMax: CLUSTER_RATE_PENDING_MAX,
  });
  process.on('message', (message: unknown) => limiter.handleMessage(message));
  return limiter;
}

export const graphqlPath = '/graphql';
/** Events buffered per subscription for a slow client before its stream is ended. */
const eventQueueSizeMax = 1_000;
const webSocketKeepAliveMs = 12_000;

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** http://host:port/graphql, known after start(). */
  readonly url: string;
  readonly wsUrl: string;
}

/** Lifetime of the admin token the dev-mode playground is prefilled with. */
const playgroundTokenTtl = '12h';

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** Dev mode only (and only with an HS256 secret to sign with): the editor starts with an admin token. */
async function playgroundRuntimeConfig(config: GatewayConfig): Promise<PlaygroundRuntimeConfig> {
  const { user, devMode } = config.auth;
  if (!devMode || user.jwtSecret === undefined) return { headers: placeholderHeaders };
  const token = await mintUserToken(
    { role: 'admin', subject: 'playground-dev' },
    { secret: user.jwtSecret, issuer: user.issuer, audience: user.audience, expiresIn: playgroundTokenTtl },
  );
  return { headers: JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) };
}

/** Who calls (user tokens, cached) and how the gateway vouches for them to the subgraphs. */
function createCallerAuth(config: GatewayConfig): { authenticator: Authenticator; mintIdentity: IdentityMinter } {
  const authenticator = createAuthenticator(config.auth.user, {
    bytesMax: config.authCache.tokenCacheBytesMax,
    lifetimeMsMax: config.authCache.tokenCacheMsMax,
  });
  const mintIdentity = createIdentityMinter({
    internalSecret: config.auth.internalSecret,
    reuseMs: config.authCache.identityReuseMs,
    cacheBytesMax: config.authCache.identityCacheBytesMax,
  });
  return { authenticator, mintIdentity };
}

/** What an operation must pass before it runs: its cost (demand control) and the trusted documents. */
async function createAdmission(
  config: GatewayConfig,
  deps: { planner: SubscriptionPlanner; metrics: GatewayMetrics; logger: Logger },
): Promise<{ demandControl: DemandControl | undefined; trustedDocuments: TrustedDocumentPolicy }> {
  const demandControl =
    config.cost.mode === 'off'
      ? undefined
      : createDemandControl({ apiSchema: deps.planner.apiSchema, costs: readSchemaCosts(deps.planner.supergraph.schema), metrics: deps.metrics }, config.cost);
  const manifest = await loadManifest(config.trustedDocuments.manifestPath);
  const trustedDocuments = createTrustedDocumentPolicy(manifest, config.trustedDocuments);
  deps.logger.info(
    { trustedDocuments: config.trustedDocuments.mode, manifestDocuments: manifest.size, costMode: config.cost.mode, costMax: config.cost.max },
    'operation admission',
  );
  return { demandControl, trustedDocuments };
}

function subscriptionExecutorConfig(config: GatewayConfig): ExecutorConfig {
  return {
    subgraphs: config.subgraphs,
    upstreamRetryAttemptsMax: config.upstreamRetryAttemptsMax,
    upstreamRetryDelayMsMax: config.upstreamRetryDelayMsMax,
    eventQueueSizeMax,
    upstreamSubscriptionsPerConnectionMax: config.upstreamSubscriptionsPerConnectionMax,
  };
}

function sseConfig(config: GatewayConfig): SseConfig {
  return {
    bodyBytesMax: config.limits.bodyBytesMax,
    subscriptionsPerStreamMax: config.subscriptionsPerConnectionMax,
    reservationsPerCallerMax: config.sseReservationsPerCallerMax,
    reservationTtlMs: config.sseReservationTtlMs,
  };
}

function webSocketConfig(config: GatewayConfig): WebSocketConfig {
  return {
    path: graphqlPath,
    subscriptionsPerConnectionMax: config.subscriptionsPerConnectionMax,
    messageBytesMax: config.limits.bodyBytesMax,
    keepAliveMs: webSocketKeepAliveMs,
    connectionsMax: config.wsConnectionsMax,
    connectionsPerCallerMax: config.wsConnectionsPerCallerMax,
  };
}

/** Ready when the supergraph is loaded and both subgraphs answer (probed as the gateway itself). */
function createGatewayReadiness(config: GatewayConfig, mintIdentity: IdentityMinter, supergraphLoaded: () => boolean): Readiness {
  return createReadiness(
    {
      targets: [
        { name: 'wallet', httpUrl: config.subgraphs.wallet.httpUrl },
        { name: 'balance', httpUrl: config.subgraphs.balance.httpUrl },
      ],
      supergraphLoaded,
      probeHeaders: async () => ({ [INTERNAL_IDENTITY_HEADER]: await mintIdentity(serviceIdentity('gateway-readiness'), undefined) }),
    },
    config,
  );
}

interface GatewayParts {
  readonly httpServer: http.Server;
  readonly ws: { close(): Promise<void> };
  readonly sse: SseHandler;
  readonly executor: SubscriptionExecutor;
  readonly apollo: { stop(): Promise<void> };
  readonly dataSources: { destroy(): Promise<void> };
}

/** Order: stop taking work, end live streams (closing their upstreams), drain, then pools. */
async function stopInOrder(parts: GatewayParts): Promise<void> {
  const { httpServer } = parts;
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  await parts.ws.close();
  parts.sse.close();
  await parts.executor.close();
  httpServer.closeIdleConnections();
  await parts.apollo.stop();
  httpServer.closeAllConnections();
  await closed;
  await parts.dataSources.destroy();
}

export function createGateway(config: GatewayConfig, logger: Logger): Gateway {
  let stopParts: (() => Promise<void>) | undefined;
  let port: number | undefined;
  let supergraphLoaded = false;

  async function start(): Promise<void> {
    const supergraphSdl = await loadSupergraphSdl(config.supergraphPath);
    const planCache = createBoundedCache<QueryPlan>({ sizeBytesMax: config.queryPlanCacheBytesMax, sizeBytesOf: jsonSizeBytes });
    const metrics = createMetrics({ planCacheStats: () => planCache.stats() });
    const warning = devSecretsWarning(config.auth);
    if (warning !== undefined) logger.warn({ variables: warning.variables }, warning.message);
    const { authenticator, mintIdentity } = createCallerAuth(config);
    const dataSources = createSubgraphDataSources({ metrics, mintIdentity, logger }, config);
    const rateLimiter = createGatewayRateLimiter(config);
    const planner = createSubscriptionPlanner({ supergraphSdl, planCache });
    // Every subscription and every SSE stream reservation of this process holds one (GATEWAY_SUBSCRIPTIONS_MAX).
    const slots: Slots = createSlots(config.subscriptionsMax);
    const { demandControl, trustedDocuments } = await createAdmission(config, { planner, metrics, logger });
    const apollo = createApolloServer({ logger, metrics, dataSources, supergraphSdl, planCache, rateLimiter, demandControl, trustedDocuments }, config);
    const executor = createSubscriptionExecutor(
      { planner, dataSources, metrics, logger, slots, callerSlots: createKeyedSlots(config.subscriptionsPerCallerMax), mintIdentity },
      subscriptionExecutorConfig(config),
    );
    const operations = createOperations({ apollo, executor, planner, metrics, demandControl, trustedDocuments }, config);
    await apollo.start();
    supergraphLoaded = true;
    const readiness = createGatewayReadiness(config, mintIdentity, () => supergraphLoaded);
    const sse = createSseHandler({ operations, planner, logger, authenticator, metrics, slots }, sseConfig(config));
    const playground = await createPlayground({ dir: publicDir, runtimeConfig: () => playgroundRuntimeConfig(config) });
    const router = createRouter(
      {
        logger,
        metrics,
        metricsText: createMetricsText(metrics.registry),
        readiness,
        playground,
        graphqlHttp: createGraphqlHttpHandler({ apollo, logger, metrics, authenticator, trustedDocuments }, config.limits),
        sse,
        cors: createCors(config.corsOrigins),
      },
      { graphqlPath },
    );
    const httpServer = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (request, response) => void router(request, response));
    const ws = attachWebSocket({ server: httpServer, operations, planner, logger, authenticator }, webSocketConfig(config));
    port = await listen(httpServer, config.port, config.host);
    stopParts = async () => {
      supergraphLoaded = false;
      await stopInOrder({ httpServer, ws, sse, executor, apollo, dataSources });
    };
    logger.info({ url: `http://${displayHost(config.host)}:${port}${graphqlPath}`, playgroundBuilt: playground.built }, 'gateway listening');
  }

  return {
    start,
    async stop() {
      const stopNow = stopParts;
      stopParts = undefined;
      await stopNow?.();
    },
    get url() {
      if (port === undefined) throw new Error('gateway not started');
      return `http://${displayHost(config.host)}:${port}${graphqlPath}`;
    },
    get wsUrl() {
      if (port === undefined) throw new Error('gateway not started');
      return `ws://${displayHost(config.host)}:${port}${graphqlPath}`;
    },
  };
}
