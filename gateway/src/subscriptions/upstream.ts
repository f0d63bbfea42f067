import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { backoffDelayMs, sleep, type Logger } from '@walletgraph/platform/core';
import { SubscriptionErrorCode, describeUpstreamFailure, subscriptionError } from './errors.js';
import { createEventBuffer } from './event-buffer.js';

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
  /** Subscriptions one upstream connection carries (at most the subgraph's SUBSCRIPTIONS_PER_CONNECTION_MAX). */
  readonly subscriptionsPerConnectionMax: number;
}

export interface UpstreamPoolDeps {
  readonly logger: Logger;
  readonly onReconnect?: () => void;
  /** Open upstream connections of this pool, after every change. */
  readonly onConnectionCount?: (count: number) => void;
}

/** Who a subscription runs as upstream: subscriptions with the same key may share a connection. */
export interface UpstreamCaller {
  /** The caller's identity (role, subject, client id): the subgraph authorizes per connection. */
  readonly key: string;
  /** Sent on the WebSocket upgrade (request id, trace context of the caller that opened it). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers signed per connection attempt (the caller's identity), sent only in connection_init. */
  readonly identityHeaders?: () => Promise<Readonly<Record<string, string>>>;
}

export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

export interface UpstreamPool {
  /**
   * One subscription on a connection of its caller with room, opened on demand. The connection
   * retries (jittered, capped, bounded) and resubscribes by itself; when it gives up, the iterator
   * throws a SERVICE_UNAVAILABLE GraphQLError; `return()` ends this subscription at once.
   * `logger` (the subscription's own, with its request id) reports this subscription's failure.
   */
  open(request: UpstreamRequest, caller: UpstreamCaller, logger?: Logger): AsyncIterableIterator<UpstreamEvent>;
  connectionCount(): number;
  /** Closes every connection (their subscriptions end). */
  close(): Promise<void>;
}

interface Lane {
  readonly key: string;
  readonly client: Client;
  subscriptionCount: number;
  /** Takes no new subscriptions: emptied, or its connection gave up. */
  retired: boolean;
}

/** A lazy graphql-ws client for one caller: retries (jittered, capped, bounded) and resubscribes by itself. */
function connectLane(deps: UpstreamPoolDeps, config: UpstreamConfig, caller: UpstreamCaller): Lane {
  // The signed identity lives ≤ 60 s, so each connection attempt (first or reconnect) signs a fresh one.
  const connectionParams = async (): Promise<Record<string, unknown>> => ({
    headers: { ...caller.headers, ...(caller.identityHeaders === undefined ? {} : await caller.identityHeaders()) },
  });
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { ...caller.headers } });
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
  return { key: caller.key, client, subscriptionCount: 0, retired: false };
}

/** The open lanes by caller key: a subscription takes a lane of its caller with room, or a new one. */
function createLanes(deps: UpstreamPoolDeps, config: UpstreamConfig) {
  const lanesByKey = new Map<string, Lane[]>();
  let laneCount = 0;
  const countChanged = (): void => deps.onConnectionCount?.(laneCount);

  function forget(lane: Lane): void {
    const lanes = lanesByKey.get(lane.key);
    const index = lanes?.indexOf(lane) ?? -1;
    if (lanes === undefined || index < 0) return;
    lanes.splice(index, 1);
    if (lanes.length === 0) lanesByKey.delete(lane.key);
    laneCount -= 1;
    countChanged();
  }

  return {
    acquire(caller: UpstreamCaller): Lane {
      const lanes = lanesByKey.get(caller.key) ?? [];
      let lane = lanes.find((candidate) => !candidate.retired && candidate.subscriptionCount < config.subscriptionsPerConnectionMax);
      if (lane === undefined) {
        lane = connectLane(deps, config, caller);
        lanes.push(lane);
        lanesByKey.set(caller.key, lanes);
        laneCount += 1;
        countChanged();
      }
      lane.subscriptionCount += 1;
      return lane;
    },
    /** One subscription fewer on `lane`; its last one closes the connection. */
    release(lane: Lane): void {
      lane.subscriptionCount -= 1;
      if (lane.subscriptionCount > 0) return;
      lane.retired = true;
      forget(lane);
      void lane.client.dispose();
    },
    count: (): number => laneCount,
    closeAll: async (): Promise<void> => {
      const lanes = [...lanesByKey.values()].flat();
      lanesByKey.clear();
      laneCount = 0;
      countChanged();
      for (const lane of lanes) lane.retired = true;
      await Promise.all(lanes.map((lane) => Promise.resolve(lane.client.dispose())));
    },
  };
}

/**
 * Upstream graphql-ws connections shared by the subscriptions of one caller identity, up to
 * `subscriptionsPerConnectionMax` each (a dashboard watching ten accounts holds one upstream
 * socket, not ten). Callers never share a connection: the subgraph authorizes per connection.
 */
export function createUpstreamPool(deps: UpstreamPoolDeps, config: UpstreamConfig): UpstreamPool {
  const lanes = createLanes(deps, config);

  function open(request: UpstreamRequest, caller: UpstreamCaller, logger: Logger = deps.logger): AsyncIterableIterator<UpstreamEvent> {
    const lane = lanes.acquire(caller);
    const buffer = createEventBuffer<UpstreamEvent>(config.eventQueueSizeMax);
    const unsubscribe = lane.client.subscribe<Record<string, unknown>, unknown>(
      { query: request.query, variables: request.variables, ...(request.operationName === undefined ? {} : { operationName: request.operationName }) },
      {
        next: (event) => buffer.push(event),
        error: (error: unknown) => {
          // A list of GraphQL errors concerns this operation only; anything else is the connection
          // giving up, so the lane takes no new subscriptions.
          if (!Array.isArray(error)) lane.retired = true;
          const described = describeUpstreamFailure(error);
          logger.warn({ subgraph: config.subgraphName, failure: described }, 'upstream subscription failed');
          buffer.end(
            subscriptionError(SubscriptionErrorCode.UPSTREAM_UNAVAILABLE, `the ${config.subgraphName} subgraph subscription failed: ${described}`, {
              subgraph: config.subgraphName,
            }),
          );
        },
        complete: () => buffer.end(),
      },
    );
    let released = false;
    const close = (): void => {
      buffer.drop();
      if (released) return;
      released = true;
      unsubscribe();
      lanes.release(lane);
    };

    const iterator: AsyncIterableIterator<UpstreamEvent> = {
      [Symbol.asyncIterator]: () => iterator,
      next: (): Promise<IteratorResult<UpstreamEvent>> => buffer.next(close),
      return(): Promise<IteratorResult<UpstreamEvent>> {
        return new Promise((resolve) => {
          close();
          resolve({ done: true, value: undefined });
        });
      },
    };
    return iterator;
  }

  return { open, connectionCount: lanes.count, close: lanes.closeAll };
}
