import { GraphQLError, type ExecutionResult } from 'graphql';

/** setTimeout's largest delay (about 24.8 days); longer waits are re-armed in steps. */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

/** Runs `callback` once at `deadlineMs` (wall clock), however far away; returns a canceller. */
export function atDeadline(deadlineMs: number, callback: () => void, nowMs: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const remainingMs = deadlineMs - nowMs();
    if (remainingMs <= 0) {
      timer = undefined;
      callback();
      return;
    }
    timer = setTimeout(arm, Math.min(remainingMs, TIMER_DELAY_MS_MAX));
    timer.unref();
  };
  arm();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}

export function tokenExpiredError(): GraphQLError {
  return new GraphQLError('your token has expired: subscribe again with a fresh one', { extensions: { code: 'UNAUTHENTICATED' } });
}

/**
 * A subscription lives no longer than the token that opened it: at `expiresAtMs` the stream
 * delivers one last event with an UNAUTHENTICATED error, closes its source, and ends.
 */
export function endAtTokenExpiry(
  stream: AsyncIterableIterator<ExecutionResult>,
  expiresAtMs: number,
  nowMs: () => number = Date.now,
): AsyncIterableIterator<ExecutionResult> {
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
  let state: 'open' | 'expired' | 'ended' = 'open';
  let onExpired: () => void = () => undefined;
  const expired = new Promise<'expired'>((resolve) => {
    onExpired = () => resolve('expired');
  });
  const cancel = atDeadline(expiresAtMs, () => onExpired(), nowMs);
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    state = 'ended';
    cancel();
    await stream.return?.();
    return done;
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (state === 'expired') return end();
      if (state === 'ended') return done;
      const outcome = await Promise.race([stream.next(), expired]);
      if (outcome === 'expired') {
        state = 'expired';
        cancel();
        void stream.return?.();
        return { done: false, value: { errors: [tokenExpiredError()] } };
      }
      if (outcome.done === true) {
        state = 'ended';
        cancel();
      }
      return outcome;
    },
    return: end,
    // Generator-shaped (graphql-sse closes only operations that have return and throw).
    async throw(error?: unknown) {
      await end();
      throw error;
    },
  };
  return iterator;
}
