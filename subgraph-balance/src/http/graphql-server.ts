import type { Logger } from '@walletgraph/platform/core';
import { createSubgraphHost, GRAPHQL_PATH, type SubgraphHost } from '@walletgraph/platform/http';
import { internalIdentityFromHeaders, type Identity, type InternalIdentity } from '@walletgraph/platform/auth';
import type { GraphQLSchema } from 'graphql';
import type { Metrics } from '../metrics.js';
import type { BalanceContext, ConnectionState } from '../resolvers/context.js';
import { attachWebSocket } from './websocket.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface GraphqlServerDeps {
  readonly schema: GraphQLSchema;
  readonly makeContext: (requestId: string, identity: Identity, connection?: ConnectionState) => BalanceContext;
  readonly readiness: () => Promise<Readiness>;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface GraphqlServerConfig {
  readonly host: string;
  readonly port: number;
  readonly httpBodyBytesMax: number;
  readonly subscriberBufferedBytesMax: number;
  /** Verifies the gateway's signed identity on every HTTP request and WebSocket connection. */
  readonly internalSecret: string;
}

/** The balance subgraph on platform's host: GraphQL over HTTP, graphql-ws on the same port, /metrics. */
export function createGraphqlServer(deps: GraphqlServerDeps, config: GraphqlServerConfig): SubgraphHost {
  return createSubgraphHost<BalanceContext, InternalIdentity>(
    {
      logger: deps.logger,
      schema: deps.schema,
      authenticate: (request) => internalIdentityFromHeaders(request.headers, config.internalSecret),
      context: ({ requestId, identity }) => deps.makeContext(requestId, identity),
      readiness: async () => {
        const readiness = await deps.readiness();
        return { ready: readiness.ready, details: { checks: readiness.checks } };
      },
      metricsText: () => deps.metrics.render(),
      attach: (server) =>
        attachWebSocket(server, deps, {
          path: GRAPHQL_PATH,
          subscriberBufferedBytesMax: config.subscriberBufferedBytesMax,
          internalSecret: config.internalSecret,
        }),
    },
    { host: config.host, port: config.port, httpBodyBytesMax: config.httpBodyBytesMax, accessLogLevel: 'debug' },
  );
}
