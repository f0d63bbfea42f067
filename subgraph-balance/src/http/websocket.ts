import type { Server } from 'node:http';
import { assert, UnauthenticatedError, type Logger } from '@walletgraph/platform/core';
import { requestIdFrom, type HostAttachment } from '@walletgraph/platform/http';
import { internalIdentityFromConnectionParams, WS_CLOSE_UNAUTHENTICATED, type Identity } from '@walletgraph/platform/auth';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { MetricName, type Metrics } from '../metrics.js';
import type { BalanceContext, ConnectionState } from '../resolvers/context.js';
import { withEventTrace } from '../live/live-trace.js';

/** Close codes this server uses besides graphql-ws's own. */
export const CloseCode = {
  /** The client read too slowly (socket buffer or update queue over its maximum). */
  ConsumerTooSlow: 4429,
} as const;

export interface WebSocketDeps {
  readonly schema: GraphQLSchema;
  readonly makeContext: (requestId: string, identity: Identity, connection?: ConnectionState) => BalanceContext;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface WebSocketConfig {
  readonly path: string;
  readonly subscriberBufferedBytesMax: number;
  /** Verifies the gateway's signed identity in every connection_init. */
  readonly internalSecret: string;
}

/** graphql-ws on the host's server: the gateway's subscriptions, each socket bounded in what it buffers. */
export function attachWebSocket(server: Server, deps: WebSocketDeps, config: WebSocketConfig): HostAttachment {
  const logger = deps.logger.child({ component: 'subgraph-ws' });
  const wsServer = new WebSocketServer({ server, path: config.path });
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

  const disposable = useServer(
    {
      schema: deps.schema,
      // The gateway signs the caller's identity into connection_init; without it the socket closes with 4401.
      onConnect: async (ctx) => {
        try {
          const identity = await internalIdentityFromConnectionParams(ctx.connectionParams, config.internalSecret);
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
        const identity = identities.get(ctx.extra.socket);
        // graphql-ws builds a context only after onConnect accepted the socket.
        assert(identity !== undefined, 'operation on an unauthenticated socket');
        return deps.makeContext(requestIdFrom(ctx.extra.request.headers), identity, connectionOf(ctx.extra.socket));
      },
      onNext: (ctx, _id, _payload, args, result) => {
        if (ctx.extra.socket.bufferedAmount > config.subscriberBufferedBytesMax) closeSlow(ctx.extra.socket);
        // The update's trace goes to the gateway in extensions.traceContext (it continues it in its push).
        return withEventTrace(args.contextValue, result as ExecutionResult);
      },
    },
    wsServer,
  );

  return {
    async stop() {
      await disposable.dispose();
      for (const client of wsServer.clients) client.terminate();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
