// Balance subscriptions through the gateway (graphql-ws), observed for the "never silence" rule:
// after a fault, each stream must either deliver a newer version or end with an error/complete.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { adminAuthorization } from './auth';

export type StreamFate = 'resumed' | 'errored' | 'completed' | 'silent';

export interface WatchedBalance {
  readonly accountId: string;
  /** Highest version delivered so far. */
  lastVersion(): number;
  /** Every version delivered, in arrival order. */
  versions(): number[];
  /** Versions delivered after `sinceMs`. */
  deliveredSince(sinceMs: number): number;
  /** Waits until a version above `version` arrives or the stream ends; 'silent' after timeoutMs. */
  fateAfter(version: number, timeoutMs: number): Promise<StreamFate>;
  close(): Promise<void>;
}

const QUERY = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { accountId amount version } }';

export function watchBalance(wsUrl: string, accountId: string): WatchedBalance {
  // No automatic reconnect: the test must see what a plain client sees.
  const client: Client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: async () => ({ authorization: await adminAuthorization() }),
  });
  const deliveries: Array<{ version: number; atMs: number }> = [];
  let ended: StreamFate | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  const dispose = client.subscribe<{ balanceUpdated: { version: number } }>(
    { query: QUERY, variables: { id: accountId } },
    {
      next: (value) => {
        if (value.errors !== undefined && value.errors.length > 0) ended ??= 'errored';
        const version = value.data?.balanceUpdated.version;
        if (typeof version === 'number') deliveries.push({ version, atMs: Date.now() });
        notify();
      },
      error: () => {
        ended ??= 'errored';
        notify();
      },
      complete: () => {
        ended ??= 'completed';
        notify();
      },
    },
  );
  const lastVersion = (): number => deliveries.reduce((max, d) => Math.max(max, d.version), -1);
  return {
    accountId,
    lastVersion,
    versions: () => deliveries.map((d) => d.version),
    deliveredSince: (sinceMs) => deliveries.filter((d) => d.atMs >= sinceMs).length,
    fateAfter(version, timeoutMs) {
      return new Promise((resolve) => {
        const check = (): boolean => {
          if (lastVersion() > version) return finish('resumed');
          if (ended !== undefined) return finish(ended);
          return false;
        };
        const timer = setTimeout(() => finish('silent'), timeoutMs);
        function finish(fate: StreamFate): true {
          clearTimeout(timer);
          listeners.delete(onChange);
          resolve(fate);
          return true;
        }
        const onChange = (): void => {
          check();
        };
        listeners.add(onChange);
        check();
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
