import { SubscriptionErrorCode, subscriptionError } from './errors.js';

/**
 * The events of one upstream subscription not yet taken by its client, at most `eventQueueSizeMax`
 * (one more ends the stream with SUBSCRIPTION_SLOW_CONSUMER). Ends on completion, on a failure
 * (thrown once, after the events before it) or when the client leaves.
 */
export function createEventBuffer<T>(eventQueueSizeMax: number) {
  const queue: T[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const end = (error?: Error): void => {
    if (finished) return;
    finished = true;
    failure = error;
    notify();
  };

  return {
    push(event: T): void {
      if (finished) return;
      if (queue.length >= eventQueueSizeMax) {
        end(
          subscriptionError(SubscriptionErrorCode.SLOW_CONSUMER, `the client did not keep up: more than ${eventQueueSizeMax} events waiting`, {
            queueSizeMax: eventQueueSizeMax,
          }),
        );
        return;
      }
      queue.push(event);
      notify();
    },
    end,
    /** Ends the buffer and drops the events still waiting. */
    drop(): void {
      end();
      queue.length = 0;
    },
    /** The next event, waiting for one; once ended, `onFinished` runs and the failure (if any) is thrown. */
    async next(onFinished: () => void): Promise<IteratorResult<T>> {
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) return { done: false, value: event };
        if (finished) {
          onFinished();
          if (failure !== undefined) {
            const error = failure;
            failure = undefined;
            throw error;
          }
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
