import { createClient, type Client } from 'graphql-ws';
import type { Identity } from '@walletgraph/platform/auth';
import WebSocket from 'ws';
import { ADMIN, identityHeaders } from './helpers.js';

export interface Received {
  readonly data: Array<Record<string, unknown>>;
  readonly errors: unknown[];
  completed: boolean;
}

const SUBSCRIPTION = 'subscription ($id: ID!) { balanceUpdated(accountId: $id) { accountId amount version updatedAt account { id } } }';

/** Connects as the gateway would: the signed identity (admin by default; `null`: none) in connection_init. */
export function wsClient(url: string, identity: Identity | null = ADMIN): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: async () => (identity === null ? {} : { headers: await identityHeaders(identity) }),
  });
}

/** Subscribes and records every payload; resolves the returned unsubscribe function. */
export function subscribeBalance(client: Client, accountId: string): { received: Received; unsubscribe: () => void } {
  const received: Received = { data: [], errors: [], completed: false };
  const unsubscribe = client.subscribe(
    { query: SUBSCRIPTION, variables: { id: accountId } },
    {
      next: (result) => {
        if (result.errors !== undefined) received.errors.push(...result.errors);
        const payload = result.data?.['balanceUpdated'];
        if (payload !== undefined && payload !== null) received.data.push(payload as Record<string, unknown>);
      },
      error: (error: unknown) => {
        received.errors.push(error);
      },
      complete: () => {
        received.completed = true;
      },
    },
  );
  return { received, unsubscribe };
}
