import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

/**
 * The W3C trace context of one span, as it is stored (the outbox row) or carried (Kafka headers,
 * a subscription event's extensions). Header names as the W3C spec spells them.
 */
export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** version-traceid-parentid-flags, lower-case hex, neither id all zeros (W3C Trace Context §3.2). */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** W3C allows at most 32 list members of ≤ 256 characters; 512 characters is the common cap. */
export const TRACESTATE_LENGTH_MAX = 512;
/** What a stored carrier (JSON) may take at most: traceparent 55 + tracestate 512 + JSON. */
export const TRACE_CARRIER_JSON_LENGTH_MAX = 640;

/** A carrier from anything (a parsed JSON column, an extensions object); undefined when it is not a valid one. */
export function parseTraceCarrier(value: unknown): TraceCarrier | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent)) return undefined;
  if (typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= TRACESTATE_LENGTH_MAX) return { traceparent, tracestate };
  return { traceparent };
}

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The active (or given) context's span as a carrier; undefined when there is no valid span (tracing off). */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier | undefined {
  if (trace.getSpan(ctx) === undefined) return undefined;
  const out: Record<string, string> = {};
  propagation.inject(ctx, out, recordSetter);
  return parseTraceCarrier(out);
}

/** A stored carrier as JSON text (the outbox column), or null without one. */
export function traceCarrierText(ctx: Context = context.active()): string | null {
  const carrier = traceCarrierOf(ctx);
  return carrier === undefined ? null : JSON.stringify(carrier);
}

/** JSON text of a stored carrier → a carrier; a missing, malformed or foreign value is undefined (never fails a publish). */
export function parseTraceCarrierText(text: string | null | undefined): TraceCarrier | undefined {
  if (text === null || text === undefined || text.length > TRACE_CARRIER_JSON_LENGTH_MAX) return undefined;
  try {
    return parseTraceCarrier(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};

/** The context a carrier names (a remote parent), or the root context without one. */
export function contextOfCarrier(carrier: TraceCarrier | undefined, base: Context = ROOT_CONTEXT): Context {
  return carrier === undefined ? base : propagation.extract(base, carrier, carrierGetter);
}

/** Kafka message headers as kafkajs types them (structural: this door does not load kafkajs). */
export type MessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : typeof first === 'string' ? first : first.toString('utf8');
}

/** The trace context a Kafka message carries in its `traceparent` / `tracestate` headers. */
export function traceCarrierOfHeaders(headers: MessageHeaders | undefined): TraceCarrier | undefined {
  if (headers === undefined) return undefined;
  return parseTraceCarrier({ traceparent: headerText(headers['traceparent']), tracestate: headerText(headers['tracestate']) });
}

/** `headers` with the carrier's headers set (replacing any), for a produced message; unchanged without one. */
export function withTraceHeaders<H extends Record<string, unknown>>(headers: H, carrier: TraceCarrier | undefined): H {
  if (carrier === undefined) return headers;
  const { traceparent: _traceparent, tracestate: _tracestate, ...rest } = headers;
  return { ...rest, traceparent: carrier.traceparent, ...(carrier.tracestate === undefined ? {} : { tracestate: carrier.tracestate }) } as unknown as H;
}

/** HTTP request headers (node's `IncomingHttpHeaders`) → the caller's context (root when absent or invalid). */
export function contextOfHttpHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  const value = headers['traceparent'];
  const state = headers['tracestate'];
  const carrier = parseTraceCarrier({ traceparent: Array.isArray(value) ? value[0] : value, tracestate: Array.isArray(state) ? state.join(',') : state });
  return contextOfCarrier(carrier);
}

/**
 * Where a subgraph's subscription event carries the trace context of the update it reports:
 * `extensions.traceContext` of the graphql-ws `next` payload (the gateway reads it and drops it).
 */
export const EVENT_TRACE_EXTENSION = 'traceContext';
