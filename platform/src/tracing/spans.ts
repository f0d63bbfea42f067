import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';

export { context, SpanKind, SpanStatusCode, trace, ROOT_CONTEXT, type Attributes, type Context, type Span } from '@opentelemetry/api';

export const TRACER_NAME = 'walletgraph';

let explicit = false;

/**
 * Whether this process traces with an explicit context (WALLETGRAPH_TRACING_CONTEXT=explicit, set
 * by startTracing): nothing follows async work, so code that makes spans across `await`s passes
 * their parent itself; `false` while tracing is off or with another context manager.
 */
export function explicitTracingContext(): boolean {
  return explicit;
}

/** For startTracing and startInMemoryTracing only. */
export function setExplicitTracingContext(on: boolean): void {
  explicit = on;
}

/** The repository's tracer (a no-op until startTracing registered a provider). */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent (a remote context extracted from a carrier); the active context otherwise. */
  readonly parent?: Context;
}

/** Marks the span failed with the error's class and message (never its details: they may carry input). */
export function recordFailure(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.slice(0, 200) : 'failed' });
  span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
}

/** Runs `work` inside a new active span, ending it (and recording a failure) when `work` settles. */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes === undefined ? {} : { attributes: options.attributes }) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error: unknown) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Like inSpan, but only inside a recorded trace: without a recording parent (tracing off, an
 * unsampled request, background work) `work` runs as is, at the cost of one lookup.
 */
export function inChildSpan<T>(name: string, options: Omit<SpanOptions, 'parent'>, work: () => Promise<T>): Promise<T> {
  return trace.getActiveSpan()?.isRecording() === true ? inSpan(name, options, work) : work();
}
