import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import {
  contextOfCarrier,
  EVENT_TRACE_EXTENSION,
  inSpan,
  SpanKind,
  traceCarrierOf,
  traceCarrierOfHeaders,
  type MessageHeaders,
  type TraceCarrier,
} from '@walletgraph/platform/tracing';
import type { LiveBalance } from './live-message.js';

/**
 * The trace context of each live update in flight (keyed by the update object the pub/sub hands
 * to every subscriber) and of the update a subscription's context last resolved: the update's
 * value and the wire format stay as they are.
 */
const traces = new WeakMap<object, TraceCarrier>();

/**
 * Runs the fan-out of one `balances.live` message in a CONSUMER span continuing the trace its
 * headers carry (the projector's live publish); the update remembers that span for the push.
 * A message without trace headers is fanned out untraced.
 */
export function inLiveConsumeSpan(topic: string, headers: MessageHeaders | undefined, update: LiveBalance, work: () => void): Promise<void> {
  const carrier = traceCarrierOfHeaders(headers);
  if (carrier === undefined) {
    work();
    return Promise.resolve();
  }
  const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': topic };
  return inSpan(
    `${topic} process`,
    { kind: SpanKind.CONSUMER, parent: contextOfCarrier(carrier), attributes },
    () =>
      // A throw in `work` rejects (and fails the span), as from an async function.
      new Promise<void>((resolve) => {
        const own = traceCarrierOf();
        if (own !== undefined) traces.set(update, own);
        work();
        resolve();
      }),
  );
}

/** A subscription resolved `update`: its context remembers the update's trace for the `next` message. */
export function noteResolvedUpdate(subscriptionContext: object, update: LiveBalance): void {
  const carrier = traces.get(update);
  if (carrier === undefined) traces.delete(subscriptionContext);
  else traces.set(subscriptionContext, carrier);
}

/** The `next` payload with the update's trace in `extensions.traceContext`; undefined (unchanged) without one. */
export function withEventTrace(subscriptionContext: unknown, result: ExecutionResult): FormattedExecutionResult | undefined {
  if (typeof subscriptionContext !== 'object' || subscriptionContext === null) return undefined;
  const carrier = traces.get(subscriptionContext);
  if (carrier === undefined) return undefined;
  traces.delete(subscriptionContext);
  const { errors, ...rest } = result;
  return {
    ...rest,
    ...(errors === undefined ? {} : { errors: errors.map((error) => error.toJSON()) }),
    extensions: { ...result.extensions, [EVENT_TRACE_EXTENSION]: carrier },
  };
}
