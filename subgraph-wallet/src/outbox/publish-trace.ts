import {
  context,
  contextOfCarrier,
  parseTraceCarrierText,
  recordFailure,
  SpanKind,
  trace,
  traceCarrierOf,
  tracer,
  type Span,
  type TraceCarrier,
} from '@walletgraph/platform/tracing';

/** What the relay needs of a row to trace its publish. */
export interface TracedRow {
  readonly topic: string;
  /** The outbox row's trace_context column (JSON), NULL when it was written without tracing. */
  readonly trace_context: string | null;
}

export interface PublishSpans<R> {
  /** The trace context to send in the row's Kafka headers: its produce span's; undefined for an untraced row. */
  readonly carrierOf: (row: R) => TraceCarrier | undefined;
  /** Ends every produce span of the batch (failed, with the error, when the publish failed). */
  end(error?: unknown): void;
}

/**
 * One PRODUCER span per traced row, a child of the context the row kept (the transfer that wrote
 * it), so the publish continues that trace. A retried publish of the same row makes another
 * produce span in the same trace (`messaging.walletgraph.attempt` counts), never a new trace.
 */
export function startPublishSpans<R extends TracedRow>(rows: readonly R[], attempt: number): PublishSpans<R> {
  const spans = new Map<R, Span>();
  for (const row of rows) {
    const stored = parseTraceCarrierText(row.trace_context);
    if (stored === undefined) continue;
    const span = tracer().startSpan(
      `${row.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': row.topic,
          'messaging.walletgraph.attempt': attempt,
        },
      },
      contextOfCarrier(stored),
    );
    spans.set(row, span);
  }
  return {
    carrierOf: (row) => {
      const span = spans.get(row);
      return span === undefined ? undefined : traceCarrierOf(trace.setSpan(context.active(), span));
    },
    end(error) {
      for (const span of spans.values()) {
        if (error !== undefined) recordFailure(span, error);
        span.end();
      }
    },
  };
}
