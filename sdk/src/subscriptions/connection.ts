import { createClient, type Client, type Sink, type FormattedExecutionResult } from 'graphql-ws/client';
import { resolveHeaders, type ResolvedOptions } from '../options.js';
import { backoffDelayMs, sleep } from '../retry.js';

export interface SubscriptionRequest {
  /** Empty when the document goes by its trusted-documents id (`extensions`). */
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** One shared graphql-ws connection; streams subscribe over it and hear about reconnects. */
export interface SubscriptionConnection {
  subscribe(request: SubscriptionRequest, sink: Sink<FormattedExecutionResult<Record<string, unknown>>>): () => void;
  /** `listener` runs after every successful reconnect (not the first connect). Returns its remover. */
  onReconnected(listener: () => void): () => void;
  dispose(): Promise<void>;
}

export function createSubscriptionConnection(options: ResolvedOptions): SubscriptionConnection {
  const webSocketImpl = options.webSocketImpl;
  if (webSocketImpl === undefined) {
    throw new TypeError('no WebSocket available for subscriptions: pass `webSocketImpl` (e.g. the `ws` package in Node 20)');
  }
  const reconnectListeners = new Set<() => void>();
  const client: Client = createClient({
    url: options.wsUrl,
    webSocketImpl,
    lazy: true,
    keepAlive: options.keepAliveMs,
    connectionParams: async () => ({ headers: { ...(await resolveHeaders(options.headers)) } }),
    // graphql-ws counts the first connect as attempt zero, so this is the number of retries.
    retryAttempts: options.reconnect.attemptCountMax - 1,
    retryWait: (retries) => sleep(backoffDelayMs(options.reconnect, retries)),
    // graphql-ws retries only close events by default, but a refused connection (the gateway
    // restarting) surfaces as an error event first. Fatal close codes are still never retried.
    shouldRetry: () => true,
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (!wasRetry) return;
        for (const listener of reconnectListeners) listener();
      },
    },
  });
  return {
    subscribe(request, sink) {
      const payload = {
        query: request.query,
        // Not copied: graphql-ws sends this payload again after a reconnect, so a stream that
        // advances its `afterVersion` here resumes where it was (see BalanceStream).
        variables: request.variables as Record<string, unknown>,
        ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
        ...(request.extensions === undefined ? {} : { extensions: { ...request.extensions } }),
      };
      return client.subscribe(payload, sink);
    },
    onReconnected(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    async dispose() {
      reconnectListeners.clear();
      await client.dispose();
    },
  };
}
