import type { ExecutionResult } from 'graphql';
import { contextOfCarrier, EVENT_TRACE_EXTENSION, inSpan, parseTraceCarrier, SpanKind } from '@walletgraph/platform/tracing';
import type { UpstreamEvent } from './upstream.js';

/**
 * Resolves and hands one subscription event to its subscriber inside a PRODUCER span that
 * continues the event's trace (the transfer that caused it, carried by the subgraph in
 * `extensions.traceContext`). An event without one is pushed untraced: no new trace per event.
 */
export function inPushSpan(event: UpstreamEvent, transport: string, work: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
  const extensions = event.extensions as Readonly<Record<string, unknown>> | null | undefined;
  const carrier = parseTraceCarrier(extensions?.[EVENT_TRACE_EXTENSION]);
  if (carrier === undefined) return work();
  const field = Object.keys(event.data ?? {})[0] ?? 'event';
  return inSpan(
    `push ${field}`,
    {
      kind: SpanKind.PRODUCER,
      parent: contextOfCarrier(carrier),
      attributes: { 'graphql.operation.type': 'subscription', 'walletgraph.subscription.transport': transport },
    },
    async (span) => {
      const result = await work();
      if (result.errors !== undefined) span.setAttribute('walletgraph.subscription.error_count', result.errors.length);
      return result;
    },
  );
}
