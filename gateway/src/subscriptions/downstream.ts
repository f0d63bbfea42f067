import { GraphQLError, type ExecutionResult } from 'graphql';
import { deliveredVersion, type ResumableUpstream } from './resume.js';
import type { UpstreamEvent } from './upstream.js';

export interface DownstreamHandlers {
  /** The client's result for one upstream event (the rest of the plan run on it). */
  resolve(event: UpstreamEvent): Promise<ExecutionResult>;
  /** Frees what the subscription holds and ends the upstream; called once, however the stream ends. */
  finish(): Promise<void>;
  countEvent(outcome: 'ok' | 'error'): void;
}

type NextEvent = { readonly event: UpstreamEvent; readonly version: number | undefined } | undefined;

/** The next upstream event to deliver: a version already sent (a resubscription overlapping what was delivered) is not sent twice. */
async function nextDeliverable(
  upstream: AsyncIterableIterator<UpstreamEvent>,
  resumable: ResumableUpstream | undefined,
  isClosed: () => boolean,
): Promise<NextEvent> {
  let version: number | undefined;
  let step = await upstream.next();
  for (;;) {
    if (step.done === true || isClosed() || resumable === undefined) break;
    const accepted = resumable.accept(step.value);
    version = accepted.version;
    if (accepted.deliver) break;
    step = await upstream.next();
  }
  return step.done === true || isClosed() ? undefined : { event: step.value, version };
}

/**
 * The client's side of one subscription over its upstream events.
 * A hand-written iterator, not an async generator: return() must close the upstream even
 * while next() is still waiting for an event (a generator would queue it behind that wait).
 */
export function downstreamOf(
  upstream: AsyncIterableIterator<UpstreamEvent>,
  resumable: ResumableUpstream | undefined,
  handlers: DownstreamHandlers,
): AsyncIterableIterator<ExecutionResult> {
  let closed = false;
  const finish = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handlers.finish();
  };
  const done = { done: true as const, value: undefined };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (closed) return done;
      let next: NextEvent;
      try {
        next = await nextDeliverable(upstream, resumable, () => closed);
        if (next === undefined) {
          await finish();
          return done;
        }
      } catch (error: unknown) {
        await finish();
        if (error instanceof GraphQLError) {
          handlers.countEvent('error');
          return { done: false, value: { errors: [error] } };
        }
        throw error;
      }
      const result = await handlers.resolve(next.event);
      if (next.version !== undefined) deliveredVersion.set(result, next.version);
      handlers.countEvent(result.errors === undefined ? 'ok' : 'error');
      return { done: false, value: result };
    },
    async return() {
      await finish();
      return done;
    },
    // graphql-sse ends a client's operations only if they look like async generators (return
    // AND throw); without throw, a disconnected SSE client's subscription was never closed.
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
  };
  return iterator;
}
