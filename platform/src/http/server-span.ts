import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * The SERVER span of one HTTP request, a child of the caller's `traceparent` (the gateway's
 * subgraph fetch), or a new root. A no-op span while tracing is off.
 *
 * An unsampled request (tracing on) gets its span's `traceparent` (sampled flag 0) in its own
 * headers: whatever forwards the request's headers (the gateway's subgraph fetches) passes the
 * decision on, so a parent-based subgraph does not start a trace of its own, even when no context
 * follows the request's async work (RecordingScopeContextManager skips it for unsampled requests).
 */
export function startServerSpan(request: IncomingMessage, path: string): { readonly span: Span; readonly context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const method = request.method ?? 'GET';
  const span = trace
    .getTracer('walletgraph')
    .startSpan(`${method} ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  if (!span.isRecording()) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    if (isSpanContextValid(span.spanContext())) request.headers['traceparent'] = `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
  }
  return { span, context: trace.setSpan(parent, span) };
}

export function endServerSpan(span: Span, response: ServerResponse): void {
  span.setAttribute('http.response.status_code', response.statusCode);
  if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Names the request's span after its operation (`mutation CreateTransaction`), with its type and
 * name as attributes: never the document's literals, the variables or any header. The span is the
 * active one, or `spanOf(contextValue)`'s when given (a process that passes its spans explicitly).
 */
export function operationSpanPlugin<TContext extends BaseContext>(spanOf?: (contextValue: TContext) => Span | undefined): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const span = spanOf?.(contextValue) ?? trace.getSpan(context.active());
      if (span === undefined || !span.isRecording()) return {};
      return {
        async didResolveOperation({ operation, operationName }) {
          const type = operation?.operation ?? 'query';
          span.setAttributes({ 'graphql.operation.type': type, ...(operationName === null ? {} : { 'graphql.operation.name': operationName }) });
          span.updateName(`${type} ${operationName ?? '(anonymous)'}`);
        },
      };
    },
  };
}
