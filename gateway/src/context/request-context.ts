import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '@walletgraph/platform/core';
import { headerOf, requestIdFrom } from '@walletgraph/platform/http';
import { describeIdentity, type Identity } from '@walletgraph/platform/auth';
import { trace, type Context } from '@walletgraph/platform/tracing';

/**
 * Headers the gateway passes on to subgraphs, unchanged (the request id is generated if absent).
 * The caller's `authorization` is not among them: subgraphs get the verified identity instead,
 * signed by the gateway (x-walletgraph-identity), so a user token never travels further.
 */
export const forwardedHeaderNames = ['x-request-id', 'traceparent', 'tracestate'] as const;
export type ForwardedHeaderName = (typeof forwardedHeaderNames)[number];

export interface GatewayContext {
  readonly requestId: string;
  readonly forwardedHeaders: Readonly<Partial<Record<ForwardedHeaderName, string>>>;
  /** The caller, verified from its bearer token before anything else ran. */
  readonly identity: Identity;
  readonly logger: Logger;
  /**
   * The request's recorded SERVER span, with explicit tracing context only (explicitTracingContext():
   * the gateway's default): the parent the gateway's own spans are made under (context/operation-trace.ts).
   * Undefined while tracing is off, for an unsampled request, and with WALLETGRAPH_TRACING_CONTEXT=
   * async-local-storage or recorded-only (Apollo Gateway's spans follow the active context then).
   */
  readonly traceContext?: Context | undefined;
}

export { requestIdFrom };

/** trace_id and span_id of a context's span for a request's log lines (the mixin of createLogger sees no active span then). */
export function traceBindingsOf(traceContext: Context | undefined): Record<string, string> {
  const spanContext = traceContext === undefined ? undefined : trace.getSpanContext(traceContext);
  return spanContext === undefined ? {} : { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The context object. Its `logger` is a getter on the prototype, made on first use: pino builds
 * (and redacts) a child's bindings when it is created, and most requests never log. On the
 * prototype, not the instance, because Apollo Server copies the context into each request
 * (Object.assign onto an object of the same prototype), which reads every own getter: an own one
 * made every request's child logger there.
 */
class RequestGatewayContext implements GatewayContext {
  readonly requestId: string;
  readonly forwardedHeaders: Readonly<Partial<Record<ForwardedHeaderName, string>>>;
  readonly identity: Identity;
  readonly traceContext: Context | undefined;
  private readonly parentLogger: Logger;
  private childLogger: Logger | undefined;

  constructor(
    requestId: string,
    forwardedHeaders: Readonly<Partial<Record<ForwardedHeaderName, string>>>,
    identity: Identity,
    parentLogger: Logger,
    traceContext: Context | undefined,
  ) {
    this.requestId = requestId;
    this.forwardedHeaders = forwardedHeaders;
    this.identity = identity;
    this.traceContext = traceContext;
    this.parentLogger = parentLogger;
    this.childLogger = undefined;
  }

  get logger(): Logger {
    this.childLogger ??= this.parentLogger.child({
      requestId: this.requestId,
      identity: describeIdentity(this.identity),
      ...traceBindingsOf(this.traceContext),
    });
    return this.childLogger;
  }
}

export function createGatewayContext(
  headers: IncomingHttpHeaders,
  logger: Logger,
  identity: Identity,
  requestId = requestIdFrom(headers),
  traceContext?: Context,
): GatewayContext {
  const forwardedHeaders: Partial<Record<ForwardedHeaderName, string>> = { 'x-request-id': requestId };
  for (const name of forwardedHeaderNames) {
    const value = headerOf(headers, name);
    if (value !== undefined && name !== 'x-request-id') forwardedHeaders[name] = value;
  }
  return new RequestGatewayContext(requestId, forwardedHeaders, identity, logger, traceContext);
}
