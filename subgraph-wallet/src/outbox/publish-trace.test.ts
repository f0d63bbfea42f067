import { startInMemoryTracing, SpanKind } from '@walletgraph/platform/tracing';
import { startPublishSpans } from './publish-trace';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const stored = JSON.stringify({ traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` });

describe('relay publish spans', () => {
  let tracing: ReturnType<typeof startInMemoryTracing>;
  beforeAll(() => {
    tracing = startInMemoryTracing();
  });
  afterAll(() => tracing.stop());

  it('continue the trace the outbox row kept, and a retried publish of the same row stays in that trace', () => {
    const row = { topic: 'balances', trace_context: stored };
    const untraced = { topic: 'balances', trace_context: null };
    const first = startPublishSpans([row, untraced], 1);
    const sent = first.carrierOf(row);
    expect(sent?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(first.carrierOf(untraced)).toBeUndefined();
    first.end(new Error('broker down'));
    const retry = startPublishSpans([row], 2);
    const resent = retry.carrierOf(row);
    retry.end();

    const spans = tracing.spans();
    expect(spans).toHaveLength(2);
    expect(spans.map((span) => span.traceId)).toEqual([TRACE_ID, TRACE_ID]);
    expect(spans.map((span) => span.parentSpanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203331']);
    expect(spans.map((span) => span.kind)).toEqual([SpanKind.PRODUCER, SpanKind.PRODUCER]);
    expect(spans.map((span) => span.attributes['messaging.walletgraph.attempt'])).toEqual([1, 2]);
    // Each attempt sends its own span's context (the consumer is a child of the attempt that got through).
    expect(resent?.traceparent.split('-')[2]).toBe(spans[1]?.spanId);
    expect(sent?.traceparent.split('-')[2]).toBe(spans[0]?.spanId);
  });
});
