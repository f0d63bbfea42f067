import type { FormattedExecutionResult } from 'graphql-ws/client';
import { ApiErrorCode, ClientErrorCode, NetworkError, WalletError, walletErrorFromGraphQL } from '../errors.js';
import type { BalanceFieldsFragment } from '../generated/graphql.js';
import { backoffDelayMs, sleep, type RetryPolicy } from '../retry.js';
import { parseBalance } from '../parse.js';
import { parseGraphQLError } from '../transport/response.js';
import type { SubscriptionConnection, SubscriptionRequest } from './connection.js';

export type Balance = BalanceFieldsFragment;

export interface BalanceStreamDeps {
  readonly connection: SubscriptionConnection;
  /** `variables.afterVersion` is set by the stream: it resumes after the newest version it received. */
  readonly request: SubscriptionRequest;
  /** Reads the current balance over HTTP: the stream starts from its version. */
  readonly readBalance: () => Promise<Balance | null>;
  readonly resubscribe: RetryPolicy;
  readonly bufferCountMax: number;
  /** Called once when the stream ends, so the client can forget it. */
  readonly onEnd: () => void;
}

export interface BalanceStreamOptions {
  /** Yield the current balance first (the one the stream starts from). Default false. */
  readonly emitCurrent?: boolean;
  /**
   * Start right after this version (one your app already has) instead of the current balance:
   * every later version is yielded, the retained history first. If the server no longer keeps
   * versions that old, the stream fails with RESUME_POINT_EXPIRED.
   */
  readonly afterVersion?: number;
  /** Ends the stream like `return()`. */
  readonly signal?: AbortSignal;
}

/** What a stream's state machine does next; branching stays in `BalanceStream`, leaves stay pure. */
type Settled = { readonly kind: 'open' } | { readonly kind: 'failed'; readonly error: WalletError } | { readonly kind: 'ended' };

/** graphql-ws close codes that are the server saying no, not the network failing. */
const refusalByCloseCode: Readonly<Record<number, ApiErrorCode>> = {
  4401: ApiErrorCode.UNAUTHENTICATED,
  4403: ApiErrorCode.FORBIDDEN,
  // "Try Again Later": the caller holds the gateway's maximum of WebSocket connections (graphql-ws
  // has already retried with back-off by the time the stream sees it: close connections, then retry).
  1013: ApiErrorCode.CONNECTION_LIMIT_EXCEEDED,
};

function errorFromSink(failure: unknown): WalletError {
  if (Array.isArray(failure)) return walletErrorFromGraphQL(failure.map(parseGraphQLError));
  if (failure instanceof WalletError) return failure;
  const { code, reason } = typeof failure === 'object' && failure !== null ? (failure as { code?: unknown; reason?: unknown }) : {};
  const refusal = typeof code === 'number' ? refusalByCloseCode[code] : undefined;
  if (refusal !== undefined) {
    const detail = typeof reason === 'string' && reason !== '' ? reason : `closed with code ${String(code)}`;
    return new WalletError(refusal, `balance subscription refused: ${detail}`, { cause: failure, retriable: false });
  }
  const detail = typeof code === 'number' ? `closed with code ${code}` : failure instanceof Error ? failure.message : 'connection failed';
  // graphql-ws already spent its reconnect attempts (or the close was fatal): not retriable here.
  return new NetworkError(`balance subscription lost: ${detail}`, { cause: failure, retriable: false });
}

/**
 * A live balance: an async iterator of every version, once, in order. It reads the current
 * balance and subscribes right after its version (no race between the read and the subscribe);
 * after a reconnect or a retriable error it resubscribes after the newest version it received, and
 * the server replays what was missed. A reader more than `bufferCountMax` versions behind pauses
 * the subscription instead of losing versions; it resumes when the reader has caught up.
 */
export class BalanceStream implements AsyncIterableIterator<Balance> {
  readonly #deps: BalanceStreamDeps;
  /** Strictly increasing versions, all newer than `#lastYieldedVersion`. */
  readonly #buffer: Balance[] = [];
  readonly #waiters: ((result: IteratorResult<Balance>) => void)[] = [];
  readonly #failWaiters: ((error: WalletError) => void)[] = [];
  #lastYieldedVersion = Number.NEGATIVE_INFINITY;
  #state: Settled = { kind: 'open' };
  #unsubscribe: (() => void) | undefined;
  #resubscribeCount = 0;
  /** Sent on every (re)subscribe: graphql-ws sends this same object again when it reconnects. */
  readonly #variables: Record<string, unknown>;
  /** Unsubscribed because the reader is `bufferCountMax` behind; resubscribes when it catches up. */
  #paused = false;
  #generation = 0;
  /** Always 0: versions are never dropped (a slow reader pauses the subscription). Kept for compatibility. */
  readonly droppedCount: number = 0;

  constructor(deps: BalanceStreamDeps, options: BalanceStreamOptions = {}) {
    this.#deps = deps;
    this.#variables = { ...deps.request.variables, afterVersion: options.afterVersion ?? null };
    options.signal?.addEventListener('abort', () => void this.return(), { once: true });
    if (options.afterVersion !== undefined) {
      this.#lastYieldedVersion = options.afterVersion;
      this.#subscribe();
    } else {
      void this.#startFromCurrent(options.emitCurrent === true);
    }
  }

  /** Reads the balance, then subscribes after its version: nothing between the two is missed. */
  async #startFromCurrent(emitCurrent: boolean): Promise<void> {
    let current: Balance | null;
    try {
      current = await this.#deps.readBalance();
    } catch (error: unknown) {
      this.#end({
        kind: 'failed',
        error: error instanceof WalletError ? error : new WalletError(ClientErrorCode.BAD_RESPONSE, String(error), { cause: error }),
      });
      return;
    }
    if (this.#state.kind !== 'open') return;
    if (current !== null) {
      if (emitCurrent) this.#push(current);
      else this.#lastYieldedVersion = current.version;
      this.#variables['afterVersion'] = current.version;
    }
    this.#subscribe();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Balance>> {
    const balance = this.#buffer.shift();
    if (balance !== undefined) {
      this.#lastYieldedVersion = balance.version;
      if (this.#paused && this.#buffer.length === 0 && this.#state.kind === 'open') {
        this.#paused = false;
        this.#subscribe();
      }
      return Promise.resolve({ done: false, value: balance });
    }
    if (this.#state.kind === 'failed') {
      const { error } = this.#state;
      this.#state = { kind: 'ended' };
      return Promise.reject(error);
    }
    if (this.#state.kind === 'ended') return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push(resolve);
      this.#failWaiters.push(reject);
    });
  }

  return(): Promise<IteratorResult<Balance>> {
    return new Promise((resolve) => {
      this.#end({ kind: 'ended' });
      resolve({ done: true, value: undefined });
    });
  }

  #subscribe(): void {
    // graphql-ws completes a subscription we end ourselves (pause, resubscribe): only the current one speaks.
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation;
    this.#unsubscribe = this.#deps.connection.subscribe(
      { ...this.#deps.request, variables: this.#variables },
      {
        next: (result) => current() && this.#onResult(result),
        error: (failure: unknown) => current() && this.#onError(errorFromSink(failure)),
        complete: () => current() && this.#end({ kind: 'ended' }),
      },
    );
  }

  /** Ends the current subscription; whatever it still reports is ignored. */
  #detach(): void {
    this.#generation += 1;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #onResult(result: FormattedExecutionResult<Record<string, unknown>>): void {
    if (result.errors !== undefined && result.errors.length > 0) {
      this.#onError(walletErrorFromGraphQL(result.errors.map(parseGraphQLError)));
      return;
    }
    try {
      this.#push(parseBalance(result.data?.['balanceUpdated'], 'balanceUpdated'));
      this.#resubscribeCount = 0;
    } catch (error: unknown) {
      this.#onError(error instanceof WalletError ? error : new WalletError(ClientErrorCode.BAD_RESPONSE, String(error), { cause: error }));
    }
  }

  #onError(error: WalletError): void {
    if (this.#state.kind !== 'open') return;
    this.#detach();
    if (!error.retriable || this.#resubscribeCount + 1 >= this.#deps.resubscribe.attemptCountMax) {
      this.#end({ kind: 'failed', error });
      return;
    }
    const delayMs = backoffDelayMs(this.#deps.resubscribe, this.#resubscribeCount);
    this.#resubscribeCount += 1;
    void sleep(delayMs).then(() => {
      // Resubscribes after the newest version received: the server replays the rest.
      if (this.#state.kind === 'open' && !this.#paused) this.#subscribe();
    });
  }

  #push(balance: Balance): void {
    if (this.#state.kind !== 'open' || this.#paused) return;
    const newestVersion = this.#buffer.at(-1)?.version ?? this.#lastYieldedVersion;
    if (balance.version <= newestVersion) return;
    if (this.#buffer.length >= this.#deps.bufferCountMax) {
      // Not dropped: the subscription pauses, and resumes after the newest buffered version.
      this.#paused = true;
      this.#detach();
      return;
    }
    this.#variables['afterVersion'] = balance.version;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#failWaiters.shift();
      this.#lastYieldedVersion = balance.version;
      waiter({ done: false, value: balance });
      return;
    }
    this.#buffer.push(balance);
  }

  #end(state: Exclude<Settled, { kind: 'open' }>): void {
    if (this.#state.kind !== 'open') return;
    this.#state = state;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#deps.onEnd();
    if (this.#waiters.length === 0) return;
    // A waiter means the buffer is empty: hand the outcome to the pending reads.
    const waiters = this.#waiters.splice(0);
    const failWaiters = this.#failWaiters.splice(0);
    if (state.kind === 'failed') {
      this.#state = { kind: 'ended' };
      for (const fail of failWaiters) fail(state.error);
    } else {
      for (const resolve of waiters) resolve({ done: true, value: undefined });
    }
  }
}
