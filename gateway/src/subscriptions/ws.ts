import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@walletgraph/platform';
import { createGatewayContext } from '../http/request-context.js';
import { headersWithConnectionParams } from './connection-headers.js';
import { isPreparedOperation, type Operations } from './operations.js';
import type { SubscriptionPlanner } from './planner.js';
import { createSlots, type Slots } from './slots.js';

export interface WebSocketConfig {
  readonly path: string;
  readonly subscriptionsPerConnectionMax: number;
  /** Largest message accepted from a client (same bound as an HTTP body). */
  readonly messageBytesMax: number;
  /** Ping interval that detects dead clients. */
  readonly keepAliveMs: number;
}

export interface WebSocketDeps {
  readonly server: Server;
  readonly operations: Operations;
  readonly planner: SubscriptionPlanner;
  readonly logger: Logger;
}

/** graphql-transport-ws on the gateway's own HTTP server and path. */
export function attachWebSocket(deps: WebSocketDeps, config: WebSocketConfig) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.messageBytesMax });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = new URL(request.url ?? '/', 'http://gateway.local').pathname;
    if (pathname !== config.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  deps.server.on('upgrade', onUpgrade);

  const slotsBySocket = new WeakMap<WebSocket, Slots>();
  const run = (args: ExecutionArgs) =>
    isPreparedOperation(args.contextValue)
      ? deps.operations.run(args.contextValue)
      : { errors: [new GraphQLError('operation was not prepared by the gateway', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };

  const server = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: deps.planner.apiSchema,
      onConnect: (ctx) => {
        slotsBySocket.set(ctx.extra.socket, createSlots(config.subscriptionsPerConnectionMax));
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const headers = headersWithConnectionParams(ctx.extra.request.headers, ctx.connectionParams ?? undefined);
        const context = createGatewayContext(headers, deps.logger);
        const prepared = deps.operations.prepare(payload, context, 'ws', slotsBySocket.get(ctx.extra.socket));
        if (!isPreparedOperation(prepared)) return prepared;
        return { schema: deps.planner.apiSchema, document: prepared.document, operationName: prepared.operationName, variableValues: prepared.variables, contextValue: prepared };
      },
      execute: run,
      subscribe: run,
      onNext: (_ctx, _id, _payload, _args, result) => deps.operations.format(result),
    },
    wss,
    config.keepAliveMs,
  );

  return {
    async close(): Promise<void> {
      deps.server.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}
