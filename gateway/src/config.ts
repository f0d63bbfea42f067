import { z } from 'zod';
import { envField, parseEnv } from '@walletgraph/platform/core';
import { authEnvFields, refineAuthEnv, resolveAuthConfig, type AuthConfig } from '@walletgraph/platform/auth';
import { refineTracingEnv, resolveTracingConfig, tracingEnvFields, type TracingConfig } from '@walletgraph/platform/tracing';

const httpUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => /^https?:\/\/[^/\s]+\/\S*$/.test(value), { message: 'must be an http(s) URL such as http://127.0.0.1:4001/graphql' });

const wsUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => /^wss?:\/\/[^/\s]+\/\S*$/.test(value), { message: 'must be a ws(s) URL such as ws://127.0.0.1:4002/graphql' });

/** An exact browser origin: `http(s)://host[:port]`, as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

const CORS_ORIGINS_MAX = 100;

/**
 * Demand control's default budget: the SDK's largest operation (a page of 100 transactions) costs
 * 403, the playground's and the bench's reads 3, a transfer 23; issue 14's 30-alias nested query
 * costs 612,060. 5,000 is twelve times the first and a 122nd of the second.
 */
export const COST_MAX_DEFAULT = 5_000;

const schema = z
  .object({
    ...authEnvFields,
    ...tracingEnvFields,
    LOG_LEVEL: envField.logLevel(),
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
    WALLET_SUBGRAPH_URL: httpUrl('http://127.0.0.1:4001/graphql'),
    BALANCE_SUBGRAPH_URL: httpUrl('http://127.0.0.1:4002/graphql'),
    BALANCE_SUBGRAPH_WS_URL: wsUrl('ws://127.0.0.1:4002/graphql'),
    GATEWAY_SUPERGRAPH_PATH: z.string().min(1).optional(),
    GATEWAY_DEPTH_MAX: envField.positiveInt(12, 100),
    GATEWAY_ALIASES_MAX: envField.positiveInt(30, 1_000),
    GATEWAY_FIELDS_MAX: envField.positiveInt(500, 100_000),
    GATEWAY_BODY_BYTES_MAX: envField.positiveInt(100_000, 100_000_000),
    GATEWAY_BATCH_SIZE_MAX: envField.positiveInt(10, 1_000),
    GATEWAY_COST_MAX: envField.positiveInt(COST_MAX_DEFAULT, 1_000_000_000),
    GATEWAY_COST_MODE: z.enum(['enforce', 'measure', 'off']).default('enforce'),
    GATEWAY_TRUSTED_DOCUMENTS: z.enum(['off', 'clients', 'all']).optional(),
    GATEWAY_TRUSTED_DOCUMENTS_PATH: z.string().min(1).optional(),
    GATEWAY_QUERY_PLAN_CACHE_BYTES_MAX: envField.positiveInt(32 * 1024 * 1024, 4 * 1024 * 1024 * 1024),
    GATEWAY_APQ_CACHE_BYTES_MAX: envField.positiveInt(16 * 1024 * 1024, 4 * 1024 * 1024 * 1024),
    GATEWAY_WORKERS: envField.positiveInt(1, 64),
    GATEWAY_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(50),
    GATEWAY_INTROSPECTION: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    GATEWAY_SUBGRAPH_TIMEOUT_MS: envField.positiveInt(10_000, 600_000),
    GATEWAY_SUBGRAPH_SOCKETS_MAX: envField.positiveInt(64, 10_000),
    GATEWAY_DEDUPE_INFLIGHT: envField.bool(true),
    GATEWAY_DEDUPE_INFLIGHT_MAX: envField.positiveInt(10_000, 1_000_000),
    GATEWAY_AUTH_TOKEN_CACHE_BYTES_MAX: z.coerce
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    GATEWAY_AUTH_TOKEN_CACHE_MS_MAX: envField.positiveInt(300_000, 3_600_000),
    GATEWAY_IDENTITY_REUSE_MS: z.coerce.number().int().min(0).max(45_000).default(30_000),
    GATEWAY_IDENTITY_CACHE_BYTES_MAX: envField.positiveInt(4 * 1024 * 1024, 1024 * 1024 * 1024),
    GATEWAY_READINESS_TIMEOUT_MS: envField.positiveInt(1_000, 60_000),
    SUBSCRIPTIONS_PER_CONNECTION_MAX: envField.positiveInt(20, 10_000),
    GATEWAY_SUBSCRIPTIONS_MAX: envField.positiveInt(10_000, 1_000_000),
    GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX: envField.positiveInt(1_000, 1_000_000),
    GATEWAY_WS_CONNECTIONS_MAX: envField.positiveInt(10_000, 1_000_000),
    GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX: envField.positiveInt(100, 1_000_000),
    GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX: envField.positiveInt(10, 10_000),
    GATEWAY_SSE_RESERVATION_TTL_MS: envField.positiveInt(10_000, 600_000),
    GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX: z.coerce.number().int().min(0).max(100).default(5),
    GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX: envField.positiveInt(5_000, 600_000),
    GATEWAY_UPSTREAM_SUBSCRIPTIONS_PER_CONNECTION_MAX: envField.positiveInt(16, 10_000),
    GATEWAY_SHUTDOWN_DEADLINE_MS: envField.positiveInt(10_000, 600_000),
    GATEWAY_MUTATIONS_PER_MINUTE_MAX: envField.positiveInt(600, 10_000_000),
    GATEWAY_RATE_LIMIT_IDENTITIES_MAX: envField.positiveInt(100_000, 10_000_000),
    GATEWAY_CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin !== ''),
      )
      .refine((origins) => origins.every(isOrigin), {
        message: 'must be a comma-separated list of origins such as https://app.example.com (scheme, host, optional port; no path, no *)',
      })
      .refine((origins) => origins.length <= CORS_ORIGINS_MAX, { message: `at most ${CORS_ORIGINS_MAX} origins` }),
  })
  .superRefine(refineAuthEnv)
  .superRefine(refineTracingEnv)
  .refine((env) => env.GATEWAY_PORT !== 0 || env.GATEWAY_WORKERS === 1, {
    message: 'GATEWAY_PORT=0 (a random port) only works with GATEWAY_WORKERS=1',
    path: ['GATEWAY_PORT'],
  });

export interface SubgraphEndpoints {
  readonly wallet: { readonly httpUrl: string };
  readonly balance: { readonly httpUrl: string; readonly wsUrl: string };
}

/** Demand control (gateway/src/cost): every operation's estimated cost, before any subgraph fetch. */
export interface CostConfig {
  /** enforce: refuse over `max`; measure: only record the costs; off: no cost analysis. */
  readonly mode: 'enforce' | 'measure' | 'off';
  readonly max: number;
}

/** Who may run only the documents of the trusted-documents manifest (gateway/src/trusted-documents). */
export interface TrustedDocumentsConfig {
  /** off: anyone runs anything; clients: role `client` runs manifest documents only; all: everyone does. */
  readonly mode: 'off' | 'clients' | 'all';
  /** Absent: the SDK's manifest committed beside the packages (sdk/persisted-query-manifest.json). */
  readonly manifestPath: string | undefined;
}

export interface GatewayLimits {
  readonly depthMax: number;
  readonly aliasesMax: number;
  readonly fieldsMax: number;
  readonly bodyBytesMax: number;
  readonly batchSizeMax: number;
}

export interface GatewayConfig {
  readonly production: boolean;
  readonly logLevel: string;
  /** OpenTelemetry (OTEL_* variables); off without an exporter endpoint. */
  readonly tracing: TracingConfig;
  readonly port: number;
  readonly host: string;
  readonly subgraphs: SubgraphEndpoints;
  /** Absent: the supergraph.graphql committed beside the package. */
  readonly supergraphPath: string | undefined;
  readonly limits: GatewayLimits;
  readonly cost: CostConfig;
  readonly trustedDocuments: TrustedDocumentsConfig;
  readonly queryPlanCacheBytesMax: number;
  readonly apqCacheBytesMax: number;
  readonly workers: number;
  /** Old-generation growth after a full GC, in percent of the live heap (heap.ts); 0: V8's own sizing. */
  readonly heapGrowingPercent: number;
  readonly introspection: boolean;
  /** Stack traces and internal messages in error responses (never in production). */
  readonly errorDetails: boolean;
  readonly subgraphTimeoutMs: number;
  readonly subgraphSocketsMax: number;
  /** Merge identical in-flight subgraph queries (same subgraph, query, variables, signed identity). */
  readonly dedupeInflight: boolean;
  /** Distinct in-flight queries tracked per subgraph for merging. */
  readonly dedupeInflightKeysMax: number;
  readonly readinessTimeoutMs: number;
  readonly subscriptionsPerConnectionMax: number;
  readonly subscriptionsMax: number;
  /** Open subscriptions of one caller (role, subject, client id) over all its connections and transports. */
  readonly subscriptionsPerCallerMax: number;
  /** Open WebSockets of the process, authenticated or not. */
  readonly wsConnectionsMax: number;
  /** Authenticated WebSockets of one caller (role, subject, client id). */
  readonly wsConnectionsPerCallerMax: number;
  /** graphql-sse single connection streams (reserved or open) one caller may hold. */
  readonly sseReservationsPerCallerMax: number;
  /** How long an SSE stream reservation waits for its stream before it is dropped. */
  readonly sseReservationTtlMs: number;
  readonly upstreamRetryAttemptsMax: number;
  readonly upstreamRetryDelayMsMax: number;
  /** One caller's subscriptions per upstream connection; keep ≤ the balance subgraph's SUBSCRIPTIONS_PER_CONNECTION_MAX. */
  readonly upstreamSubscriptionsPerConnectionMax: number;
  readonly shutdownDeadlineMs: number;
  /** Token verification, the internal identity secret, dev mode. */
  readonly auth: AuthConfig;
  readonly rateLimit: RateLimitConfig;
  readonly authCache: AuthCacheConfig;
  /** Browser origins allowed to call the gateway cross-origin (CORS); empty: same-origin only. */
  readonly corsOrigins: readonly string[];
}

export interface AuthCacheConfig {
  /** Verified bearer tokens kept (bytes, LRU); 0: verify every request. */
  readonly tokenCacheBytesMax: number;
  /** Longest a verified token is trusted before it is verified again (its own expiry comes first). */
  readonly tokenCacheMsMax: number;
  /** How long one signed internal identity is reused for the same caller (0: sign per fetch). */
  readonly identityReuseMs: number;
  readonly identityCacheBytesMax: number;
}

export interface RateLimitConfig {
  /** Mutation root fields one identity may run per minute (token bucket, burst = this many). */
  readonly mutationsPerMinuteMax: number;
  /** Identities whose buckets are tracked at once; beyond it idle buckets are dropped first. */
  readonly identitiesMax: number;
}

/** Reads and validates the gateway's environment once; throws ConfigError listing every problem. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const e = parseEnv('gateway', schema, env);
  const production = e.NODE_ENV === 'production';
  const introspectionFlag = e.GATEWAY_INTROSPECTION;
  return {
    production,
    logLevel: e.LOG_LEVEL,
    tracing: resolveTracingConfig(e, 'gateway', { contextScope: 'explicit', explicitContext: true, prismaSpans: false }),
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    subgraphs: {
      wallet: { httpUrl: e.WALLET_SUBGRAPH_URL },
      balance: { httpUrl: e.BALANCE_SUBGRAPH_URL, wsUrl: e.BALANCE_SUBGRAPH_WS_URL },
    },
    supergraphPath: e.GATEWAY_SUPERGRAPH_PATH,
    limits: {
      depthMax: e.GATEWAY_DEPTH_MAX,
      aliasesMax: e.GATEWAY_ALIASES_MAX,
      fieldsMax: e.GATEWAY_FIELDS_MAX,
      bodyBytesMax: e.GATEWAY_BODY_BYTES_MAX,
      batchSizeMax: e.GATEWAY_BATCH_SIZE_MAX,
    },
    cost: { mode: e.GATEWAY_COST_MODE, max: e.GATEWAY_COST_MAX },
    // Production serves end users' apps, which run the SDK's documents only; development stays open.
    trustedDocuments: { mode: e.GATEWAY_TRUSTED_DOCUMENTS ?? (production ? 'clients' : 'off'), manifestPath: e.GATEWAY_TRUSTED_DOCUMENTS_PATH },
    queryPlanCacheBytesMax: e.GATEWAY_QUERY_PLAN_CACHE_BYTES_MAX,
    apqCacheBytesMax: e.GATEWAY_APQ_CACHE_BYTES_MAX,
    workers: e.GATEWAY_WORKERS,
    heapGrowingPercent: e.GATEWAY_HEAP_GROWING_PERCENT,
    introspection: introspectionFlag === undefined ? !production : ['true', '1', 'yes'].includes(introspectionFlag),
    errorDetails: !production,
    subgraphTimeoutMs: e.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    subgraphSocketsMax: e.GATEWAY_SUBGRAPH_SOCKETS_MAX,
    dedupeInflight: e.GATEWAY_DEDUPE_INFLIGHT,
    dedupeInflightKeysMax: e.GATEWAY_DEDUPE_INFLIGHT_MAX,
    readinessTimeoutMs: e.GATEWAY_READINESS_TIMEOUT_MS,
    subscriptionsPerConnectionMax: e.SUBSCRIPTIONS_PER_CONNECTION_MAX,
    subscriptionsMax: e.GATEWAY_SUBSCRIPTIONS_MAX,
    subscriptionsPerCallerMax: e.GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX,
    wsConnectionsMax: e.GATEWAY_WS_CONNECTIONS_MAX,
    wsConnectionsPerCallerMax: e.GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX,
    sseReservationsPerCallerMax: e.GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX,
    sseReservationTtlMs: e.GATEWAY_SSE_RESERVATION_TTL_MS,
    upstreamRetryAttemptsMax: e.GATEWAY_UPSTREAM_RETRY_ATTEMPTS_MAX,
    upstreamRetryDelayMsMax: e.GATEWAY_UPSTREAM_RETRY_DELAY_MS_MAX,
    upstreamSubscriptionsPerConnectionMax: e.GATEWAY_UPSTREAM_SUBSCRIPTIONS_PER_CONNECTION_MAX,
    shutdownDeadlineMs: e.GATEWAY_SHUTDOWN_DEADLINE_MS,
    auth: resolveAuthConfig(e),
    rateLimit: { mutationsPerMinuteMax: e.GATEWAY_MUTATIONS_PER_MINUTE_MAX, identitiesMax: e.GATEWAY_RATE_LIMIT_IDENTITIES_MAX },
    authCache: {
      tokenCacheBytesMax: e.GATEWAY_AUTH_TOKEN_CACHE_BYTES_MAX,
      tokenCacheMsMax: e.GATEWAY_AUTH_TOKEN_CACHE_MS_MAX,
      identityReuseMs: e.GATEWAY_IDENTITY_REUSE_MS,
      identityCacheBytesMax: e.GATEWAY_IDENTITY_CACHE_BYTES_MAX,
    },
    corsOrigins: e.GATEWAY_CORS_ORIGINS,
  };
}
