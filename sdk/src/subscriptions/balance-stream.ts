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
  readonly request: SubscriptionRequest;
  /** Reads the current balance over HTTP; used to catch up after a reconnect. */
  readonly readBalance: () => Promise<Balance | null>;
  readonly resubscribe: RetryPolicy;
  readonly bufferCountMax: number;
  /** Called once when the stream ends, so the client can forget it. */
  readonly onEnd: () => void;
}

export interface BalanceStreamOptions {
  /** Yield the current balance first (read after subscribing). Default false. */
  readonly emitCurrent?: boolean;
  /** Ends the stream like `return()`. */
  readonly signal?: AbortSignal;
}

/** What a stream's state machine does next; branching stays in `BalanceStream`, leaves stay pure. */
type Settled = { readonly kind: 'open' } | { readonly kind: 'failed'; readonly error: WalletError } | { readonly kind: 'ended' };

/** graphql-ws close codes that are the server saying no, not the network failing. */
const refusalByCloseCode: Readonly<Record<number, ApiErrorCode>> = {
  4401: ApiErrorCode.UNAUTHENTICATED,
  4403: ApiErrorCode.FORBIDDEN,
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
 * A live balance: an async iterator of strictly increasing versions. It subscribes at once,
 * re-subscribes after retriable subscription errors, and after any reconnect reads the current
 * balance so an update missed while disconnected is not lost (only the newest state is).
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
  readonly #removeReconnectListener: () => void;
  /** How many updates the buffer dropped for a slow reader; visible for monitoring and tests. */
  droppedCount = 0;

  constructor(deps: BalanceStreamDeps, options: BalanceStreamOptions = {}) {
    this.#deps = deps;
    this.#removeReconnectListener = deps.connection.onReconnected(() => void this.#catchUp());
    options.signal?.addEventListener('abort', () => void this.return(), { once: true });
    this.#subscribe();
    if (options.emitCurrent === true) void this.#catchUp();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Balance>> {
    const balance = this.#buffer.shift();
    if (balance !== undefined) {
      this.#lastYieldedVersion = balance.version;
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
    this.#unsubscribe = this.#deps.connection.subscribe(this.#deps.request, {
      next: (result) => this.#onResult(result),
      error: (failure: unknown) => this.#onError(errorFromSink(failure)),
      complete: () => this.#end({ kind: 'ended' }),
    });
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
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (!error.retriable || this.#resubscribeCount + 1 >= this.#deps.resubscribe.attemptCountMax) {
      this.#end({ kind: 'failed', error });
      return;
    }
    const delayMs = backoffDelayMs(this.#deps.resubscribe, this.#resubscribeCount);
    this.#resubscribeCount += 1;
    void sleep(delayMs).then(() => {
      if (this.#state.kind !== 'open') return;
      this.#subscribe();
      void this.#catchUp();
    });
  }

  /** Best effort: a failed read only means the next pushed update brings the stream up to date. */
  async #catchUp(): Promise<void> {
    try {
      const balance = await this.#deps.readBalance();
      if (balance !== null) this.#push(balance);
    } catch (error: unknown) {
      if (!(error instanceof WalletError)) throw error;
    }
  }

  #push(balance: Balance): void {
    if (this.#state.kind !== 'open') return;
    const newestVersion = this.#buffer.at(-1)?.version ?? this.#lastYieldedVersion;
    if (balance.version <= newestVersion) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#failWaiters.shift();
      this.#lastYieldedVersion = balance.version;
      waiter({ done: false, value: balance });
      return;
    }
    if (this.#buffer.length >= this.#deps.bufferCountMax) {
      // A balance is state, not an event: the newest one supersedes the ones a slow reader missed.
      this.#buffer.shift();
      this.droppedCount += 1;
    }
    this.#buffer.push(balance);
  }

  #end(state: Exclude<Settled, { kind: 'open' }>): void {
    if (this.#state.kind !== 'open') return;
    this.#state = state;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#removeReconnectListener();
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
