import { startInMemoryTracing, SpanKind } from '@walletgraph/platform/tracing';
import { startRunTrace } from './run-trace';

const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B = '4bf92f3577b34da6a3ce929d0e0e4736';
const message = (offset: string, traceId?: string) => ({
  message: { offset, headers: traceId === undefined ? {} : { traceparent: Buffer.from(`00-${traceId}-00f067aa0ba902b7-01`) } },
  sides: [{}, {}],
});

describe('projector run spans', () => {
  let tracing: ReturnType<typeof startInMemoryTracing>;
  beforeAll(() => {
    tracing = startInMemoryTracing();
  });
  afterAll(() => tracing.stop());

  it('continue each message’s trace through the shared write and publish; a redelivery continues the same trace again', async () => {
    const run = [message('7', TRACE_A), message('8'), message('9', TRACE_B)];
    for (let delivery = 0; delivery < 2; delivery += 1) {
      const runTrace = startRunTrace('balances', 0, run);
      await runTrace.stage('read model write', SpanKind.INTERNAL, async () => undefined);
      const carriers = await runTrace.stage('balances.live publish', SpanKind.PRODUCER, async (carrierOfSide) => [0, 1, 2, 3, 4, 5].map(carrierOfSide));
      runTrace.end();
      expect(carriers.map((carrier) => carrier?.traceparent.split('-')[1])).toEqual([TRACE_A, TRACE_A, undefined, undefined, TRACE_B, TRACE_B]);
    }
    const spans = tracing.spans();
    // Two deliveries × two traced messages × (consume, write, publish); the untraced message makes none.
    expect(spans).toHaveLength(12);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([TRACE_A, TRACE_B]));
    const consumes = spans.filter((span) => span.kind === SpanKind.CONSUMER);
    expect(consumes.map((span) => span.parentSpanId)).toEqual(['00f067aa0ba902b7', '00f067aa0ba902b7', '00f067aa0ba902b7', '00f067aa0ba902b7']);
    for (const stage of spans.filter((span) => span.kind !== SpanKind.CONSUMER)) {
      expect(consumes.map((span) => span.spanId)).toContain(stage.parentSpanId);
      expect(stage.attributes['messaging.batch.message_count']).toBe(3);
    }
  });

  it('makes no span at all for a run without trace headers', async () => {
    const before = tracing.spans().length;
    const runTrace = startRunTrace('balances', 0, [message('1')]);
    expect(await runTrace.stage('read model write', SpanKind.INTERNAL, async (carrierOfSide) => carrierOfSide(0))).toBeUndefined();
    runTrace.end();
    expect(tracing.spans()).toHaveLength(before);
  });
});
