import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerConfig {
  readonly name: string;
  readonly level: string;
}

/**
 * `trace_id` and `span_id` of the span active where the line is written (none outside a span, and
 * none while tracing is off: the API's no-op has no active span). With the gateway's explicit
 * tracing context no span is active across `await`s: a sampled request's logger carries them as
 * bindings instead (gateway/src/context/request-context.ts).
 */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  // The no-op span of a span call that could record nothing (tracing/entry-points.ts) has no ids.
  if (!isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** Structured JSON logs on stdout; secrets are redacted wherever they might appear. */
export function createLogger(config: LoggerConfig, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level,
    base: { service: config.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceLogFields,
    // Tokens and secrets never reach a log line, whatever object carries them (redact.ts says why not pino's `redact`).
    formatters: { level: (label) => ({ level: label }), log: redactSecrets, bindings: redactSecrets },
  };
  const logger = destination === undefined ? pino(options) : pino(options, destination);
  // pino applies `formatters.bindings` to the root's bindings only, not to a child's: children are
  // made from this instance (their prototype), so they inherit this `child` as well.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each child as `this` below
  const childOf = logger.child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return childOf.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * `parent.child(bindings)`, made on first use: pino builds (and redacts) a child's bindings when it
 * is created, and most requests never log. Same behaviour as the child itself for every call.
 */
export function lazyChildLogger(parent: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings()));
  return new Proxy({} as Logger, {
    get(_target, property) {
      const target = real();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, property, value) {
      return Reflect.set(real(), property, value);
    },
    has(_target, property) {
      return Reflect.has(real(), property);
    },
  });
}
