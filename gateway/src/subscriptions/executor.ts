import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { SubscriptionNode } from '@apollo/query-planner';
import type { Logger } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER } from '@walletgraph/platform/auth';
import { callerKeyOf } from '../auth/caller-key.js';
import type { IdentityMinter } from '../auth/internal-identity.js';
import type { SubgraphEndpoints } from '../config.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { GatewayContext } from '../context/request-context.js';
import type { SubgraphDataSources } from '../subgraphs/data-sources.js';
import { downstreamOf } from './downstream.js';
import { SubscriptionErrorCode, subscriptionError } from './errors.js';
import { createEventResolver, pluggedPlan } from './event-resolver.js';
import type { SubscriptionPlanner } from './planner.js';
import type { KeyedSlots, Slots } from './slots.js';
import { createUpstreamPool, type UpstreamPool } from './upstream.js';
import { inPushSpan } from './event-trace.js';
import { resumableUpstream } from './resume.js';

export type Transport = 'ws' | 'sse';

export interface SubscribeRequest {
  readonly document: DocumentNode;
  readonly source: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly context: GatewayContext;
  readonly transport: Transport;
  /** The client connection's own bound (SUBSCRIPTIONS_PER_CONNECTION_MAX), when the transport has connections. */
  readonly connectionSlots?: Slots | undefined;
  /** Resume after this version (an SSE client's Last-Event-ID), over the operation's own afterVersion. */
  readonly resumeAfterVersion?: number | undefined;
}

export interface ExecutorConfig {
  readonly subgraphs: SubgraphEndpoints;
  readonly upstreamRetryAttemptsMax: number;
  readonly upstreamRetryDelayMsMax: number;
  readonly eventQueueSizeMax: number;
  /** Subscriptions of one caller sharing one upstream connection (≤ the subgraph's own per-connection bound). */
  readonly upstreamSubscriptionsPerConnectionMax: number;
}

export interface ExecutorDeps {
  readonly planner: SubscriptionPlanner;
  readonly dataSources: SubgraphDataSources;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Every open subscription of this process (GATEWAY_SUBSCRIPTIONS_MAX). */
  readonly slots: Slots;
  /** The open subscriptions of each caller (GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX), so one caller cannot take every process slot. */
  readonly callerSlots: KeyedSlots;
  readonly mintIdentity: IdentityMinter;
}

function wsUrlOf(subgraphs: SubgraphEndpoints, name: string): string | undefined {
  return name === 'balance' ? subgraphs.balance.wsUrl : undefined;
}

function definedHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function refuse(request: SubscribeRequest, message: string, code: string): ExecutionResult {
  request.context.logger.warn({ code }, message);
  return { errors: [subscriptionError(code as SubscriptionErrorCode, message)] };
}

/** The subscription's plan, or the planning errors (an invalid operation) as the client's result. */
function planOf(planner: SubscriptionPlanner, request: SubscribeRequest): SubscriptionNode | ExecutionResult {
  try {
    return planner.plan(request.document, request.operationName).node;
  } catch (error: unknown) {
    if (error instanceof GraphQLError) return { errors: [error] };
    throw error;
  }
}

type SlotsTaken = { readonly ok: true; readonly callerKey: string } | { readonly ok: false; readonly refusal: ExecutionResult };

/** A slot of the process, of the client connection and of the caller, all three or none. */
function takeSlots(deps: ExecutorDeps, request: SubscribeRequest): SlotsTaken {
  if (!deps.slots.tryAcquire()) {
    const message = `the gateway already serves ${deps.slots.max} subscriptions (GATEWAY_SUBSCRIPTIONS_MAX)`;
    return { ok: false, refusal: refuse(request, message, SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED) };
  }
  if (request.connectionSlots !== undefined && !request.connectionSlots.tryAcquire()) {
    deps.slots.release();
    const message = `a connection may hold at most ${request.connectionSlots.max} subscriptions (SUBSCRIPTIONS_PER_CONNECTION_MAX)`;
    return { ok: false, refusal: refuse(request, message, SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED) };
  }
  // Per caller, over all its connections and transports: before, one token opening connection
  // after connection held all GATEWAY_SUBSCRIPTIONS_MAX slots and every other caller was refused.
  const callerKey = callerKeyOf(request.context.identity);
  if (!deps.callerSlots.tryAcquire(callerKey)) {
    deps.slots.release();
    request.connectionSlots?.release();
    const message = `a caller may hold at most ${deps.callerSlots.maxPerKey} subscriptions at once, over all its connections (GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX)`;
    return { ok: false, refusal: refuse(request, message, SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED) };
  }
  return { ok: true, callerKey };
}

function releaseSlots(deps: ExecutorDeps, request: SubscribeRequest, callerKey: string): void {
  deps.slots.release();
  request.connectionSlots?.release();
  deps.callerSlots.release(callerKey);
}

/** One upstream pool per subgraph, created on first use. */
function createUpstreamPools(deps: ExecutorDeps, config: ExecutorConfig) {
  const pools = new Map<string, UpstreamPool>();

  function poolFor(subgraphName: string, wsUrl: string): UpstreamPool {
    let pool = pools.get(subgraphName);
    if (pool === undefined) {
      pool = createUpstreamPool(
        {
          logger: deps.logger,
          onReconnect: () => deps.metrics.upstreamReconnectCount.inc({ subgraph: subgraphName }),
          onConnectionCount: (count) => deps.metrics.upstreamConnections.set({ subgraph: subgraphName }, count),
        },
        {
          subgraphName,
          wsUrl,
          retryAttemptsMax: config.upstreamRetryAttemptsMax,
          retryDelayMsMax: config.upstreamRetryDelayMsMax,
          eventQueueSizeMax: config.eventQueueSizeMax,
          subscriptionsPerConnectionMax: config.upstreamSubscriptionsPerConnectionMax,
        },
      );
      pools.set(subgraphName, pool);
    }
    return pool;
  }

  async function close(): Promise<void> {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  }

  return { poolFor, close };
}

/**
 * Federated subscriptions: open `primary` on the owning subgraph over graphql-ws, then for every
 * event run `rest` with the gateway's own executeQueryPlan. A failure in `rest` becomes errors on
 * that event only; the stream stays open.
 */
export function createSubscriptionExecutor(deps: ExecutorDeps, config: ExecutorConfig) {
  const resolveEvent = createEventResolver(deps);
  const pools = createUpstreamPools(deps, config);

  /** Opens at once; a throw in open() is a rejection, as an async function would give it. */
  function subscribe(request: SubscribeRequest): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    return new Promise((resolve) => resolve(open(request)));
  }

  function open(request: SubscribeRequest): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    const node = planOf(deps.planner, request);
    if (!('primary' in node)) return node;
    const subgraphName = node.primary.serviceName;
    const wsUrl = wsUrlOf(config.subgraphs, subgraphName);
    if (wsUrl === undefined) return refuse(request, `no WebSocket URL is configured for the ${subgraphName} subgraph`, 'INTERNAL_SERVER_ERROR');
    const slots = takeSlots(deps, request);
    if (!slots.ok) return slots.refusal;
    const { callerKey } = slots;
    deps.metrics.subscriptionsActive.inc({ transport: request.transport });
    const plan = pluggedPlan(node.primary, node.rest);
    const variables = Object.fromEntries(
      (node.primary.variableUsages ?? []).filter((name) => name in request.variables).map((name) => [name, request.variables[name]]),
    );
    // A reconnecting upstream resubscribes after the last version this client was sent.
    const resumable = resumableUpstream(node.primary.operation, variables, request.resumeAfterVersion);
    const upstream = pools.poolFor(subgraphName, wsUrl).open(
      { query: resumable?.query ?? node.primary.operation, variables: resumable?.variables ?? variables, operationName: node.primary.operationName },
      {
        // Subscriptions of the same caller may share an upstream connection; different callers never do.
        key: callerKey,
        headers: definedHeaders(request.context.forwardedHeaders),
        identityHeaders: async () => ({ [INTERNAL_IDENTITY_HEADER]: await deps.mintIdentity(request.context.identity, request.context.requestId) }),
      },
      request.context.logger,
    );
    return downstreamOf(upstream, resumable, {
      resolve: (event) => inPushSpan(event, request.transport, (pushContext) => resolveEvent(request, plan, subgraphName, event, pushContext)),
      finish: async () => {
        releaseSlots(deps, request, callerKey);
        deps.metrics.subscriptionsActive.dec({ transport: request.transport });
        await upstream.return?.();
        request.context.logger.debug('subscription closed');
      },
      countEvent: (outcome) => deps.metrics.subscriptionEventCount.inc({ outcome }),
    });
  }

  /** Ends every upstream connection (at shutdown, after the client connections). */
  async function close(): Promise<void> {
    await pools.close();
  }

  return { subscribe, close };
}

export type SubscriptionExecutor = ReturnType<typeof createSubscriptionExecutor>;
