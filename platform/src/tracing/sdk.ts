import { isSpanContextValid, SpanKind, trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../core/index.js';
import type { TracingConfig, TracingContextScope } from './config.js';
import { RecordingScopeContextManager, SynchronousContextManager } from './context-manager.js';
import { ENTRY_SPAN_KINDS, handOutEntryPointsTracers } from './entry-points.js';
import { setExplicitTracingContext, TRACER_NAME } from './spans.js';

/** This process's tracing: `stop()` flushes what is buffered (ordered shutdown calls it last). */
export interface Tracing {
  readonly enabled: boolean;
  stop(): Promise<void>;
}

const OFF: Tracing = { enabled: false, stop: () => Promise.resolve() };

/**
 * Starts the OpenTelemetry SDK when `config.enabled`: a NodeTracerProvider with a parent-based
 * (or plain) trace-id-ratio sampler, a bounded BatchSpanProcessor and the Zipkin or OTLP/HTTP
 * exporter, registered globally with the W3C trace-context propagator and a context manager: the
 * stock AsyncLocalStorage one, RecordingScopeContextManager with `contextScope: 'recorded-only'`,
 * or with `'explicit'` SynchronousContextManager (no AsyncLocalStorage at all) and only the
 * `walletgraph` tracer recording (explicitTracingContext() then says so to the process's code).
 * Off: nothing is loaded (the SDK modules are required only here) and the API stays a no-op.
 */
export function startTracing(config: TracingConfig, logger: Logger): Tracing {
  if (!config.enabled) return OFF;
  // require, not import(): the SDK loads only here, and in CommonJS (Jest runs the built doors too).
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const exporter =
    config.exporter.kind === 'zipkin'
      ? new (require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin')).ZipkinExporter({
          url: config.exporter.url,
          serviceName: config.serviceName,
        })
      : new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({
          url: config.exporter.url,
        });
  const root =
    config.sampler.ratio >= 1
      ? new base.AlwaysOnSampler()
      : config.sampler.ratio <= 0
        ? new base.AlwaysOffSampler()
        : new base.TraceIdRatioBasedSampler(config.sampler.ratio);
  const sampler = config.sampler.parentBased ? new base.ParentBasedSampler({ root: entryPointsOnly(root) }) : entryPointsOnly(root);
  const processor = new base.BatchSpanProcessor(exporter, {
    maxQueueSize: config.queueSizeMax,
    maxExportBatchSize: config.exportBatchSizeMax,
    scheduledDelayMillis: config.scheduleDelayMs,
    exportTimeoutMillis: config.exportTimeoutMs,
  });
  const { contextManager, spanProcessors } = contextManagerOf(config.contextScope);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler,
    spanProcessors: [...spanProcessors, processor],
  });
  // Explicit context: only this repository's tracer records (a library's spans would find no parent).
  handOutEntryPointsTracers(provider, config.contextScope === 'explicit' ? new Set([TRACER_NAME]) : undefined);
  provider.register({ propagator: new W3CTraceContextPropagator(), ...(contextManager === undefined ? {} : { contextManager }) });
  setExplicitTracingContext(config.contextScope === 'explicit');
  // Prisma's own spans (operation, serialization, each db_query) under the request's span (its
  // require hook is left out of a process without Prisma: the gateway).
  const prisma = config.prismaSpans ? new (require('@prisma/instrumentation') as typeof import('@prisma/instrumentation')).PrismaInstrumentation() : undefined;
  prisma?.setTracerProvider(provider);
  prisma?.enable();
  logger.info(
    {
      serviceName: config.serviceName,
      exporter: config.exporter.kind,
      exporterUrl: config.exporter.url,
      sampler: config.sampler,
      contextScope: config.contextScope,
    },
    'tracing on',
  );
  return {
    enabled: true,
    async stop() {
      setExplicitTracingContext(false);
      prisma?.disable();
      await provider.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'flushing the last spans failed'));
    },
  };
}

/** The context manager of a scope (none: the SDK's stock AsyncLocalStorage one) and the span processor it needs. */
function contextManagerOf(scope: TracingContextScope | undefined): {
  contextManager: SynchronousContextManager | RecordingScopeContextManager | undefined;
  spanProcessors: RecordingScopeContextManager['spanProcessor'][];
} {
  if (scope === 'explicit') return { contextManager: new SynchronousContextManager(), spanProcessors: [] };
  if (scope !== 'recorded-only') return { contextManager: undefined, spanProcessors: [] };
  const contextManager = new RecordingScopeContextManager();
  return { contextManager, spanProcessors: [contextManager.spanProcessor] };
}

/**
 * A trace starts only at an entry point (a request served, a message consumed or produced): a span
 * of another kind without a parent (a Prisma query of a readiness check, a background job) is not
 * recorded, instead of becoming a one-span trace of its own.
 */
function entryPointsOnly(root: Sampler): Sampler {
  return {
    shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
      const parent = trace.getSpanContext(context);
      if ((parent !== undefined && isSpanContextValid(parent)) || ENTRY_SPAN_KINDS.has(kind))
        return root.shouldSample(context, traceId, name, kind, attributes, links);
      return { decision: 0 }; // SamplingDecision.NOT_RECORD (the enum would load the SDK with this module)
    },
    toString: () => `EntryPointsOnly{${root.toString()}}`,
  };
}

/** A finished span as the in-memory exporter keeps it (the fields tests read). */
export interface RecordedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** [seconds, nanoseconds] since the epoch. */
  readonly startTime: readonly [number, number];
  readonly endTime: readonly [number, number];
}

/**
 * For tests of code that makes spans: an always-on (or `sampler`) provider, registered globally,
 * with the context manager of `contextScope`, that keeps every finished span in memory. `stop()`
 * unregisters it.
 */
export function startInMemoryTracing(options: { readonly contextScope?: TracingContextScope; readonly sampler?: Sampler } = {}): {
  spans(): RecordedSpan[];
  stop(): Promise<void>;
} {
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const exporter = new base.InMemorySpanExporter();
  const { contextManager, spanProcessors } = contextManagerOf(options.contextScope);
  const processor = new base.SimpleSpanProcessor(exporter);
  const provider = new NodeTracerProvider({
    sampler: options.sampler ?? new base.AlwaysOnSampler(),
    spanProcessors: [...spanProcessors, processor],
  });
  if (options.contextScope === 'explicit') handOutEntryPointsTracers(provider, new Set([TRACER_NAME]));
  provider.register({ propagator: new W3CTraceContextPropagator(), ...(contextManager === undefined ? {} : { contextManager }) });
  setExplicitTracingContext(options.contextScope === 'explicit');
  return {
    spans: () =>
      exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        attributes: span.attributes,
        startTime: span.startTime,
        endTime: span.endTime,
      })),
    async stop() {
      setExplicitTracingContext(false);
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
