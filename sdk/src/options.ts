import type { WalletError } from './errors.js';
import { assertRetryPolicy, type RetryPolicy } from './retry.js';

/** What `onRetry` is told before the SDK waits to retry a query or an idempotent mutation. */
export interface RetryEvent {
  /** The document's operation name, e.g. `CreateTransaction`. */
  readonly operationName: string | undefined;
  /** The variables sent (a retry sends the same ones, idempotency key included). */
  readonly variables: unknown;
  /** The retriable failure of the attempt that just ended. */
  readonly error: WalletError;
  /** 0 before the first retry. */
  readonly retryIndex: number;
  readonly delayMs: number;
}

/** Headers for every request (HTTP) and connection (WebSocket `connectionParams.headers`). */
export type HeadersInput = Readonly<Record<string, string>> | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/** A bearer token, or a function returning the current one (called per request and per connection, so it may refresh). */
export type TokenInput = string | (() => string | Promise<string>);

/** The part of a fetch Response the SDK reads; any WHATWG fetch satisfies it. */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface FetchInitLike {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInitLike) => Promise<FetchResponseLike>;

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s default export in Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

export interface WalletClientOptions {
  /** The gateway's GraphQL HTTP endpoint, e.g. http://localhost:4000/graphql. Required. */
  readonly url: string;
  /** The WebSocket endpoint for subscriptions. Default: `url` with http(s) replaced by ws(s). */
  readonly wsUrl?: string;
  readonly headers?: HeadersInput;
  /**
   * The gateway's bearer JWT: sent as `authorization: Bearer <token>` on every HTTP request and in
   * the WebSocket's `connectionParams.headers` (overrides an `authorization` in `headers`).
   */
  readonly token?: TokenInput;
  /** Default: `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Default: `globalThis.WebSocket`; Node 20 has none, so pass `ws` there. Only needed for subscriptions. */
  readonly webSocketImpl?: WebSocketConstructor;
  /** Per HTTP request, including reading the body. Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Largest response body accepted. Default 8 MiB. */
  readonly responseBytesMax?: number;
  /**
   * Retries of queries and idempotent mutations (`deposit`, `transfer`) after a retriable error.
   * Default 4 attempts, 100 ms doubling to at most 2 000 ms, jittered.
   */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * WebSocket reconnects in a row (and re-subscriptions after a retriable subscription error)
   * before a balance stream fails. Default 10 attempts, 250 ms doubling to at most 5 000 ms.
   */
  readonly reconnect?: Partial<RetryPolicy>;
  /** Balance versions buffered per stream for a slow reader; beyond it the stream pauses its subscription and resumes after the newest buffered version (none is dropped). Default 100. */
  readonly streamBufferCountMax?: number;
  /** Client ping interval that detects a dead WebSocket; 0 disables. Default 10 000. */
  readonly keepAliveMs?: number;
  /** Called before every retry wait, for logs and metrics; an exception it throws is ignored. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * Send the SDK's own operations by their trusted-documents id only (Apollo's
   * `extensions.persistedQuery.sha256Hash`, no query text), over HTTP and WebSocket. The gateway
   * finds the text in its manifest (sdk/persisted-query-manifest.json); a gateway without this
   * SDK's manifest answers PERSISTED_QUERY_NOT_FOUND. Documents passed to `request()` that are not
   * the SDK's go with their text. Default false: the text, which any gateway accepts (a gateway
   * limited to trusted documents accepts the SDK's texts too).
   */
  readonly documentIdsOnly?: boolean;
}

export interface ResolvedOptions {
  readonly url: string;
  readonly wsUrl: string;
  readonly headers: HeadersInput;
  readonly fetch: FetchLike;
  readonly webSocketImpl: WebSocketConstructor | undefined;
  readonly requestTimeoutMs: number;
  readonly responseBytesMax: number;
  readonly retry: RetryPolicy;
  readonly reconnect: RetryPolicy;
  readonly streamBufferCountMax: number;
  readonly keepAliveMs: number;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  readonly documentIdsOnly: boolean;
}

const defaults = {
  requestTimeoutMs: 10_000,
  responseBytesMax: 8 * 1024 * 1024,
  retry: { attemptCountMax: 4, delayMsInitial: 100, delayMsMax: 2_000 },
  reconnect: { attemptCountMax: 10, delayMsInitial: 250, delayMsMax: 5_000 },
  streamBufferCountMax: 100,
  keepAliveMs: 10_000,
} as const;

function positiveInteger(name: string, value: number, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new TypeError(`${name} must be an integer ≥ ${allowZero ? 0 : 1}, got ${value}`);
  return value;
}

function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

function optionalBoolean(name: string, value: boolean | undefined): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be true or false`);
  return value;
}

function parseHttpUrl(name: string, value: string, protocols: readonly string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch (error: unknown) {
    throw new TypeError(`${name} is not a URL: ${JSON.stringify(value)}`, { cause: error });
  }
  if (!protocols.includes(parsed.protocol)) throw new TypeError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  return parsed.toString();
}

function defaultWsUrl(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  return parsed.toString();
}

function withToken(headers: HeadersInput, token: TokenInput | undefined): HeadersInput {
  if (token === undefined) return headers;
  if (typeof token !== 'string' && typeof token !== 'function') throw new TypeError('token must be a string or a function returning one');
  return async () => {
    const value = typeof token === 'function' ? await token() : token;
    if (typeof value !== 'string' || value === '') throw new TypeError('token must resolve to a non-empty string');
    return { ...(await resolveHeaders(headers)), authorization: `Bearer ${value}` };
  };
}

/** Applies every default in one place and fails at construction on bad configuration. */
export function resolveOptions(options: WalletClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createWalletClient needs an options object with a url');
  const url = parseHttpUrl('url', options.url, ['http:', 'https:']);
  if (options.fetch === undefined && typeof globalThis.fetch !== 'function') throw new TypeError('no fetch available: pass the `fetch` option');
  // Browsers refuse a fetch called with another `this`, so the global is wrapped, not stored.
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retry = { ...defaults.retry, ...options.retry };
  const reconnect = { ...defaults.reconnect, ...options.reconnect };
  assertRetryPolicy('retry', retry);
  assertRetryPolicy('reconnect', reconnect);
  return {
    url,
    wsUrl: options.wsUrl === undefined ? defaultWsUrl(url) : parseHttpUrl('wsUrl', options.wsUrl, ['ws:', 'wss:']),
    headers: withToken(options.headers ?? {}, options.token),
    fetch: fetchImpl,
    webSocketImpl: options.webSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs ?? defaults.requestTimeoutMs),
    responseBytesMax: positiveInteger('responseBytesMax', options.responseBytesMax ?? defaults.responseBytesMax),
    retry,
    reconnect,
    streamBufferCountMax: positiveInteger('streamBufferCountMax', options.streamBufferCountMax ?? defaults.streamBufferCountMax),
    keepAliveMs: positiveInteger('keepAliveMs', options.keepAliveMs ?? defaults.keepAliveMs, true),
    onRetry: optionalFunction('onRetry', options.onRetry),
    documentIdsOnly: optionalBoolean('documentIdsOnly', options.documentIdsOnly) ?? false,
  };
}

export async function resolveHeaders(headers: HeadersInput): Promise<Readonly<Record<string, string>>> {
  return typeof headers === 'function' ? await headers() : headers;
}
