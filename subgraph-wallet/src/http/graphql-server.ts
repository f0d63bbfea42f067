import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { AppError, httpStatusByCode, type Logger } from '@walletgraph/platform/core';
import { describeIdentity, type Identity } from '@walletgraph/platform/auth';
import { identityFromRequest } from '../auth/internal-identity.js';
import { GraphQLError, parse } from 'graphql';
import type { WalletContext } from '../resolvers/context.js';
import { resolvers } from '../resolvers/index.js';
import { errorBody, headerOf, readBody, requestIdOf, sendJson } from './node-http.js';
import { formatError, isExpectedError } from './errors.js';

export interface GraphqlServerDeps {
  readonly logger: Logger;
  readonly typeDefs: string;
  /** Builds the per-request context (fresh loaders). */
  readonly contextFor: (requestId: string, logger: Logger, req: IncomingMessage, identity: Identity) => WalletContext;
  /** Readiness: resolves with a body for 200, or throws for 503. */
  readonly readiness: () => Promise<Record<string, unknown>>;
}

export interface GraphqlServerConfig {
  readonly httpBodyBytesMax: number;
  /** Verifies the gateway's x-walletgraph-identity on every /graphql request. */
  readonly internalSecret: string;
}

export interface GraphqlServer {
  readonly server: Server;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

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

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (contentType === undefined || !/application\/(graphql-response\+)?json/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('BAD_USER_INPUT', 'request body is not valid JSON', false);
  }
}

export function createGraphqlServer(deps: GraphqlServerDeps, config: GraphqlServerConfig): GraphqlServer {
  const apollo = new ApolloServer<WalletContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(deps.typeDefs), resolvers }]),
    includeStacktraceInErrorResponses: false,
    formatError,
    // Our own shutdown (installShutdown) owns SIGTERM/SIGINT; Apollo's handler would race it (a
    // second concurrent stop() of @apollo/server 5 never resolves) and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      // No federated tracing (ftv1): we do not report to Apollo, and tracing costs CPU per field.
      ApolloServerPluginInlineTraceDisabled(),
      errorLoggingPlugin,
    ],
    logger: deps.logger,
  });

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, requestId: string, requestLogger: Logger): Promise<void> {
    // Before reading the body: without the gateway's signed identity nothing else happens (401).
    const identity = await identityFromRequest(req, config.internalSecret);
    const logger = requestLogger.child({ identity: describeIdentity(identity) });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readBody(req, config.httpBodyBytesMax);
    const request: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers: toHeaderMap(req),
      search: url.search,
      body: parseBody(text, headerOf(req, 'content-type')),
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => deps.contextFor(requestId, logger, req, identity),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handleHealth(path: string, res: ServerResponse): Promise<void> {
    if (path === '/health/live') return sendJson(res, 200, { status: 'ok' });
    try {
      sendJson(res, 200, { status: 'ok', ...(await deps.readiness()) });
    } catch (error: unknown) {
      sendJson(res, 503, { status: 'unavailable', reason: error instanceof Error ? error.message : 'unknown' });
    }
  }

  const server = createServer((req, res) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    const logger = deps.logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const work =
      path === GRAPHQL_PATH
        ? handleGraphql(req, res, requestId, logger)
        : path === '/health/live' || path === '/health/ready'
          ? handleHealth(path, res)
          : Promise.resolve(sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${path}` }));
    work
      .catch((error: unknown) => {
        if (error instanceof AppError) {
          if (error.code === 'UNAUTHENTICATED') {
            req.resume();
            logger.warn({ reason: error.message }, 'request refused: no valid gateway identity');
          }
          if (!res.headersSent) sendJson(res, httpStatusByCode[error.code], errorBody(error));
          return;
        }
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'internal server error' });
        else res.destroy();
      })
      .finally(() => {
        const durationMs = Math.round(performance.now() - startedAt);
        if (path !== '/health/live' && path !== '/health/ready') logger.info({ method: req.method, path, status: res.statusCode, durationMs }, 'request');
      });
  });

  return {
    server,
    async start() {
      await apollo.start();
    },
    async stop() {
      await apollo.stop();
    },
  };
}
