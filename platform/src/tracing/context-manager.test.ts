import type { IncomingMessage } from 'node:http';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { startServerSpan } from '../http/server-span.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { RecordingScopeContextManager, SynchronousContextManager } from './context-manager.js';
import { startInMemoryTracing } from './sdk.js';
import { explicitTracingContext, inSpan, tracer } from './spans.js';

const UNSAMPLED = trace.setSpan(
  ROOT_CONTEXT,
  trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE }),
);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RecordingScopeContextManager (AsyncLocalStorage only while a recorded span is open)', () => {
  it('does no context work for an unsampled context while nothing is recorded', () => {
    const manager = new RecordingScopeContextManager().enable();
    const seen = manager.with(
      UNSAMPLED,
      function (this: unknown, a: number, b: number) {
        return { active: manager.active(), sum: a + b, self: this };
      },
      'me',
      1,
      2,
    );
    expect(seen).toEqual({ active: ROOT_CONTEXT, sum: 3, self: 'me' });
    expect(manager.storageActive).toBe(false);
  });

  it('follows a recorded span across awaits, then turns AsyncLocalStorage off when the last recorded span ended', async () => {
    const tracing = startInMemoryTracing({ contextScope: 'recorded-only' });
    const manager = (context as unknown as { _getContextManager(): unknown })._getContextManager() as RecordingScopeContextManager;
    try {
      expect(manager).toBeInstanceOf(RecordingScopeContextManager);
      await inSpan('parent', {}, async (parent) => {
        expect(manager.storageActive).toBe(true);
        await nextTurn();
        expect(trace.getActiveSpan()).toBe(parent);
        // While something is recorded, an unsampled context is entered as with the stock manager.
        await context.with(UNSAMPLED, async () => {
          await nextTurn();
          expect(trace.getSpanContext(context.active())?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
        });
        await inSpan('child', {}, async () => {
          await nextTurn();
        });
        expect(trace.getActiveSpan()).toBe(parent);
      });
      expect(manager.storageActive).toBe(false);
      expect(context.active()).toBe(ROOT_CONTEXT);
      const [child, parent] = tracing.spans();
      expect(child?.name).toBe('child');
      expect(child?.parentSpanId).toBe(parent?.spanId);
      expect(child?.traceId).toBe(parent?.traceId);
    } finally {
      await tracing.stop();
    }
  });

  it('keeps AsyncLocalStorage on while any recorded span is open (two overlapping traces)', async () => {
    const tracing = startInMemoryTracing({ contextScope: 'recorded-only' });
    const manager = (context as unknown as { _getContextManager(): unknown })._getContextManager() as RecordingScopeContextManager;
    try {
      let releaseFirst: () => void = () => undefined;
      const first = inSpan('first', {}, (span) =>
        new Promise<void>((resolve) => {
          releaseFirst = resolve;
        }).then(() => expect(trace.getActiveSpan()).toBe(span)),
      );
      await inSpan('second', {}, async () => nextTurn());
      expect(manager.storageActive).toBe(true);
      releaseFirst();
      await first;
      expect(manager.storageActive).toBe(false);
    } finally {
      await tracing.stop();
    }
  });
});

describe('an unsampled request passes its decision on in its own headers', () => {
  const request = (headers: Record<string, string>) => ({ method: 'POST', headers: { ...headers } }) as unknown as IncomingMessage;

  it('leaves the headers alone while tracing is off', () => {
    const incoming = request({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    startServerSpan(incoming, '/graphql');
    expect(incoming.headers['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const bare = request({});
    startServerSpan(bare, '/graphql');
    expect(bare.headers['traceparent']).toBeUndefined();
  });

  it('sets the unsampled server span as the traceparent (sampled flag 0, the caller’s trace id)', async () => {
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { AlwaysOffSampler, ParentBasedSampler } = await import('@opentelemetry/sdk-trace-base');
    const provider = new NodeTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) });
    provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: new RecordingScopeContextManager() });
    try {
      const incoming = request({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
      const { span } = startServerSpan(incoming, '/graphql');
      expect(span.isRecording()).toBe(false);
      expect(incoming.headers['traceparent']).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-00`);
      expect(span.spanContext().spanId).not.toBe('b7ad6b7169203331');
      const bare = request({});
      startServerSpan(bare, '/graphql');
      expect(bare.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    } finally {
      await provider.shutdown();
      trace.disable();
      context.disable();
      const { propagation } = await import('@opentelemetry/api');
      propagation.disable();
    }
  });
});

describe('SynchronousContextManager (explicit tracing context: no AsyncLocalStorage at all)', () => {
  it('makes a context active while a function runs synchronously, restores the previous one after, follows no await', async () => {
    const manager = new SynchronousContextManager().enable();
    const inner = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }));
    let afterAwait: unknown;
    const seen = manager.with(UNSAMPLED, () => {
      const nested = manager.with(inner, () => manager.active());
      const running = (async () => {
        await nextTurn();
        afterAwait = manager.active();
      })();
      return { nested, outer: manager.active(), running };
    });
    expect(seen.nested).toBe(inner);
    expect(seen.outer).toBe(UNSAMPLED);
    expect(manager.active()).toBe(ROOT_CONTEXT);
    await seen.running;
    expect(afterAwait).toBe(ROOT_CONTEXT);
    expect(() =>
      manager.with(inner, () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('with startInMemoryTracing: only the walletgraph tracer records, a library’s active spans enter no context, no AsyncLocalStorage is entered', async () => {
    const run = jest.spyOn(AsyncLocalStorage.prototype, 'run');
    const tracing = startInMemoryTracing({ contextScope: 'explicit' });
    try {
      expect(explicitTracingContext()).toBe(true);
      expect((context as unknown as { _getContextManager(): unknown })._getContextManager()).toBeInstanceOf(SynchronousContextManager);
      const withSpy = jest.spyOn(context, 'with');
      const library = trace.getTracer('apollo/gateway-js', '2.14.4');
      const seen = library.startActiveSpan('gateway.request', (span) => {
        span.end();
        return span.isRecording();
      });
      expect(seen).toBe(false);
      expect(withSpy).not.toHaveBeenCalled();
      withSpy.mockRestore();
      await inSpan('ours', { kind: SpanKind.SERVER }, async () => {
        await nextTurn();
        tracer().startSpan('child', {}, ROOT_CONTEXT).end();
      });
      expect(tracing.spans().map((span) => span.name)).toEqual(['ours']);
      expect(run).not.toHaveBeenCalled();
    } finally {
      await tracing.stop();
      run.mockRestore();
    }
    expect(explicitTracingContext()).toBe(false);
  });
});
