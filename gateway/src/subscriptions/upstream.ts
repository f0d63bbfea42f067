import { createClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { backoffDelayMs, sleep, type Logger } from '@walletgraph/platform';
import { SubscriptionErrorCode, describeUpstreamFailure, subscriptionError } from './errors.js';

export interface UpstreamRequest {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
}

export interface UpstreamConfig {
  readonly subgraphName: string;
  readonly wsUrl: string;
  /** Reconnect attempts after a lost connection; 0 = fail at the first loss. */
  readonly retryAttemptsMax: number;
  readonly retryDelayMsMax: number;
  /** Events buffered for a slow client before its stream is ended with SUBSCRIPTION_SLOW_CONSUMER. */
  readonly eventQueueSizeMax: number;
}

export interface UpstreamDeps {
  readonly logger: Logger;
  /** Headers signed per connection attempt (the caller's identity), sent only in connection_init. */
  readonly identityHeaders?: () => Promise<Readonly<Record<string, string>>>;
  readonly onReconnect?: () => void;
}

export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

/**
 * One graphql-ws connection per client subscription, so each carries that client's headers. The
 * connection retries (jittered, capped, bounded) and resubscribes by itself; when it gives up,
 * the iterator throws a SERVICE_UNAVAILABLE GraphQLError; `return()` closes the upstream at once.
 */
export function openUpstream(request: UpstreamRequest, headers: Readonly<Record<string, string>>, deps: UpstreamDeps, config: UpstreamConfig): AsyncIterableIterator<UpstreamEvent> {
  // The signed identity lives ≤ 60 s, so each connection attempt (first or reconnect) signs a fresh one.
  const connectionParams = async (): Promise<Record<string, unknown>> => ({ headers: { ...headers, ...(deps.identityHeaders === undefined ? {} : await deps.identityHeaders()) } });
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { ...headers } });
    }
  }
  const client = createClient({
    url: config.wsUrl,
    webSocketImpl: HeaderedWebSocket,
    connectionParams,
    lazy: true,
    lazyCloseTimeout: 0,
    retryAttempts: config.retryAttemptsMax,
    // Refused connections and resets are worth a retry too; graphql-ws still treats protocol errors as fatal.
    shouldRetry: () => true,
    retryWait: async (retries) => {
      deps.onReconnect?.();
      deps.logger.warn({ subgraph: config.subgraphName, retries }, 'upstream subscription connection lost; reconnecting');
      await sleep(backoffDelayMs(retries, { delayMsInitial: Math.min(100, config.retryDelayMsMax), delayMsMax: config.retryDelayMsMax }));
    },
  });

  const queue: UpstreamEvent[] = [];
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
  const unsubscribe = client.subscribe<Record<string, unknown>, unknown>(
    { query: request.query, variables: request.variables, ...(request.operationName === undefined ? {} : { operationName: request.operationName }) },
    {
      next: (event) => {
        if (finished) return;
        if (queue.length >= config.eventQueueSizeMax) {
          end(subscriptionError(SubscriptionErrorCode.SLOW_CONSUMER, `the client did not keep up: more than ${config.eventQueueSizeMax} events waiting`, { queueSizeMax: config.eventQueueSizeMax }));
          return;
        }
        queue.push(event);
        notify();
      },
      error: (error: unknown) => {
        const described = describeUpstreamFailure(error);
        deps.logger.warn({ subgraph: config.subgraphName, failure: described }, 'upstream subscription failed');
        end(subscriptionError(SubscriptionErrorCode.UPSTREAM_UNAVAILABLE, `the ${config.subgraphName} subgraph subscription failed: ${described}`, { subgraph: config.subgraphName }));
      },
      complete: () => end(),
    },
  );
  const close = async (): Promise<void> => {
    end();
    queue.length = 0;
    unsubscribe();
    await client.dispose();
  };

  const iterator: AsyncIterableIterator<UpstreamEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<UpstreamEvent>> {
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) return { done: false, value: event };
        if (finished) {
          await close();
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
    async return(): Promise<IteratorResult<UpstreamEvent>> {
      await close();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
