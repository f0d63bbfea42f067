import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@walletgraph/platform/core';
import { endServerSpan, startServerSpan } from '@walletgraph/platform/http';
import { context, explicitTracingContext, type Context } from '@walletgraph/platform/tracing';
import type { Playground } from '../playground/serve.js';
import { wantsPlayground } from '../playground/serve.js';
import { sendJson } from './body.js';
import type { Cors } from './cors.js';
import { handleLive, handleReady, type Readiness } from './health.js';
import type { GatewayMetrics } from '../metrics/metrics.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;
/** GraphQL over HTTP; `traceContext`: the request's recorded SERVER span, with explicit tracing context only. */
export type GraphqlHandler = (request: IncomingMessage, response: ServerResponse, traceContext?: Context) => Promise<void>;

/** A GraphQL transport that claims some /graphql requests for itself (graphql-sse's). */
export interface ClaimingHandler {
  accepts(request: IncomingMessage): boolean;
  readonly handle: Handler;
}

export interface RouterDeps {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** This process's metrics, or the whole cluster's when running as a worker. */
  readonly metricsText: () => Promise<string>;
  readonly readiness: Readiness;
  readonly playground: Playground;
  readonly graphqlHttp: GraphqlHandler;
  /** Server-Sent Events (subscriptions/sse.ts), handed in so HTTP stays below the subscriptions layer. */
  readonly sse: ClaimingHandler;
  readonly cors: Cors;
}

/**
 * A GraphQL request's SERVER span: a child of the caller's `traceparent`, or the root of a new trace.
 * With explicit tracing context (the default) no context is entered (it would cover only the
 * handler's synchronous start): a recorded span is handed to the handler, which makes the request's
 * other spans under it (context/operation-trace.ts); otherwise the span's context is the active one.
 */
async function tracedGraphqlHttp(handler: GraphqlHandler, request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
  const traced = startServerSpan(request, pathname);
  // W3C Trace Context level 2: the caller learns its request's trace id (to open it in Zipkin).
  const { traceId, spanId, traceFlags } = traced.span.spanContext();
  const recording = traced.span.isRecording();
  if (recording) response.setHeader('traceresponse', `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`);
  try {
    if (explicitTracingContext()) await handler(request, response, recording ? traced.context : undefined);
    else await context.with(traced.context, () => handler(request, response));
  } finally {
    endServerSpan(traced.span, response);
  }
}

/**
 * One path per concern; /graphql picks SSE (only what graphql-sse's clients send, see
 * subscriptions/sse-routing.ts),
 * the playground, or plain GraphQL over HTTP by the request itself.
 */
export function createRouter(deps: RouterDeps, config: { readonly graphqlPath: string }): Handler {
  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (deps.cors.handle(request, response)) return;
    const { pathname } = new URL(request.url ?? '/', 'http://gateway.local');
    if (pathname === config.graphqlPath) {
      if (deps.sse.accepts(request)) return deps.sse.handle(request, response);
      if (wantsPlayground(request)) return deps.playground.page(response);
      return tracedGraphqlHttp(deps.graphqlHttp, request, response, pathname);
    }
    if (pathname === '/health/live') return handleLive(response);
    if (pathname === '/health/ready') return handleReady(deps.readiness, response);
    if (pathname === '/metrics') {
      const text = await deps.metricsText();
      response.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      response.end(text);
      return;
    }
    if (request.method === 'GET' && (await deps.playground.asset(pathname, response))) return;
    sendJson(response, 404, { errors: [{ message: `no route for ${pathname}`, extensions: { code: 'NOT_FOUND' } }] });
  };
  return async (request, response) => {
    try {
      await route(request, response);
    } catch (error: unknown) {
      deps.logger.error({ err: error, url: request.url }, 'request failed');
      if (!response.headersSent) {
        sendJson(response, 500, { errors: [{ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      } else {
        response.destroy();
      }
    }
  };
}
