import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER } from '@walletgraph/platform/auth';
import { callerKeyOf } from '../auth/caller-key.js';
import type { IdentityMinter } from '../auth/internal-identity.js';
import type { SubgraphEndpoints } from '../config.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { GatewayContext } from '../context/request-context.js';
import type { SubgraphDataSources } from '../subgraphs/data-sources.js';
import { SubscriptionErrorCode, subscriptionError } from './errors.js';
import type { SubscriptionPlanner } from './planner.js';
import type { KeyedSlots, Slots } from './slots.js';
import { createUpstreamPool, type UpstreamEvent, type UpstreamPool } from './upstream.js';
import { inPushSpan } from './event-trace.js';
import { deliveredVersion, resumableUpstream, type ResumableUpstream } from './resume.js';

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

type RequestContext = Parameters<typeof executeQueryPlan>[2];
/** The primary fetch is replayed from the upstream event through this pseudo-subgraph. */
const eventSourceName = '__subscription_event__';
const noCache = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve(true) };

function pluggedPlan(primary: FetchNode, rest: PlanNode | undefined): QueryPlan {
  const fromEvent: FetchNode = { ...primary, serviceName: eventSourceName };
  return { kind: 'QueryPlan', node: rest === undefined ? fromEvent : { kind: 'Sequence', nodes: [fromEvent, rest] } };
}

/**
 * executeQueryPlan labels a fetch's errors with the service it was planned for: the event's errors
 * would name the pseudo-subgraph. They come from the subscribed subgraph, and say so, as over HTTP.
 */
function namingSubgraph(error: GraphQLError, subgraphName: string): GraphQLError {
  if (error.extensions['serviceName'] !== eventSourceName) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: { ...error.extensions, serviceName: subgraphName },
  });
}

function wsUrlOf(subgraphs: SubgraphEndpoints, name: string): string | undefined {
  return name === 'balance' ? subgraphs.balance.wsUrl : undefined;
}

function definedHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function apolloLoggerOf(logger: Logger): RequestContext['logger'] {
  return {
    debug: (m: string) => logger.debug(m),
    info: (m: string) => logger.info(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
}

/**
 * Federated subscriptions: open `primary` on the owning subgraph over graphql-ws, then for every
 * event run `rest` with the gateway's own executeQueryPlan. A failure in `rest` becomes errors on
 * that event only; the stream stays open.
 */
export function createSubscriptionExecutor(deps: ExecutorDeps, config: ExecutorConfig) {
  const subgraphServices: ServiceMap = Object.fromEntries(deps.dataSources.byName);
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

  async function resolveEvent(request: SubscribeRequest, plan: QueryPlan, subgraphName: string, event: UpstreamEvent): Promise<ExecutionResult> {
    const eventSource: GraphQLDataSource = {
      process: () => Promise.resolve({ data: event.data ?? null, ...(event.errors === undefined ? {} : { errors: event.errors }) }),
    };
    const operationContext = buildOperationContext({
      schema: deps.planner.apiSchema,
      operationDocument: request.document,
      ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
    });
    const requestContext: RequestContext = {
      request: {
        query: request.source,
        variables: request.variables,
        ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
      },
      logger: apolloLoggerOf(request.context.logger),
      schema: deps.planner.apiSchema,
      schemaHash: '' as RequestContext['schemaHash'],
      context: request.context,
      cache: noCache,
      queryHash: '',
      document: request.document,
      source: request.source,
      operationName: request.operationName ?? null,
      operation: operationContext.operation,
      metrics: {},
      overallCachePolicy: null,
    };
    const result = await executeQueryPlan(
      plan,
      { ...subgraphServices, [eventSourceName]: eventSource },
      requestContext,
      operationContext,
      deps.planner.supergraphSchema,
      deps.planner.federationApiSchema,
    );
    return { data: result.data ?? null, ...(result.errors === undefined ? {} : { errors: result.errors.map((error) => namingSubgraph(error, subgraphName)) }) };
  }

  function refuse(request: SubscribeRequest, message: string, code: string): ExecutionResult {
    request.context.logger.warn({ code }, message);
    return { errors: [subscriptionError(code as SubscriptionErrorCode, message)] };
  }

  /** Opens at once; a throw in open() is a rejection, as an async function would give it. */
  function subscribe(request: SubscribeRequest): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    return new Promise((resolve) => resolve(open(request)));
  }

  function open(request: SubscribeRequest): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    let node;
    try {
      node = deps.planner.plan(request.document, request.operationName).node;
    } catch (error: unknown) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const wsUrl = wsUrlOf(config.subgraphs, node.primary.serviceName);
    if (wsUrl === undefined) return refuse(request, `no WebSocket URL is configured for the ${node.primary.serviceName} subgraph`, 'INTERNAL_SERVER_ERROR');
    if (!deps.slots.tryAcquire()) {
      return refuse(
        request,
        `the gateway already serves ${deps.slots.max} subscriptions (GATEWAY_SUBSCRIPTIONS_MAX)`,
        SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED,
      );
    }
    if (request.connectionSlots !== undefined && !request.connectionSlots.tryAcquire()) {
      deps.slots.release();
      return refuse(
        request,
        `a connection may hold at most ${request.connectionSlots.max} subscriptions (SUBSCRIPTIONS_PER_CONNECTION_MAX)`,
        SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED,
      );
    }
    // Per caller, over all its connections and transports: before, one token opening connection
    // after connection held all GATEWAY_SUBSCRIPTIONS_MAX slots and every other caller was refused.
    const callerKey = callerKeyOf(request.context.identity);
    if (!deps.callerSlots.tryAcquire(callerKey)) {
      deps.slots.release();
      request.connectionSlots?.release();
      return refuse(
        request,
        `a caller may hold at most ${deps.callerSlots.maxPerKey} subscriptions at once, over all its connections (GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX)`,
        SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED,
      );
    }
    deps.metrics.subscriptionsActive.inc({ transport: request.transport });
    const plan = pluggedPlan(node.primary, node.rest);
    const variables = Object.fromEntries(
      (node.primary.variableUsages ?? []).filter((name) => name in request.variables).map((name) => [name, request.variables[name]]),
    );
    // A reconnecting upstream resubscribes after the last version this client was sent.
    const resumable = resumableUpstream(node.primary.operation, variables, request.resumeAfterVersion);
    const upstream = poolFor(node.primary.serviceName, wsUrl).open(
      { query: resumable?.query ?? node.primary.operation, variables: resumable?.variables ?? variables, operationName: node.primary.operationName },
      {
        // Subscriptions of the same caller may share an upstream connection; different callers never do.
        key: callerKey,
        headers: definedHeaders(request.context.forwardedHeaders),
        identityHeaders: async () => ({ [INTERNAL_IDENTITY_HEADER]: await deps.mintIdentity(request.context.identity, request.context.requestId) }),
      },
      request.context.logger,
    );
    return downstream(request, plan, node.primary.serviceName, upstream, callerKey, resumable);
  }

  function downstream(
    request: SubscribeRequest,
    plan: QueryPlan,
    subgraphName: string,
    upstream: AsyncIterableIterator<UpstreamEvent>,
    callerKey: string,
    resumable: ResumableUpstream | undefined,
  ): AsyncIterableIterator<ExecutionResult> {
    let closed = false;
    const finish = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      deps.slots.release();
      request.connectionSlots?.release();
      deps.callerSlots.release(callerKey);
      deps.metrics.subscriptionsActive.dec({ transport: request.transport });
      await upstream.return?.();
      request.context.logger.debug('subscription closed');
    };
    const done = { done: true as const, value: undefined };
    // A hand-written iterator, not an async generator: return() must close the upstream even
    // while next() is still waiting for an event (a generator would queue it behind that wait).
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => iterator,
      async next() {
        if (closed) return done;
        let event: UpstreamEvent;
        let version: number | undefined;
        try {
          let step = await upstream.next();
          // A version already sent (a resubscription overlapping what was delivered) is not sent twice.
          for (;;) {
            if (step.done === true || closed || resumable === undefined) break;
            const accepted = resumable.accept(step.value);
            version = accepted.version;
            if (accepted.deliver) break;
            step = await upstream.next();
          }
          if (step.done === true || closed) {
            await finish();
            return done;
          }
          event = step.value;
        } catch (error: unknown) {
          await finish();
          if (error instanceof GraphQLError) {
            deps.metrics.subscriptionEventCount.inc({ outcome: 'error' });
            return { done: false, value: { errors: [error] } };
          }
          throw error;
        }
        const result = await inPushSpan(event, request.transport, () => resolveEvent(request, plan, subgraphName, event));
        if (version !== undefined) deliveredVersion.set(result, version);
        deps.metrics.subscriptionEventCount.inc({ outcome: result.errors === undefined ? 'ok' : 'error' });
        return { done: false, value: result };
      },
      async return() {
        await finish();
        return done;
      },
      // graphql-sse ends a client's operations only if they look like async generators (return
      // AND throw); without throw, a disconnected SSE client's subscription was never closed.
      async throw(error?: unknown) {
        await finish();
        throw error;
      },
    };
    return iterator;
  }

  /** Ends every upstream connection (at shutdown, after the client connections). */
  async function close(): Promise<void> {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  }

  return { subscribe, close };
}

export type SubscriptionExecutor = ReturnType<typeof createSubscriptionExecutor>;
