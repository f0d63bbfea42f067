import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { assert, type Logger } from '@walletgraph/platform/core';
import type { GatewayConfig } from '../config.js';
import { createBoundedCache, stringSizeBytes, type BoundedCache } from '../cache/bounded-cache.js';
import type { SubgraphDataSources } from '../subgraphs/data-sources.js';
import { createFormatError } from './format-error.js';
import { createInputPlugin } from '../inputs/plugin.js';
import { installInputScalars } from '../inputs/scalars.js';
import { createLimitsRule } from '../limits/limits.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { createOperationPlugin } from './operation-plugin.js';
import { operationSpanPlugin } from '@walletgraph/platform/http';
import { trace } from '@walletgraph/platform/tracing';
import { planCacheLookedUp, queryPlanResolved, traceExecutor } from '../context/operation-trace.js';
import { createObservabilityPlugin } from './plugins.js';
import { createRateLimitPlugin, RATE_LIMITED, type RateLimiter } from '../auth/rate-limit.js';
import type { GatewayContext } from '../context/request-context.js';
import type { QueryPlan } from '@apollo/query-planner';
import { createDemandControlPlugin, type DemandControl } from '../cost/demand-control.js';
import { createTrustedDocumentsPlugin, withTrustedDocuments } from '../trusted-documents/plugin.js';
import type { TrustedDocumentPolicy } from '../trusted-documents/policy.js';

export interface ApolloDeps {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly dataSources: SubgraphDataSources;
  readonly supergraphSdl: string;
  /** Shared with the subscription planner. */
  readonly planCache: BoundedCache<QueryPlan>;
  readonly rateLimiter: RateLimiter;
  /** Absent with GATEWAY_COST_MODE=off. */
  readonly demandControl: DemandControl | undefined;
  readonly trustedDocuments: TrustedDocumentPolicy;
}

export type ApolloConfig = Pick<GatewayConfig, 'limits' | 'apqCacheBytesMax' | 'introspection' | 'errorDetails' | 'rateLimit' | 'trustedDocuments'>;

/** Apollo's recommended CSRF-prevention headers, and the bearer token's. */
const csrfPreventionHeaders = ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] as const;

/** Adapts pino to Apollo's logger interface. */
function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}

export function createApolloServer(deps: ApolloDeps, config: ApolloConfig): ApolloServer<GatewayContext> {
  const { planCache } = deps;
  const countingPlanCache = {
    ...planCache,
    get: (key: string) =>
      new Promise<ReturnType<typeof planCache.getSync>>((resolve) => {
        const plan = planCache.getSync(key);
        deps.metrics.queryPlanCacheLookupCount.inc({ result: plan === undefined ? 'miss' : 'hit' });
        planCacheLookedUp(plan !== undefined);
        resolve(plan);
      }),
  };
  const gateway = new ApolloGateway({
    supergraphSdl: deps.supergraphSdl,
    logger: apolloLogger(deps.logger),
    queryPlannerConfig: { cache: countingPlanCache },
    buildService: ({ name }) => {
      const dataSource = deps.dataSources.byName.get(name);
      assert(dataSource !== undefined, `the supergraph names subgraph "${name}" but config has no URL for it`);
      return dataSource;
    },
    // The gateway's own spans (context/operation-trace.ts): execution starts once the plan is there.
    experimental_didResolveQueryPlan: ({ requestContext }) => queryPlanResolved(requestContext),
  });
  // Before Apollo Server subscribes, so the schema it validates with already has the input rules.
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => installInputScalars(apiSchema));
  return new ApolloServer<GatewayContext>({
    // Apollo Gateway with its executor wrapped in the operation's spans (a request without a
    // recorded span goes straight through).
    gateway: {
      load: async (options) => {
        const loaded = await gateway.load(options);
        return { ...loaded, executor: traceExecutor(loaded.executor) };
      },
      onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
      stop: () => gateway.stop(),
    },
    logger: apolloLogger(deps.logger),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: config.errorDetails,
    // A request carrying `authorization` (not a CORS-safelisted header) is always preflighted by a
    // browser, so it counts as proof like Apollo's own two headers; every operation here needs one,
    // which lets a plain GET (urql's default for queries) through, and still blocks a simple one.
    csrfPrevention: { requestHeaders: [...csrfPreventionHeaders] },
    // Our own shutdown (installShutdown) owns SIGTERM/SIGINT; Apollo's handler would race it (a
    // second concurrent stop() of @apollo/server 5 never resolves) and re-raise the signal.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: true,
    validationRules: [createLimitsRule(config.limits, (error) => deps.metrics.limitRejectionCount.inc({ limit: error.code }))],
    persistedQueries: {
      cache: withTrustedDocuments(
        createBoundedCache<string>({ sizeBytesMax: config.apqCacheBytesMax, sizeBytesOf: stringSizeBytes }),
        deps.trustedDocuments.documents,
      ),
      ttl: null,
    },
    formatError: createFormatError(config),
    // Apollo runs every plugin's didResolveOperation, all before the plan runs; any refusal is the
    // answer. They start in this order, each running to completion (none awaits), so the input
    // plugin goes first: it turns the number texts of the variables (a `first` sent as 1e2) into the
    // numbers the others read. After it, demand control saw `first: 1e2` as no value at all and
    // estimated the assumed 20 items instead of 100.
    plugins: [
      createInputPlugin(),
      createOperationPlugin(),
      ...(config.trustedDocuments.mode === 'off'
        ? []
        : [
            createTrustedDocumentsPlugin({ policy: deps.trustedDocuments, onRejected: (error) => deps.metrics.limitRejectionCount.inc({ limit: error.code }) }),
          ]),
      ...(deps.demandControl === undefined ? [] : [createDemandControlPlugin(deps.demandControl)]),
      createRateLimitPlugin({ limiter: deps.rateLimiter, onRejected: () => deps.metrics.limitRejectionCount.inc({ limit: RATE_LIMITED }) }, config.rateLimit),
      createObservabilityPlugin(deps),
      operationSpanPlugin<GatewayContext>((contextValue) => (contextValue.traceContext === undefined ? undefined : trace.getSpan(contextValue.traceContext))),
    ],
  });
}
