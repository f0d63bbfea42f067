// The SDK's end-to-end support: the gateway engineer's in-process stack, plus what it lacks for
// the SDK's reconnect test (restarting only the gateway on the same port), built from the same
// factories and settings.
import { createLogger } from '@walletgraph/platform/core';
import { createGateway, type Gateway } from '../../gateway/src/app';
import { loadGatewayConfig } from '../../gateway/src/config';
import { adminToken, internalIdentity } from '../../gateway/test/auth';
import { startStack, type Stack } from '../../gateway/test/stack';
import type { FetchLike } from '@walletgraph/sdk';

export { startStack, type Stack };

export { adminToken, internalIdentity };

/** Headers that let a test call a subgraph directly, as the gateway would (admin identity). */
export async function subgraphHeaders(): Promise<Record<string, string>> {
  return { 'x-walletgraph-identity': await internalIdentity() };
}

/** The gateway suites' SDK client (fast retry and reconnect settings, as an admin). */
export { testWallet as testClient } from '../../gateway/test/wallet-client';

/** A new gateway in front of the stack's subgraphs, on `port` (the stopped gateway's port). */
export async function startGatewayOnPort(stack: Stack, port: number): Promise<Gateway> {
  const gateway = createGateway(
    loadGatewayConfig({
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      WALLET_SUBGRAPH_URL: stack.wallet.graphqlUrl,
      BALANCE_SUBGRAPH_URL: stack.balance.graphqlUrl,
      BALANCE_SUBGRAPH_WS_URL: stack.balance.wsUrl,
      GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX: '2',
      GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX: '100',
      GATEWAY_READINESS_TIMEOUT_MS: '1000',
      GATEWAY_MUTATIONS_PER_MINUTE_MAX: '1000000',
    }),
    createLogger({ name: 'sdk-test-gateway', level: 'silent' }),
  );
  await gateway.start();
  return gateway;
}

/** A fresh client with two accounts, the first funded, all through the SDK. */
export { createFundedAccounts as fundedAccounts, type Accounts as FundedAccounts } from '../../gateway/test/fixtures';

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A subscription is live only once the balance subgraph has registered it, which no client can
 * see; so act repeatedly until the pending read resolves, a bounded number of times.
 */
export async function actUntil<T>(act: () => Promise<unknown>, pending: Promise<T>, attemptCountMax = 20, waitMs = 1_500): Promise<T> {
  const settled = pending.then((value) => ({ value }));
  for (let attempt = 0; attempt < attemptCountMax; attempt += 1) {
    await act();
    const outcome = await Promise.race([settled, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs))]);
    if (outcome !== undefined) return outcome.value;
  }
  throw new Error(`no event after ${attemptCountMax} attempts`);
}

/** Polls `read` until `done` holds, a bounded number of times. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, attemptCountMax = 100, intervalMs = 100): Promise<T> {
  for (let attempt = 0; attempt < attemptCountMax; attempt += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met after ${attemptCountMax} attempts`);
}

/**
 * A fetch that loses the response of the first `lossCount` calls whose body matches `match`:
 * the request reaches the server and takes effect, the caller sees a network failure.
 */
export function lossyFetch(match: (body: string) => boolean, lossCount: number) {
  const bodies: string[] = [];
  let lost = 0;
  const impl: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    if (!match(init.body)) return response;
    bodies.push(init.body);
    if (lost < lossCount) {
      lost += 1;
      await response.text();
      throw new TypeError('fetch failed: connection reset (simulated)');
    }
    return response;
  };
  return { fetch: impl, bodies };
}
