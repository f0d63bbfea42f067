import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { parseCacheControlHeader } from '@apollo/gateway/dist/datasources/parseCacheControlHeader.js';
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, type Logger } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER } from '@walletgraph/platform/auth';
import { traceCarrierOf, withTraceHeaders, type Context } from '@walletgraph/platform/tracing';
import type { IdentityMinter } from '../auth/internal-identity.js';
import type { SubgraphEndpoints } from '../config.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { forwardedHeaderNames, type GatewayContext } from '../context/request-context.js';
import { operationTraceOf } from '../context/operation-trace.js';
import { createSubgraphHttpClient, type SubgraphHttpClient, type SubgraphHttpResponse } from './http-client.js';
import { createInflightDeduper, type InflightDeduper } from './inflight.js';

export type SubgraphName = keyof SubgraphEndpoints;
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface DataSourceConfig {
  readonly subgraphs: SubgraphEndpoints;
  readonly subgraphTimeoutMs: number;
  readonly subgraphSocketsMax: number;
  /** Merge identical in-flight subgraph queries (never mutations) into one fetch. */
  readonly dedupeInflight: boolean;
  /** Distinct in-flight queries tracked per subgraph; beyond it a fetch runs unshared. */
  readonly dedupeInflightKeysMax: number;
}

export interface SubgraphDataSources {
  readonly byName: ReadonlyMap<string, GraphQLDataSource<GatewayContext>>;
  /** Closes pooled keep-alive sockets. */
  destroy(): Promise<void>;
}

export interface DataSourceDeps {
  readonly metrics: GatewayMetrics;
  /** Signs the caller's identity for each subgraph fetch. */
  readonly mintIdentity: IdentityMinter;
  readonly logger: Logger;
}

/** A full dedupe map is reported at most this often (it is counted every time). */
const fullWarningIntervalMs = 60_000;

function isGatewayContext(value: unknown): value is GatewayContext {
  return typeof value === 'object' && value !== null && 'forwardedHeaders' in value && 'requestId' in value && 'identity' in value;
}

/** Only queries are merged; the plan's document says which, else the operation text's keyword. */
export function isQueryOperation(query: string, document: DocumentNode | undefined): boolean {
  const definition = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (definition !== undefined && definition.kind === Kind.OPERATION_DEFINITION) return definition.operation === OperationTypeNode.QUERY;
  const text = query.trimStart();
  return text.startsWith('{') || /^query\b/.test(text);
}

/**
 * Headers for one fetch: trace context and request id of the caller, and its signed identity.
 * `fetchContext`: the fetch's own span (explicit tracing context); otherwise the active one (Apollo
 * Gateway's gateway.fetch with WALLETGRAPH_TRACING_CONTEXT=async-local-storage), and without either
 * the request's own `traceparent` goes on (the caller's, or the unsampled SERVER span's, flag 0).
 */
async function headersFor(
  context: unknown,
  deps: DataSourceDeps,
  planHeaders: Iterable<[string, string]> | undefined,
  fetchContext: Context | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (planHeaders !== undefined) for (const [name, value] of planHeaders) headers[name] = value;
  // No verified identity, no credential: the subgraph then answers 401.
  if (!isGatewayContext(context)) return headers;
  for (const name of forwardedHeaderNames) {
    const value = context.forwardedHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  // Tracing on: the subgraph's span is a child of this fetch's span (gateway.fetch), not of the caller's.
  Object.assign(headers, withTraceHeaders({}, traceCarrierOf(fetchContext)));
  headers[INTERNAL_IDENTITY_HEADER] = await deps.mintIdentity(context.identity, context.requestId);
  return headers;
}

/** RemoteGraphQLDataSource's behaviour for a non-2xx answer: a GraphQLError carrying the response. */
/** Statuses that say "not now" (the subgraph or a proxy before it is down or overloaded): the caller may retry. */
const unavailableStatuses: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * The subgraph could not be reached (refused, reset, timed out): SERVICE_UNAVAILABLE, which the API
 * documents as retriable, rather than the INTERNAL_SERVER_ERROR a plain Error would become.
 */
function unreachableError(name: string, error: unknown): GraphQLError {
  // The cause (ECONNREFUSED, a timeout) stays in the gateway's logs, out of the caller's answer.
  return new GraphQLError(`the ${name} subgraph is unavailable; retry later`, {
    extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, serviceName: name },
    originalError: error instanceof Error ? error : undefined,
  });
}

function httpError(url: string, response: SubgraphHttpResponse): GraphQLError {
  const code =
    response.status === 401
      ? { code: 'UNAUTHENTICATED' }
      : response.status === 403
        ? { code: 'FORBIDDEN' }
        : unavailableStatuses.has(response.status)
          ? { code: ErrorCode.SERVICE_UNAVAILABLE }
          : {};
  const statusText = STATUS_CODES[response.status] ?? '';
  return new GraphQLError(`${response.status}: ${statusText}`, {
    extensions: { ...code, response: { url, status: response.status, statusText, body: errorBodyOf(response) } },
  });
}

function isJsonContent(response: SubgraphHttpResponse): boolean {
  return response.contentType?.startsWith('application/json') === true || response.contentType?.startsWith('application/graphql-response+json') === true;
}

function parseMaybeJson(response: SubgraphHttpResponse): unknown {
  return isJsonContent(response) ? (JSON.parse(response.bodyText) as unknown) : response.bodyText;
}

/** An error body is shown as sent when it is not the JSON it claims to be. */
function errorBodyOf(response: SubgraphHttpResponse): unknown {
  try {
    return parseMaybeJson(response);
  } catch {
    return response.bodyText;
  }
}

/**
 * A subgraph refuses a request it cannot run (validation, variable coercion) with HTTP 4xx and a
 * GraphQL body (GraphQL over HTTP); its errors, with their codes (BAD_USER_INPUT, ...), are the
 * answer, not a generic "400: Bad Request". Anything else (no body, not JSON, no errors) stays an
 * HTTP error.
 */
function graphqlErrorsOf(response: SubgraphHttpResponse): GraphQLError[] | undefined {
  const body = errorBodyOf(response);
  const errors = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const parsed: GraphQLError[] = [];
  for (const error of errors as unknown[]) {
    if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return undefined;
    const { message, extensions } = error as { message: string; extensions?: unknown };
    const code = typeof extensions === 'object' && extensions !== null ? (extensions as { code?: unknown }).code : undefined;
    parsed.push(new GraphQLError(message, { extensions: { code: typeof code === 'string' ? code : 'BAD_REQUEST' } }));
  }
  return parsed;
}

/** Each waiter parses the shared text itself: the gateway mutates what it receives (rewrites, merges). */
function graphqlResponseOf(url: string, response: SubgraphHttpResponse): GatewayGraphQLResponse {
  if (response.status < 200 || response.status > 299) {
    const refused = response.status >= 400 && response.status <= 499 ? graphqlErrorsOf(response) : undefined;
    // GraphQLError instances (the gateway keeps each as its error's originalError); a GraphQLError
    // declares `locations` as `| undefined`, which exactOptionalPropertyTypes tells apart.
    if (refused !== undefined) return { errors: refused as readonly GraphQLFormattedError[] };
    throw httpError(url, response);
  }
  const body = parseMaybeJson(response);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error(`Expected JSON response body, but received: ${response.bodyText.slice(0, 200)}`);
  return body;
}

/** Apollo Server's CachePolicy, as far as this module uses it (the gateway types the request context's as any). */
interface RestrictableCachePolicy {
  restrict(hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' }): void;
}

/** Subgraph Cache-Control narrows the operation's cache policy, as RemoteGraphQLDataSource does. */
function restrictCachePolicy(options: GraphQLDataSourceProcessOptions<GatewayContext>, cacheControl: string | undefined): void {
  if (cacheControl === undefined || options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return;
  const policy: unknown = options.incomingRequestContext.overallCachePolicy;
  if (policy === undefined || policy === null || typeof policy !== 'object' || !('restrict' in policy)) return;
  const parsed = parseCacheControlHeader(cacheControl);
  const maxAge = parsed['max-age'];
  (policy as RestrictableCachePolicy).restrict({
    maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0,
    ...(parsed['private'] === true ? { scope: 'PRIVATE' as const } : parsed['public'] === true ? { scope: 'PUBLIC' as const } : {}),
  });
}

interface SubgraphSource {
  readonly dataSource: GraphQLDataSource<GatewayContext>;
  readonly client: SubgraphHttpClient;
}

function createSubgraphSource(name: string, url: string, deps: DataSourceDeps, config: DataSourceConfig): SubgraphSource {
  const client = createSubgraphHttpClient({ url, socketsMax: config.subgraphSocketsMax, timeoutMs: config.subgraphTimeoutMs });
  let fullWarnedAtMs = Number.NEGATIVE_INFINITY;
  const deduper: InflightDeduper<SubgraphHttpResponse> = createInflightDeduper(
    { keysMax: config.dedupeInflightKeysMax },
    {
      onShared: () => deps.metrics.subgraphFetchSharedCount.inc({ subgraph: name }),
      onFull: () => {
        deps.metrics.subgraphFetchDedupeFullCount.inc({ subgraph: name });
        if (Date.now() - fullWarnedAtMs < fullWarningIntervalMs) return;
        fullWarnedAtMs = Date.now();
        deps.logger.warn(
          { subgraph: name, keysMax: config.dedupeInflightKeysMax },
          'in-flight dedupe map full (GATEWAY_DEDUPE_INFLIGHT_MAX): fetching unshared',
        );
      },
    },
  );
  const fetchTimed = async (body: string, headers: Record<string, string>): Promise<SubgraphHttpResponse> => {
    const stop = deps.metrics.subgraphFetchLatencySeconds.startTimer({ subgraph: name });
    try {
      const response = await client.post(body, headers);
      stop({ outcome: response.status >= 200 && response.status <= 299 ? 'ok' : 'http_error' });
      return response;
    } catch (error: unknown) {
      stop({ outcome: 'network_error' });
      deps.logger.warn({ subgraph: name, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, 'subgraph fetch failed: unreachable');
      throw unreachableError(name, error);
    }
  };
  const fetchOnce = async (options: GraphQLDataSourceProcessOptions<GatewayContext>, fetchContext: Context | undefined): Promise<SubgraphHttpResponse> => {
    const { request } = options;
    if (request.query === undefined) throw new Error('Missing query');
    const headers = await headersFor(options.context, deps, request.http?.headers, fetchContext);
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });
    const document = options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options.document : undefined;
    // Key: the identity that is signed, not the request id or trace context (per-request tracing only:
    // the merged fetch carries the first caller's). Without an identity nothing is merged.
    const identity = headers[INTERNAL_IDENTITY_HEADER];
    const shareable = config.dedupeInflight && identity !== undefined && isQueryOperation(request.query, document);
    return shareable ? await deduper.run(`${identity}\n${body}`, () => fetchTimed(body, headers)) : await fetchTimed(body, headers);
  };
  const dataSource: GraphQLDataSource<GatewayContext> = {
    async process(options) {
      // A traced operation's fetch gets its own CLIENT span (explicit tracing context), which the subgraph continues.
      const fetch =
        options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? operationTraceOf(options.incomingRequestContext)?.startFetch(name) : undefined;
      if (fetch === undefined) {
        const response = await fetchOnce(options, undefined);
        restrictCachePolicy(options, response.cacheControl);
        return graphqlResponseOf(url, response);
      }
      let response: SubgraphHttpResponse;
      try {
        response = await fetchOnce(options, fetch.context);
      } catch (error: unknown) {
        fetch.end({ error });
        throw error;
      }
      fetch.end({ status: response.status });
      restrictCachePolicy(options, response.cacheControl);
      return graphqlResponseOf(url, response);
    },
  };
  return { dataSource, client };
}

export function createSubgraphDataSources(deps: DataSourceDeps, config: DataSourceConfig): SubgraphDataSources {
  const names = Object.keys(config.subgraphs) as Array<keyof SubgraphEndpoints>;
  const sources = names.map((name) => [name, createSubgraphSource(name, config.subgraphs[name].httpUrl, deps, config)] as const);
  return {
    byName: new Map(sources.map(([name, source]) => [name, source.dataSource])),
    destroy: async () => {
      await Promise.all(sources.map(([, source]) => source.client.close()));
    },
  };
}
