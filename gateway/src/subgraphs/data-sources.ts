import http from 'node:http';
import https from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import nodeFetch, { type RequestInit } from 'node-fetch';
import { INTERNAL_IDENTITY_HEADER } from '@walletgraph/platform';
import type { IdentityMinter } from '../auth/internal-identity.js';
import type { SubgraphEndpoints } from '../config.js';
import type { GatewayMetrics } from '../http/metrics.js';
import { forwardedHeaderNames, type GatewayContext } from '../http/request-context.js';

export type SubgraphName = keyof SubgraphEndpoints;
type Fetcher = RemoteGraphQLDataSource['fetcher'];

export interface DataSourceConfig {
  readonly subgraphs: SubgraphEndpoints;
  readonly subgraphTimeoutMs: number;
  readonly subgraphSocketsMax: number;
}

export interface SubgraphDataSources {
  readonly byName: ReadonlyMap<string, RemoteGraphQLDataSource<GatewayContext>>;
  /** Closes pooled keep-alive sockets. */
  destroy(): void;
}

function isGatewayContext(value: unknown): value is GatewayContext {
  return typeof value === 'object' && value !== null && 'forwardedHeaders' in value && 'requestId' in value && 'identity' in value;
}

/** node-fetch through a bounded keep-alive pool, timed per subgraph, with a hard timeout per fetch. */
function createFetcher(subgraph: string, agents: { http: http.Agent; https: https.Agent }, deps: { metrics: GatewayMetrics }, timeoutMs: number): Fetcher {
  const fetcher = async (url: string, init?: RequestInit) => {
    const stop = deps.metrics.subgraphFetchLatencySeconds.startTimer({ subgraph });
    try {
      const response = await nodeFetch(url, {
        ...init,
        agent: (parsed: URL) => (parsed.protocol === 'https:' ? agents.https : agents.http),
        signal: AbortSignal.timeout(timeoutMs),
      });
      stop({ outcome: response.ok ? 'ok' : 'http_error' });
      return response;
    } catch (error: unknown) {
      stop({ outcome: 'network_error' });
      throw error;
    }
  };
  return fetcher as unknown as Fetcher;
}

export interface DataSourceDeps {
  readonly metrics: GatewayMetrics;
  /** Signs the caller's identity for each subgraph fetch. */
  readonly mintIdentity: IdentityMinter;
}

export function createSubgraphDataSources(deps: DataSourceDeps, config: DataSourceConfig): SubgraphDataSources {
  const agentOptions = { keepAlive: true, maxSockets: config.subgraphSocketsMax, maxFreeSockets: Math.min(16, config.subgraphSocketsMax) };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const byName = new Map<string, RemoteGraphQLDataSource<GatewayContext>>();
  for (const [name, endpoint] of Object.entries(config.subgraphs)) {
    byName.set(
      name,
      new RemoteGraphQLDataSource<GatewayContext>({
        url: endpoint.httpUrl,
        fetcher: createFetcher(name, agents, deps, config.subgraphTimeoutMs),
        async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
          // No verified identity, no credential: the subgraph then answers 401.
          if (!isGatewayContext(context) || request.http === undefined) return;
          for (const header of forwardedHeaderNames) {
            const value = context.forwardedHeaders[header];
            if (value !== undefined) request.http.headers.set(header, value);
          }
          request.http.headers.set(INTERNAL_IDENTITY_HEADER, await deps.mintIdentity(context.identity, context.requestId));
        },
      }),
    );
  }
  return {
    byName,
    destroy: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
