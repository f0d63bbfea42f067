import { Pool, type Dispatcher } from 'undici';

/** What one subgraph POST returns; the body is kept as text so several waiters can each parse it. */
export interface SubgraphHttpResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
  readonly bodyText: string;
}

export interface SubgraphHttpClient {
  post(body: string, headers: Readonly<Record<string, string>>): Promise<SubgraphHttpResponse>;
  /** Closes the pool's keep-alive sockets (waits for requests in flight). */
  close(): Promise<void>;
}

export interface SubgraphHttpClientConfig {
  /** http(s)://host:port/path of the subgraph. */
  readonly url: string;
  /** Keep-alive sockets this pool may open; requests beyond it queue inside undici. */
  readonly socketsMax: number;
  /** Time allowed until the response headers arrive, and again between two body chunks. */
  readonly timeoutMs: number;
}

const CONTENT_TYPE = 'content-type';
const CACHE_CONTROL = 'cache-control';

/** The first value of `name` (lower case) among undici's raw headers ([name, value, …] as bytes). */
function rawHeader(rawHeaders: readonly Buffer[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i];
    if (key !== undefined && key.length === name.length && key.toString('latin1').toLowerCase() === name) return rawHeaders[i + 1]?.toString('latin1');
  }
  return undefined;
}

/**
 * One POST through undici's dispatcher with a handler of our own: the response's bytes are
 * collected and decoded once, without the Readable stream, body mixin and promise chain of
 * `pool.request` + `body.text()` (a fifth of the gateway's undici time per read). Timeouts are
 * the pool's (headersTimeout, bodyTimeout), reported through onError like any failure.
 */
function post(pool: Pool, path: string, body: string, headers: Record<string, string>): Promise<SubgraphHttpResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let contentType: string | undefined;
    let cacheControl: string | undefined;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => undefined,
      onHeaders: (statusCode, rawHeaders) => {
        // 1xx informational answers come before the real one.
        if (statusCode < 200) return true;
        status = statusCode;
        const raw = rawHeaders as unknown as readonly Buffer[];
        contentType = rawHeader(raw, CONTENT_TYPE);
        cacheControl = rawHeader(raw, CACHE_CONTROL);
        return true;
      },
      onData: (chunk) => {
        chunks.push(chunk);
        return true;
      },
      onComplete: () => {
        let bodyText = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
        // As body.text() did (UTF-8 decode drops a byte order mark).
        if (bodyText.charCodeAt(0) === 0xfeff) bodyText = bodyText.slice(1);
        resolve({ status, contentType, cacheControl, bodyText });
      },
      onError: reject,
    };
    pool.dispatch({ path, method: 'POST', headers, body }, handler);
  });
}

/**
 * One undici Pool per subgraph: at most `socketsMax` sockets, all kept alive while busy (no close
 * and reconnect under load, unlike an http.Agent whose free-socket cap is below its socket cap),
 * one write per request, no Fetch API objects or body streams on the hot path.
 */
export function createSubgraphHttpClient(config: SubgraphHttpClientConfig): SubgraphHttpClient {
  const url = new URL(config.url);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, { connections: config.socketsMax, pipelining: 1, headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs });
  return {
    post: (body, headers) => post(pool, path, body, { ...headers, 'content-type': 'application/json' }),
    close: () => pool.close(),
  };
}
