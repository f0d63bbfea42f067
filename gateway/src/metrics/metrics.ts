import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../cache/bounded-cache.js';

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

const latencyBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Demand-control cost units: one object is 1; a page of 100 transactions with their accounts about 400. */
const costBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 100_000, 1_000_000];

/** Every metric the gateway exposes, in its own registry (several gateways can share a process in tests). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requestCount: Counter<'operation_type' | 'outcome'>;
  readonly requestLatencySeconds: Histogram<'operation_type'>;
  readonly subgraphFetchLatencySeconds: Histogram<'subgraph' | 'outcome'>;
  readonly subgraphFetchSharedCount: Counter<'subgraph'>;
  readonly subgraphFetchDedupeFullCount: Counter<'subgraph'>;
  readonly subscriptionsActive: Gauge<'transport'>;
  readonly subscriptionEventCount: Counter<'outcome'>;
  readonly upstreamReconnectCount: Counter<'subgraph'>;
  readonly upstreamConnections: Gauge<'subgraph'>;
  readonly sseReservations: Gauge;
  readonly limitRejectionCount: Counter<'limit'>;
  readonly queryPlanCacheBytes: Gauge;
  readonly queryPlanCacheEntries: Gauge;
  readonly queryPlanCacheLookupCount: Counter<'result'>;
  readonly operationCostEstimated: Histogram<'operation_type'>;
  readonly operationCostActual: Histogram<'operation_type'>;
}

export interface MetricsDeps {
  /** Read at scrape time. */
  readonly planCacheStats: () => CacheStats;
}

/** GraphQL operations: how many, how long to answer (or set up). */
function operationMetrics(registers: Registry[]): Pick<GatewayMetrics, 'requestCount' | 'requestLatencySeconds'> {
  return {
    requestCount: new Counter({
      name: 'gateway_requests_total',
      help: 'GraphQL operations handled, by operation type and outcome (ok, error)',
      labelNames: ['operation_type', 'outcome'],
      registers,
    }),
    requestLatencySeconds: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'GraphQL operation latency by operation type (subscriptions: time to set up)',
      labelNames: ['operation_type'],
      buckets: latencyBucketsSeconds,
      registers,
    }),
  };
}

/** HTTP fetches to the subgraphs, and those shared by deduplication. */
function subgraphFetchMetrics(
  registers: Registry[],
): Pick<GatewayMetrics, 'subgraphFetchLatencySeconds' | 'subgraphFetchSharedCount' | 'subgraphFetchDedupeFullCount'> {
  return {
    subgraphFetchLatencySeconds: new Histogram({
      name: 'gateway_subgraph_fetch_duration_seconds',
      help: 'Latency of each HTTP fetch to a subgraph',
      labelNames: ['subgraph', 'outcome'],
      buckets: latencyBucketsSeconds,
      registers,
    }),
    subgraphFetchSharedCount: new Counter({
      name: 'gateway_subgraph_fetches_shared_total',
      help: 'Subgraph queries answered by an identical fetch already in flight (GATEWAY_DEDUPE_INFLIGHT)',
      labelNames: ['subgraph'],
      registers,
    }),
    subgraphFetchDedupeFullCount: new Counter({
      name: 'gateway_subgraph_dedupe_full_total',
      help: 'Subgraph queries fetched unshared because the in-flight map was full (GATEWAY_DEDUPE_INFLIGHT_MAX)',
      labelNames: ['subgraph'],
      registers,
    }),
  };
}

/** Client subscriptions, their events, their upstream connections and SSE reservations. */
function subscriptionMetrics(
  registers: Registry[],
): Pick<GatewayMetrics, 'subscriptionsActive' | 'subscriptionEventCount' | 'upstreamReconnectCount' | 'upstreamConnections' | 'sseReservations'> {
  return {
    subscriptionsActive: new Gauge({
      name: 'gateway_subscriptions_active',
      help: 'Open client subscriptions, by transport',
      labelNames: ['transport'],
      registers,
    }),
    subscriptionEventCount: new Counter({
      name: 'gateway_subscription_events_total',
      help: 'Subscription events sent to clients (ok, error)',
      labelNames: ['outcome'],
      registers,
    }),
    upstreamReconnectCount: new Counter({
      name: 'gateway_upstream_reconnects_total',
      help: 'Reconnect attempts of upstream subscription connections',
      labelNames: ['subgraph'],
      registers,
    }),
    upstreamConnections: new Gauge({
      name: 'gateway_upstream_connections',
      help: 'Open upstream subscription connections (shared by the subscriptions of one caller)',
      labelNames: ['subgraph'],
      registers,
    }),
    sseReservations: new Gauge({
      name: 'gateway_sse_reservations',
      help: 'graphql-sse single connection streams, reserved or open (each holds a GATEWAY_SUBSCRIPTIONS_MAX slot)',
      registers,
    }),
  };
}

/** Refusals by a limit, and the query plan cache (its size read at scrape time). */
function limitAndPlanCacheMetrics(
  registers: Registry[],
  deps: MetricsDeps,
): Pick<GatewayMetrics, 'limitRejectionCount' | 'queryPlanCacheBytes' | 'queryPlanCacheEntries' | 'queryPlanCacheLookupCount'> {
  return {
    limitRejectionCount: new Counter({
      name: 'gateway_limit_rejections_total',
      help: 'Requests refused by a limit',
      labelNames: ['limit'],
      registers,
    }),
    queryPlanCacheBytes: new Gauge({
      name: 'gateway_query_plan_cache_bytes',
      help: 'Approximate bytes held by the query plan cache (bounded by GATEWAY_QUERY_PLAN_CACHE_BYTES_MAX)',
      registers,
      collect() {
        this.set(deps.planCacheStats().sizeBytes);
      },
    }),
    queryPlanCacheEntries: new Gauge({
      name: 'gateway_query_plan_cache_entries',
      help: 'Query plans cached',
      registers,
      collect() {
        this.set(deps.planCacheStats().entryCount);
      },
    }),
    queryPlanCacheLookupCount: new Counter({
      name: 'gateway_query_plan_cache_lookups_total',
      help: 'Query plan cache lookups (hit, miss)',
      labelNames: ['result'],
      registers,
    }),
  };
}

/** Demand control: each operation's estimated and actual cost. */
function costMetrics(registers: Registry[]): Pick<GatewayMetrics, 'operationCostEstimated' | 'operationCostActual'> {
  return {
    operationCostEstimated: new Histogram({
      name: 'gateway_operation_cost_estimated',
      help: 'Estimated cost of each operation before any subgraph fetch (demand control; subscriptions: per event)',
      labelNames: ['operation_type'],
      buckets: costBuckets,
      registers,
    }),
    operationCostActual: new Histogram({
      name: 'gateway_operation_cost_actual',
      help: 'Cost of what each operation returned, scored with the real list lengths (subscriptions: per event)',
      labelNames: ['operation_type'],
      buckets: costBuckets,
      registers,
    }),
  };
}

export function createMetrics(deps: MetricsDeps): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  const registers = [registry];
  // Created (and so exposed) in this order.
  return {
    registry,
    ...operationMetrics(registers),
    ...subgraphFetchMetrics(registers),
    ...subscriptionMetrics(registers),
    ...limitAndPlanCacheMetrics(registers, deps),
    ...costMetrics(registers),
  };
}
