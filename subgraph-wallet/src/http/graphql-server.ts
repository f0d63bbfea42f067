import type { ApolloServerPlugin } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { lazyChildLogger, type Logger } from '@walletgraph/platform/core';
import { createSubgraphHost, headerOf, type HostReadiness, type SubgraphHost } from '@walletgraph/platform/http';
import { describeIdentity, internalIdentityFromHeaders, type InternalIdentity } from '@walletgraph/platform/auth';
import { GraphQLError, parse } from 'graphql';
import type { WalletContext } from '../resolvers/context.js';
import { resolvers } from '../resolvers/index.js';
import { formatError, isExpectedError } from './errors.js';

export interface GraphqlServerDeps {
  readonly logger: Logger;
  readonly typeDefs: string;
  /** The per-request context without what the host knows (fresh loaders for each request). */
  readonly contextFor: (base: Pick<WalletContext, 'requestId' | 'identity' | 'logger' | 'meta'>) => WalletContext;
  readonly readiness: () => Promise<HostReadiness>;
}

export interface GraphqlServerConfig {
  readonly host: string;
  readonly port: number;
  readonly httpBodyBytesMax: number;
  /** Verifies the gateway's x-walletgraph-identity on every /graphql request. */
  readonly internalSecret: string;
}

/** Logs unexpected resolver errors with the request's id; expected ones (AppError) are the caller's business. */
const errorLoggingPlugin: ApolloServerPlugin<WalletContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          if (!(error instanceof GraphQLError) || error.path === undefined || isExpectedError(error)) continue;
          contextValue.logger.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error in a GraphQL operation');
        }
      },
    };
  },
};

/** The wallet subgraph on platform's host: its schema, its error format, one access line per request. */
export function createGraphqlServer(deps: GraphqlServerDeps, config: GraphqlServerConfig): SubgraphHost {
  return createSubgraphHost<WalletContext, InternalIdentity>(
    {
      logger: deps.logger,
      schema: buildSubgraphSchema([{ typeDefs: parse(deps.typeDefs), resolvers }]),
      authenticate: (request) => internalIdentityFromHeaders(request.headers, config.internalSecret),
      context: ({ requestId, identity, logger, request }) =>
        deps.contextFor({
          requestId,
          identity,
          logger: lazyChildLogger(logger, () => ({ identity: describeIdentity(identity) })),
          meta: { traceparent: headerOf(request.headers, 'traceparent') },
        }),
      readiness: deps.readiness,
      formatError,
      plugins: [errorLoggingPlugin],
    },
    // The wallet writes an access line per request at info (its mutations' audit trail; main.ts
    // makes stdout asynchronous for it).
    { host: config.host, port: config.port, httpBodyBytesMax: config.httpBodyBytesMax, accessLogLevel: 'info' },
  );
}
