import type { ExecutionResult } from 'graphql';
import {
  contextOfCarrier,
  EVENT_TRACE_EXTENSION,
  explicitTracingContext,
  inSpan,
  parseTraceCarrier,
  SpanKind,
  trace,
  type Context,
} from '@walletgraph/platform/tracing';
import type { UpstreamEvent } from './upstream.js';

/**
 * Resolves and hands one subscription event to its subscriber inside a PRODUCER span that
 * continues the event's trace (the transfer that caused it, carried by the subgraph in
 * `extensions.traceContext`). An event without one is pushed untraced: no new trace per event.
 * `work` gets the push span's context when it is recorded and the tracing context is explicit (the
 * gateway's default: nothing follows `await`s, so it makes its spans under that one itself).
 */
export function inPushSpan(event: UpstreamEvent, transport: string, work: (pushContext?: Context) => Promise<ExecutionResult>): Promise<ExecutionResult> {
  const extensions = event.extensions as Readonly<Record<string, unknown>> | null | undefined;
  const carrier = parseTraceCarrier(extensions?.[EVENT_TRACE_EXTENSION]);
  if (carrier === undefined) return work();
  const field = Object.keys(event.data ?? {})[0] ?? 'event';
  const parent = contextOfCarrier(carrier);
  return inSpan(
    `push ${field}`,
    {
      kind: SpanKind.PRODUCER,
      parent,
      attributes: { 'graphql.operation.type': 'subscription', 'walletgraph.subscription.transport': transport },
    },
    async (span) => {
      const result = await work(span.isRecording() && explicitTracingContext() ? trace.setSpan(parent, span) : undefined);
      if (result.errors !== undefined) span.setAttribute('walletgraph.subscription.error_count', result.errors.length);
      return result;
    },
  );
}
