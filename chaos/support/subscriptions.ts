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

const QUERY = 'subscription($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { accountId amount version } }';

/**
 * Versions of an account go up by one per change, and a subscriber sees each once (issue 17):
 * the first break of that rule in `versions` (a gap or a repeat), or undefined.
 */
export function versionBreak(versions: readonly number[], afterVersion?: number): string | undefined {
  let previous = afterVersion;
  for (const version of versions) {
    if (previous !== undefined && version !== previous + 1) return `${version} after ${previous}`;
    previous = version;
  }
  return undefined;
}

/** `afterVersion`: the version the watcher starts after (read first, as the SDK does), so nothing before its first event can be missed. */
export function watchBalance(wsUrl: string, accountId: string, afterVersion?: number): WatchedBalance {
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
    { query: QUERY, variables: { id: accountId, after: afterVersion ?? null } },
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
