// The SDK as the end-to-end suites' client. Wherever a test acts as a user of walletgraph (sets up
// clients and accounts, moves money, reads balances) it goes through @walletgraph/sdk, so every
// suite also exercises the SDK. The raw helpers in client.ts remain only for what the SDK
// deliberately hides: SSE, HTTP statuses and headers, protocol-level errors, arbitrary selections.
import { createWalletClient, type WalletClient, type WalletClientOptions } from '@walletgraph/sdk';
import WebSocket from 'ws';
import { adminToken } from './auth';

export interface Endpoints {
  readonly url: string;
  readonly wsUrl?: string;
}

/** An admin client with fast retry and reconnect settings: tests wait on events, never on long sleeps. */
export function testWallet(endpoints: Endpoints, overrides: Partial<WalletClientOptions> = {}): WalletClient {
  return createWalletClient({
    url: endpoints.url,
    ...(endpoints.wsUrl === undefined ? {} : { wsUrl: endpoints.wsUrl }),
    webSocketImpl: WebSocket,
    retry: { attemptCountMax: 4, delayMsInitial: 10, delayMsMax: 50 },
    reconnect: { attemptCountMax: 60, delayMsInitial: 50, delayMsMax: 250 },
    keepAliveMs: 1_000,
    token: adminToken,
    ...overrides,
  });
}

/** The same client acting as whoever holds `token` (a bare JWT, no `Bearer`). */
export function walletAs(endpoints: Endpoints, token: string): WalletClient {
  return testWallet(endpoints, { token });
}
