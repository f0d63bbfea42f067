import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { assert, UnauthenticatedError, type Logger } from '@walletgraph/platform/core';
import { WS_CLOSE_TOKEN_EXPIRED, WS_CLOSE_UNAUTHENTICATED, type Authenticator, type Credentials } from '../auth/authenticator.js';
import { atDeadline, tokenExpiredError } from '../auth/token-expiry.js';
import { createGatewayContext } from '../context/request-context.js';
import { headersWithConnectionParams } from './connection-headers.js';
import { createNumberTextCapture } from './number-text-capture.js';
import { executionArgsOf, isPreparedOperation, type Operations } from './operations.js';
import type { SubscriptionPlanner } from './planner.js';
import { createSlots, type Slots } from './slots.js';
import { createConnectionBounds, type ConnectionBounds } from './connection-bounds.js';
import { callerKeyOf } from '../auth/caller-key.js';

export interface WebSocketConfig {
  readonly path: string;
  readonly subscriptionsPerConnectionMax: number;
  /** Largest message accepted from a client (same bound as an HTTP body). */
  readonly messageBytesMax: number;
  /** Ping interval that detects dead clients. */
  readonly keepAliveMs: number;
  /** Open WebSockets of the process (GATEWAY_WS_CONNECTIONS_MAX): past it the upgrade is answered 503. */
  readonly connectionsMax: number;
  /** Authenticated WebSockets of one caller (GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX): past it, close 1013. */
  readonly connectionsPerCallerMax: number;
}

export interface WebSocketDeps {
  readonly server: Server;
  readonly operations: Operations;
  readonly planner: SubscriptionPlanner;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
}

/** ws keeps the close code it chose for a protocol error under this symbol's description. */
function statusCodeSymbolOf(error: object): symbol | undefined {
  return Object.getOwnPropertySymbols(error).find((symbol) => symbol.description === 'status-code');
}

type SocketContext = Context<Record<string, unknown> | undefined, Extra & Partial<{ socket: WebSocket; request: IncomingMessage }>>;

/** What onConnect learned about each socket, for its subscriptions. */
interface SocketState {
  readonly slotsBySocket: WeakMap<WebSocket, Slots>;
  readonly credentialsBySocket: WeakMap<WebSocket, Credentials>;
  readonly bounds: ConnectionBounds;
}

const isExpired = (credentials: Credentials): boolean => credentials.expiresAtMs !== undefined && Date.now() >= credentials.expiresAtMs;

/** Upgrades requests on `path` only (anything else gets a 404), while the process is under its connection bound (else 503). */
function upgradeOnPath(wss: WebSocketServer, path: string, bounds: ConnectionBounds, logger: Logger) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = new URL(request.url ?? '/', 'http://gateway.local').pathname;
    if (pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    if (!bounds.admitUpgrade(socket)) {
      logger.warn({ connectionsMax: bounds.max }, 'WebSocket refused: the process holds its maximum of connections');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      bounds.track(ws);
      wss.emit('connection', ws, request);
    });
  };
}

/**
 * Authenticated once, in connection_init; a bad, missing or expired token closes the socket
 * with 4401. The connection lives as long as its token: at `exp` it is closed with 4403.
 */
async function acceptConnection(deps: WebSocketDeps, config: WebSocketConfig, state: SocketState, ctx: SocketContext): Promise<boolean> {
  const { socket } = ctx.extra;
  let credentials: Credentials;
  try {
    credentials = await deps.authenticator.fromConnectionParams(ctx.connectionParams ?? undefined, ctx.extra.request.headers);
    // The verifier tolerates a little clock skew; a connection must not start on a token already past exp.
    if (isExpired(credentials)) throw new UnauthenticatedError('token has expired');
  } catch (error: unknown) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    deps.logger.info({ reason: error.message }, 'WebSocket refused: not authenticated');
    socket.close(WS_CLOSE_UNAUTHENTICATED, `Unauthorized: ${error.message}`.slice(0, 120));
    return false;
  }
  if (!state.bounds.admitCaller(socket, callerKeyOf(credentials.identity))) {
    deps.logger.info({ connectionsPerCallerMax: config.connectionsPerCallerMax }, 'WebSocket refused: the caller holds its maximum of connections');
    return false;
  }
  state.credentialsBySocket.set(socket, credentials);
  state.slotsBySocket.set(socket, createSlots(config.subscriptionsPerConnectionMax));
  if (credentials.expiresAtMs !== undefined) {
    const cancel = atDeadline(credentials.expiresAtMs, () => {
      deps.logger.info('WebSocket closed: its token expired');
      socket.close(WS_CLOSE_TOKEN_EXPIRED, 'Forbidden: token expired, reconnect with a fresh one');
    });
    socket.once('close', cancel);
  }
  return true;
}

/** graphql-ws's onSubscribe: the operation prepared for the socket's caller, or its errors. */
function prepareOnSocket(
  deps: WebSocketDeps,
  state: SocketState,
  numberTexts: ReturnType<typeof createNumberTextCapture>,
  ctx: SocketContext,
  id: string,
  payload: SubscribePayload,
) {
  const credentials = state.credentialsBySocket.get(ctx.extra.socket);
  // graphql-ws never runs onSubscribe before a successful onConnect; missing credentials are a bug.
  assert(credentials !== undefined, 'subscribe on an unauthenticated socket');
  // Between exp and the close: refuse rather than serve on an expired token.
  if (isExpired(credentials)) return [tokenExpiredError()];
  const headers = headersWithConnectionParams(ctx.extra.request.headers, ctx.connectionParams ?? undefined);
  const context = createGatewayContext(headers, deps.logger, credentials.identity);
  const variables = numberTexts.take(ctx.extra.socket, id) ?? payload.variables;
  const prepared = deps.operations.prepare({ ...payload, variables }, context, 'ws', state.slotsBySocket.get(ctx.extra.socket));
  // Through the same error policy as every event (limit codes kept, `http` left out, production masking).
  if (!isPreparedOperation(prepared)) return deps.operations.formatErrors(prepared);
  return executionArgsOf(prepared, deps.planner.apiSchema);
}

/**
 * graphql-ws's adapter prints every socket error with its stack to the console ("Internal error
 * emitted on a WebSocket socket"). They are the client's protocol errors (a frame over
 * maxPayload, invalid UTF-8, a bad opcode) and ws has already closed the socket with the matching
 * code (1009, 1007, 1002): one structured line instead. Registered after useServer's listener,
 * so it replaces the adapter's handler on every socket.
 */
function logProtocolErrors(wss: WebSocketServer, logger: Logger): void {
  wss.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error) => {
      const symbol = statusCodeSymbolOf(error);
      const closeCode = symbol === undefined ? undefined : (error as unknown as Record<symbol, unknown>)[symbol];
      logger.warn({ code: (error as NodeJS.ErrnoException).code, closeCode, reason: error.message }, 'WebSocket closed: protocol error from the client');
      if (socket.readyState === socket.OPEN) socket.close(1011, 'Internal server error');
    });
  });
}

/** graphql-transport-ws on the gateway's own HTTP server and path. */
export function attachWebSocket(deps: WebSocketDeps, config: WebSocketConfig) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.messageBytesMax });
  const bounds = createConnectionBounds(config);
  const onUpgrade = upgradeOnPath(wss, config.path, bounds, deps.logger);
  deps.server.on('upgrade', onUpgrade);

  const numberTexts = createNumberTextCapture(wss);
  const state: SocketState = { slotsBySocket: new WeakMap(), credentialsBySocket: new WeakMap(), bounds };
  const run = (args: ExecutionArgs) =>
    isPreparedOperation(args.contextValue)
      ? deps.operations.run(args.contextValue)
      : { errors: [new GraphQLError('operation was not prepared by the gateway', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };

  const server = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: deps.planner.apiSchema,
      onConnect: (ctx) => acceptConnection(deps, config, state, ctx),
      onSubscribe: (ctx, id, payload) => prepareOnSocket(deps, state, numberTexts, ctx, id, payload),
      execute: run,
      subscribe: run,
      // graphql-ws's ExecutionResult is graphql's with `| undefined` on each optional field.
      onNext: (_ctx, _id, _payload, _args, result) => asSent(deps.operations.format(result as ExecutionResult)),
    },
    wss,
    config.keepAliveMs,
  );
  logProtocolErrors(wss, deps.logger);

  return {
    async close(): Promise<void> {
      deps.server.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}

/** graphql-ws sends what onNext returns through JSON.stringify, where a GraphQLError serialises itself (toJSON): the same text. */
function asSent(result: ExecutionResult): FormattedExecutionResult {
  const { errors, ...rest } = result;
  return errors === undefined ? rest : { ...rest, errors: errors.map((error) => error.toJSON()) };
}
