import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { UnauthenticatedError, type Logger } from '@walletgraph/platform/core';
import { describeIdentity, type Identity } from '@walletgraph/platform/auth';
import { identityFromConnectionParams, identityFromHeaders, WS_CLOSE_UNAUTHENTICATED } from '../auth/internal-identity.js';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { MetricName, type Metrics } from '../metrics.js';
import type { BalanceContext, ConnectionState } from '../resolvers/context.js';
import { handleGraphqlHttp } from './graphql-http.js';
import { requestIdOf, sendJson } from './request.js';

/** Close codes this server uses besides graphql-ws's own. */
export const CloseCode = {
  /** The client read too slowly (socket buffer or update queue over its maximum). */
  ConsumerTooSlow: 4429,
} as const;

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface SubgraphServerDeps {
  readonly schema: GraphQLSchema;
  readonly makeContext: (requestId: string, identity: Identity, connection?: ConnectionState) => BalanceContext;
  readonly readiness: () => Promise<Readiness>;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface SubgraphServerConfig {
  readonly host: string;
  readonly port: number;
  readonly httpBodyBytesMax: number;
  readonly subscriberBufferedBytesMax: number;
  /** Verifies the gateway's signed identity on every HTTP request and WebSocket connection. */
  readonly internalSecret: string;
}

export interface SubgraphServer {
  /** Listens; resolves to the bound port (the configured one, or a free one for port 0). */
  start(): Promise<number>;
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

export function createSubgraphServer(deps: SubgraphServerDeps, config: SubgraphServerConfig): SubgraphServer {
  const logger = deps.logger.child({ component: 'subgraph-http' });
  const httpServer: Server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, JSON.stringify({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' }));
      else response.destroy();
    });
  });
  const apollo = new ApolloServer<BalanceContext>({
    // Our own shutdown (installShutdown) owns SIGTERM/SIGINT; Apollo's handler would race it (a
    // second concurrent stop() of @apollo/server 5 never resolves) and re-raise the signal.
    stopOnTerminationSignals: false,
    schema: deps.schema,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const connections = new WeakMap<WebSocket, ConnectionState>();
  const identities = new WeakMap<WebSocket, Identity>();

  function closeSlow(socket: WebSocket): void {
    if (socket.readyState !== socket.OPEN) return;
    deps.metrics.increment(MetricName.subscribersClosedSlow);
    logger.warn({ bufferedBytes: socket.bufferedAmount }, 'closing a WebSocket client that reads too slowly');
    socket.close(CloseCode.ConsumerTooSlow, 'consumer too slow');
  }

  function connectionOf(socket: WebSocket): ConnectionState {
    let state = connections.get(socket);
    if (state === undefined) {
      state = { subscriptionCount: 0, closeSlow: () => closeSlow(socket) };
      connections.set(socket, state);
    }
    return state;
  }

  const wsDisposable = useServer(
    {
      schema: deps.schema,
      // The gateway signs the caller's identity into connection_init; without it the socket closes with 4401.
      onConnect: async (ctx) => {
        try {
          const identity = await identityFromConnectionParams(ctx.connectionParams, config.internalSecret);
          identities.set(ctx.extra.socket, identity);
          return true;
        } catch (error: unknown) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          logger.warn({ reason: error.message }, 'WebSocket refused: no valid gateway identity');
          ctx.extra.socket.close(WS_CLOSE_UNAUTHENTICATED, 'Unauthorized');
          return false;
        }
      },
      context: (ctx) => {
        const requestId = requestIdOf(ctx.extra.request);
        const identity = identities.get(ctx.extra.socket);
        // graphql-ws builds a context only after onConnect accepted the socket.
        if (identity === undefined) throw new Error('invariant violated: operation on an unauthenticated socket');
        return deps.makeContext(requestId, identity, connectionOf(ctx.extra.socket));
      },
      onNext: (ctx) => {
        if (ctx.extra.socket.bufferedAmount > config.subscriberBufferedBytesMax) closeSlow(ctx.extra.socket);
      },
    },
    wsServer,
  );

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = requestIdOf(request);
    response.setHeader('x-request-id', requestId);
    const url = new URL(request.url ?? '/', 'http://localhost');
    logger.debug({ requestId, method: request.method, path: url.pathname }, 'request');
    if (url.pathname === '/health/live') return sendJson(response, 200, '{"status":"ok"}');
    if (url.pathname === '/health/ready') {
      const readiness = await deps.readiness();
      return sendJson(response, readiness.ready ? 200 : 503, JSON.stringify({ status: readiness.ready ? 'ok' : 'unavailable', checks: readiness.checks }));
    }
    if (url.pathname === '/metrics') {
      response.setHeader('content-type', 'text/plain; version=0.0.4');
      response.end(deps.metrics.render());
      return;
    }
    if (url.pathname === GRAPHQL_PATH) {
      let identity: Identity;
      try {
        identity = await identityFromHeaders(request.headers, config.internalSecret);
      } catch (error: unknown) {
        if (!(error instanceof UnauthenticatedError)) throw error;
        logger.warn({ requestId, reason: error.message }, 'request refused: no valid gateway identity');
        request.resume();
        return sendJson(response, 401, JSON.stringify({ code: error.code, message: error.message }));
      }
      logger.debug({ requestId, identity: describeIdentity(identity) }, 'graphql request');
      return handleGraphqlHttp(apollo, request, response, url, () => deps.makeContext(requestId, identity), config.httpBodyBytesMax);
    }
    sendJson(response, 404, JSON.stringify({ code: 'NOT_FOUND', message: `no route ${url.pathname}` }));
  }

  return {
    async start() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const port = (httpServer.address() as AddressInfo).port;
      logger.info({ port, path: GRAPHQL_PATH }, 'subgraph listening (HTTP and WebSocket)');
      return port;
    },
    async stop() {
      await wsDisposable.dispose();
      for (const client of wsServer.clients) client.terminate();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      // Apollo's drain plugin closes the http server, waiting for requests in flight.
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
