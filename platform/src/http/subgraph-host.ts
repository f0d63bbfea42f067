import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerOptions, type ApolloServerPlugin, type BaseContext, type GraphQLRequestListener } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import { BadUserInputError, ErrorCode, httpStatusByCode, isAppError, lazyChildLogger, type Logger } from '../core/index.js';
import { errorBody, listen, readBody, requestIdFrom, sendJson } from './node-http.js';
import { endServerSpan, operationSpanPlugin, startServerSpan } from './server-span.js';
import { context } from '@opentelemetry/api';

/** One authenticated GraphQL request, as the subgraph's context builder sees it. */
export interface SubgraphRequest<TIdentity> {
  readonly requestId: string;
  readonly identity: TIdentity;
  /** The host's logger with the request id bound. */
  readonly logger: Logger;
  readonly request: IncomingMessage;
}

/** What /health/ready answers: 200 `{ status: 'ok', ...details }` when ready, else 503 `{ status: 'unavailable', ...details }`. */
export interface HostReadiness {
  readonly ready: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Another protocol on the same server (graphql-ws), stopped before Apollo drains HTTP. */
export interface HostAttachment {
  stop(): Promise<void>;
}

export interface SubgraphHostDeps<TContext extends BaseContext, TIdentity> {
  readonly logger: Logger;
  readonly schema: GraphQLSchema;
  /**
   * The caller of /graphql, before the body is read (the gateway's signed identity); an
   * UnauthenticatedError is answered 401 `{ code, message }` and nothing else happens.
   */
  readonly authenticate: (request: IncomingMessage) => Promise<TIdentity>;
  readonly context: (request: SubgraphRequest<TIdentity>) => TContext;
  /** A readiness that throws is answered 503 `{ status: 'unavailable', reason }`. */
  readonly readiness: () => Promise<HostReadiness>;
  readonly formatError?: ApolloServerOptions<TContext>['formatError'];
  readonly plugins?: readonly ApolloServerPlugin<TContext>[];
  /** Prometheus text for GET /metrics; without it /metrics is 404 like any unknown path. */
  readonly metricsText?: () => string;
  readonly attach?: (server: Server) => HostAttachment;
}

export interface SubgraphHostConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly httpBodyBytesMax: number;
  /** The level of the one access line per request (health checks are never logged). */
  readonly accessLogLevel: 'info' | 'debug';
}

export interface SubgraphHost {
  /** Starts Apollo, then listens; resolves to the bound port. */
  start(): Promise<number>;
  /** Stops the attachment, then Apollo, which closes the server after the requests in flight. */
  stop(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';
const HEALTH_PATHS: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);

function toHeaderMap(request: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** JSON when the content type says so (Apollo refuses a POST that is not); anything else as text. */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0 || contentType === undefined || !/json/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadUserInputError('request body is not valid JSON');
  }
}

/**
 * `cache-control: no-store` on every GraphQL response, as Apollo's cache-control plugin answers when
 * no field carries a cache hint (our schemas have none): what the gateway narrows its policy by.
 */
export function uncacheableResponsePlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  // One listener for all requests: it keeps no per-request state.
  const listener: GraphQLRequestListener<TContext> = {
    willSendResponse({ response }) {
      if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
      return Promise.resolve();
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

/** Apollo Server as both subgraphs run it. */
function createApollo<TContext extends BaseContext>(
  deps: Pick<SubgraphHostDeps<TContext, never>, 'schema' | 'formatError' | 'plugins'>,
  server: Server,
  logger: Logger,
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: deps.schema,
    includeStacktraceInErrorResponses: false,
    // Our own shutdown (installShutdown) owns SIGTERM/SIGINT; Apollo's handler would race it (a
    // second concurrent stop() of @apollo/server 5 never resolves) and re-raise the signal.
    stopOnTerminationSignals: false,
    ...(deps.formatError === undefined ? {} : { formatError: deps.formatError }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      // No federated tracing (ftv1): we do not report to Apollo, and tracing costs CPU per field.
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's cache-control plugin hooks every resolved field to compute a policy that, without any
      // cache hint in our schemas, is always "no-store"; the header is set once per response instead.
      ApolloServerPluginCacheControlDisabled(),
      uncacheableResponsePlugin<TContext>(),
      operationSpanPlugin<TContext>(),
      ...(deps.plugins ?? []),
    ],
    logger,
  });
}

/** Hands one request with its body to Apollo and writes Apollo's answer (complete or streamed). */
async function answerWithApollo<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  context: () => TContext,
): Promise<void> {
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: (request.method ?? 'GET').toUpperCase(),
      headers: toHeaderMap(request),
      search: new URL(request.url ?? '/', 'http://localhost').search,
      body,
    },
    context: () => new Promise((resolve) => resolve(context())),
  });
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    // With its length known, Node writes head and body at once instead of a chunked body.
    response.setHeader('content-length', Buffer.byteLength(result.body.string));
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

async function answerReady(readiness: () => Promise<HostReadiness>, response: ServerResponse): Promise<void> {
  try {
    const { ready, details } = await readiness();
    sendJson(response, ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', ...details });
  } catch (error: unknown) {
    sendJson(response, 503, { status: 'unavailable', reason: error instanceof Error ? error.message : 'unknown' });
  }
}

/** An AppError is the caller's answer ({ code, message } with its status); anything else is a 500 without internals. */
function refuse(error: unknown, request: IncomingMessage, response: ServerResponse, logger: Logger): void {
  if (isAppError(error)) {
    if (error.code === ErrorCode.UNAUTHENTICATED) {
      request.resume();
      logger.warn({ reason: error.message }, 'request refused: no valid gateway identity');
    }
    if (!response.headersSent) sendJson(response, httpStatusByCode[error.code], errorBody(error));
    return;
  }
  logger.error({ err: error }, 'request failed');
  if (!response.headersSent) sendJson(response, 500, { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal server error' });
  else response.destroy();
}

/**
 * The HTTP host of a subgraph: GraphQL over HTTP on /graphql behind the gateway's identity,
 * /health/live, /health/ready, optionally /metrics, and an attachment (graphql-ws) on the same
 * port. Refusals before GraphQL runs are JSON `{ code, message }` with the code's HTTP status.
 */
export function createSubgraphHost<TContext extends BaseContext, TIdentity>(
  deps: SubgraphHostDeps<TContext, TIdentity>,
  config: SubgraphHostConfig,
): SubgraphHost {
  const logger = deps.logger.child({ component: 'subgraph-http' });
  const server = createServer((request, response) => serve(request, response));
  const apollo = createApollo<TContext>(deps, server, logger);
  const attachment = deps.attach?.(server);
  let apolloStarted = false;

  async function handleGraphql(request: IncomingMessage, response: ServerResponse, requestId: string, requestLogger: Logger): Promise<void> {
    // Before reading the body: without the gateway's signed identity nothing else happens (401).
    const identity = await deps.authenticate(request);
    const body = parseBody(await readBody(request, config.httpBodyBytesMax), request.headers['content-type']);
    await answerWithApollo(apollo, request, response, body, () => deps.context({ requestId, identity, logger: requestLogger, request }));
  }

  async function route(request: IncomingMessage, response: ServerResponse, path: string, requestId: string, requestLogger: Logger): Promise<void> {
    if (path === GRAPHQL_PATH) return handleGraphql(request, response, requestId, requestLogger);
    if (path === '/health/live') return sendJson(response, 200, { status: 'ok' });
    if (path === '/health/ready') return answerReady(deps.readiness, response);
    if (path === '/metrics' && deps.metricsText !== undefined) {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(deps.metricsText());
      return;
    }
    sendJson(response, 404, { code: ErrorCode.NOT_FOUND, message: `no route ${path}` });
  }

  function serve(request: IncomingMessage, response: ServerResponse): void {
    const startedAt = performance.now();
    const requestId = requestIdFrom(request.headers);
    // Made on first use: a request that logs nothing (the access line below a disabled level) pays no child.
    const requestLogger = lazyChildLogger(logger, () => ({ requestId }));
    response.setHeader('x-request-id', requestId);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // Health checks get no span: a poll every few seconds would drown the traces that matter.
    const traced = HEALTH_PATHS.has(path) ? undefined : startServerSpan(request, path);
    // Callbacks of the request's promise run outside its context: each enters the span itself, so
    // its log lines carry trace_id and span_id too (a refusal's included).
    const inSpan = <T>(fn: () => T): T => (traced === undefined ? fn() : context.with(traced.context, fn));
    inSpan(() => route(request, response, path, requestId, requestLogger))
      .catch((error: unknown) => inSpan(() => refuse(error, request, response, requestLogger)))
      .finally(() => {
        if (traced !== undefined) endServerSpan(traced.span, response);
        if (HEALTH_PATHS.has(path) || !logger.isLevelEnabled(config.accessLogLevel)) return;
        inSpan(() =>
          requestLogger[config.accessLogLevel](
            { method: request.method, path, status: response.statusCode, durationMs: Math.round(performance.now() - startedAt) },
            'request',
          ),
        );
      });
  }

  return {
    async start() {
      await apollo.start();
      apolloStarted = true;
      const port = await listen(server, config.port, config.host);
      logger.info({ port, path: GRAPHQL_PATH, attachment: attachment !== undefined }, 'subgraph listening');
      return port;
    },
    async stop() {
      await attachment?.stop();
      // The drain plugin closes the server, waiting for the requests in flight. Apollo refuses a
      // stop() before a successful start() (a start that failed half-way is stopped too).
      if (apolloStarted) await apollo.stop();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
