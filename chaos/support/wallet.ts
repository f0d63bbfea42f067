// The load acts as a user of walletgraph, so it goes through @walletgraph/sdk: every fault also
// exercises the SDK's bounded, same-key retries. A call never throws here; it ends in an outcome
// whose `code` is the API's extensions.code or the SDK's own (NETWORK_ERROR, TIMEOUT for a
// NETWORK_ERROR without an answer in time, BAD_RESPONSE).
import { createWalletClient, isWalletError, NetworkError, type RetryEvent, type WalletClient, type WalletError } from '@walletgraph/sdk';
import { adminToken } from './auth';

export const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_DELAY_MS_INITIAL = 200;
const RETRY_DELAY_MS_MAX = 2_000;

export interface WalletOptions {
  /** Attempts per call, the first included; 1 sends each call once. Default 4. */
  readonly attemptCountMax?: number;
  readonly requestTimeoutMs?: number;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** An admin SDK client: retries are jittered, 200 ms doubling to 2 s. */
export function chaosWallet(gatewayUrl: string, options: WalletOptions = {}): WalletClient {
  return createWalletClient({
    url: gatewayUrl,
    token: adminToken,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    retry: { attemptCountMax: options.attemptCountMax ?? 4, delayMsInitial: RETRY_DELAY_MS_INITIAL, delayMsMax: RETRY_DELAY_MS_MAX },
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  });
}

export function codeOf(error: WalletError): string {
  if (error instanceof NetworkError && error.timedOut) return 'TIMEOUT';
  return error.apiCode ?? error.code;
}

export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly error: WalletError };

/** Runs one SDK call; a WalletError becomes a failed outcome, anything else (a bug) is thrown. */
export async function outcomeOf<T>(call: () => Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error: unknown) {
    if (!isWalletError(error)) throw error;
    return { ok: false, code: codeOf(error), error };
  }
}
