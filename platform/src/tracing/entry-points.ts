import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';

/** Kinds that may start a trace (a request served, a message consumed or produced); see entryPointsOnly in sdk.ts. */
export const ENTRY_SPAN_KINDS: ReadonlySet<SpanKind> = new Set([SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER]);

/** The span of a span call that can record nothing: no ids drawn, nothing sampled (the API's no-op span). */
const UNRECORDED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether a span started with these options under `parent` could be recorded at all (the sampler would be asked). */
function mayRecord(options: SpanOptions | undefined, parent: Context): boolean {
  if (ENTRY_SPAN_KINDS.has(options?.kind ?? SpanKind.INTERNAL)) return true;
  if (options?.root === true) return false;
  const parentContext = trace.getSpanContext(parent);
  return parentContext !== undefined && isSpanContextValid(parentContext);
}

/**
 * A tracer that answers a span of another kind than an entry point, without a valid parent, with
 * the API's no-op span, before the SDK draws its ids, sanitizes its attributes and asks the sampler
 * (whose answer is "not recorded" for it: entryPointsOnly). That is every Apollo Gateway span
 * (gateway.request, .validate, .execute, .fetch, .postprocessing) of an unsampled request once no
 * context follows it (RecordingScopeContextManager): five to seven per federated read.
 */
class EntryPointsTracer implements Tracer {
  constructor(private readonly inner: Tracer) {}

  startSpan(name: string, options?: SpanOptions, parent: Context = context.active()): Span {
    return mayRecord(options, parent) ? this.inner.startSpan(name, options, parent) : UNRECORDED;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, parent: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = args[args.length - 1] as (span: Span) => ReturnType<F>;
    const options = args.length >= 2 ? (args[0] as SpanOptions) : undefined;
    const parent = args.length === 3 ? args[1] : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }
}

/**
 * The tracer of a library whose spans a process makes itself (explicit context: Apollo Gateway's
 * `apollo/gateway-js`): every span is the API's no-op span, and `startActiveSpan` runs its function
 * with it without entering any context (the API's own no-op tracer would still call `context.with`).
 */
export const UNRECORDED_TRACER: Tracer = {
  startSpan: (): Span => UNRECORDED,
  startActiveSpan<F extends (span: Span) => unknown>(_name: string, ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = args[args.length - 1] as (span: Span) => ReturnType<F>;
    return fn(UNRECORDED);
  },
};

/**
 * Makes `provider` hand out EntryPointsTracers (one per name, version and schema URL, as the SDK
 * caches its own), before it is registered: the API's tracers and Prisma's then go through them.
 * With `recordingScopes`, a tracer of any other name is UNRECORDED_TRACER.
 */
export function handOutEntryPointsTracers(provider: TracerProvider, recordingScopes?: ReadonlySet<string>): void {
  const getTracer = provider.getTracer.bind(provider);
  const tracers = new Map<string, Tracer>();
  provider.getTracer = (name: string, version?: string, options?: TracerOptions): Tracer => {
    if (recordingScopes !== undefined && !recordingScopes.has(name)) return UNRECORDED_TRACER;
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = tracers.get(key);
    if (tracer === undefined) {
      tracer = new EntryPointsTracer(getTracer(name, version, options));
      tracers.set(key, tracer);
    }
    return tracer;
  };
}
