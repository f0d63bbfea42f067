// Raw GraphQL clients for wire-level assertions: HTTP (status, headers), WebSocket (graphql-ws) and SSE
// (graphql-sse) with any selection. A test that acts as a user goes through the SDK (wallet-client.ts).
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { adminAuthorization } from './auth';

export interface GqlError {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number> | undefined;
  readonly extensions?: ({ readonly code?: string } & Record<string, unknown>) | undefined;
}

export interface GqlResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly GqlError[];
  readonly headers: Headers;
}

/**
 * `authorization` defaults to an admin token; pass a value to use another, or `''` to send none.
 */
export async function withAuthorization(headers: Record<string, string>): Promise<Record<string, string>> {
  if ('authorization' in headers) {
    const { authorization, ...rest } = headers;
    return authorization === '' || authorization === undefined ? rest : { ...rest, authorization };
  }
  return { ...headers, authorization: await adminAuthorization() };
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await withAuthorization(headers)) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  return { status: response.status, ...body, headers: response.headers };
}

export interface EventResult {
  readonly data?: Record<string, unknown> | null | undefined;
  readonly errors?: readonly GqlError[] | undefined;
}

export type Transport = 'ws' | 'sse';

/** One live subscription whose events a test awaits one at a time, with a timeout. */
export interface LiveSubscription {
  next: (timeoutMs?: number) => Promise<EventResult>;
  /** Resolves with how the stream ended: complete, or the protocol-level error. */
  readonly ended: Promise<{ readonly completed: boolean; readonly error?: unknown }>;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** `Bearer …` value; default an admin token; `null` sends none. */
  readonly authorization?: string | null;
  /** Sent with the operation, e.g. `{ persistedQuery: { version: 1, sha256Hash } }` with an empty query. */
  readonly extensions?: Record<string, unknown>;
}

export function subscribe(
  transport: Transport,
  urls: { readonly url: string; readonly wsUrl: string },
  query: string,
  variables: Record<string, unknown> = {},
  options: SubscribeOptions = {},
): LiveSubscription {
  const authorization = options.authorization === undefined ? adminAuthorization() : Promise.resolve(options.authorization);
  const events: EventResult[] = [];
  const waiters: Array<(event: EventResult) => void> = [];
  let resolveEnded: (value: { completed: boolean; error?: unknown }) => void = () => undefined;
  const ended = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
    resolveEnded = resolve;
  });
  const sink = {
    next: (value: EventResult) => {
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(value);
      else events.push(value);
    },
    error: (error: unknown) => resolveEnded({ completed: false, error }),
    complete: () => resolveEnded({ completed: true }),
  };
  let dispose: () => Promise<void>;
  if (transport === 'ws') {
    const client = createWsClient({
      url: urls.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: async () => {
        const value = await authorization;
        return value === null ? {} : { authorization: value };
      },
    });
    const unsubscribe = client.subscribe({ query, variables, ...(options.extensions === undefined ? {} : { extensions: options.extensions }) }, sink);
    dispose = async () => {
      unsubscribe();
      await client.dispose();
    };
  } else {
    const client = createSseClient({
      url: urls.url,
      retryAttempts: 0,
      headers: async (): Promise<Record<string, string>> => {
        const value = await authorization;
        return value === null ? {} : { authorization: value };
      },
    });
    const unsubscribe = client.subscribe({ query, variables, ...(options.extensions === undefined ? {} : { extensions: options.extensions }) }, sink);
    dispose = async () => {
      unsubscribe();
      client.dispose();
    };
  }
  return {
    ended,
    next: (timeoutMs = 20_000) => {
      const queued = events.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(onEvent);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        const onEvent = (event: EventResult): void => {
          clearTimeout(timer);
          resolve(event);
        };
        waiters.push(onEvent);
      });
    },
    close: () => dispose(),
  };
}
