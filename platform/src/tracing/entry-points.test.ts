import { context, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { handOutEntryPointsTracers } from './entry-points.js';

const PARENT = trace.setSpan(
  ROOT_CONTEXT,
  trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }),
);

describe('entry-point tracers (no SDK work for a span that could not be recorded)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    handOutEntryPointsTracers(provider);
    provider.register();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('answers a span without a valid parent that is no entry point with the no-op span', () => {
    const tracer = trace.getTracer('t');
    const internal = tracer.startSpan('background', {}, ROOT_CONTEXT);
    expect(internal.isRecording()).toBe(false);
    expect(internal.spanContext().traceId).toBe('0'.repeat(32));
    expect(tracer.startSpan('client', { kind: SpanKind.CLIENT }, ROOT_CONTEXT).isRecording()).toBe(false);
    expect(tracer.startSpan('new root', { root: true }, PARENT).isRecording()).toBe(false);
  });

  it('hands entry points and children of a valid parent to the SDK', () => {
    const tracer = trace.getTracer('t');
    for (const kind of [SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER])
      expect(tracer.startSpan('entry', { kind }, ROOT_CONTEXT).isRecording()).toBe(true);
    const child = tracer.startSpan('child', {}, PARENT);
    expect(child.isRecording()).toBe(true);
    expect(child.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('startActiveSpan in its three forms makes the span active for its function and returns what it returns', () => {
    const tracer = trace.getTracer('t', '1.0.0');
    expect(tracer).toBe(trace.getTracer('t', '1.0.0'));
    const seen: unknown[] = [];
    const result = tracer.startActiveSpan('a', (span) => {
      seen.push(trace.getActiveSpan() === span, span.isRecording());
      return 1;
    });
    tracer.startActiveSpan('b', { kind: SpanKind.SERVER }, (span) => seen.push(trace.getActiveSpan() === span, span.isRecording()));
    context.with(PARENT, () =>
      tracer.startActiveSpan('c', {}, PARENT, (span) => {
        seen.push(trace.getActiveSpan() === span, span.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c');
        span.end();
      }),
    );
    expect(result).toBe(1);
    expect(seen).toEqual([true, false, true, true, true, true]);
  });
});
