import { Pool } from 'undici';

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

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One undici Pool per subgraph: at most `socketsMax` sockets, all kept alive while busy (no close
 * and reconnect under load, unlike an http.Agent whose free-socket cap is below its socket cap),
 * one write per request, no Fetch API objects on the hot path.
 */
export function createSubgraphHttpClient(config: SubgraphHttpClientConfig): SubgraphHttpClient {
  const url = new URL(config.url);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, { connections: config.socketsMax, pipelining: 1, headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs });
  return {
    async post(body, headers) {
      const response = await pool.request({ path, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      const bodyText = await response.body.text();
      return {
        status: response.statusCode,
        contentType: firstHeader(response.headers['content-type']),
        cacheControl: firstHeader(response.headers['cache-control']),
        bodyText,
      };
    },
    close: () => pool.close(),
  };
}
