import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, QueryPlan } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from '@walletgraph/platform/core';
import type { SubgraphDataSources } from '../subgraphs/data-sources.js';
import type { SubscriptionPlanner } from './planner.js';
import type { UpstreamEvent } from './upstream.js';
import type { GatewayContext } from '../context/request-context.js';
import { traceEventExecution } from '../context/operation-trace.js';
import type { Context } from '@walletgraph/platform/tracing';

/** What resolving an event needs of the subscription request (the executor's SubscribeRequest). */
export interface EventRequest {
  readonly document: DocumentNode;
  readonly source: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly context: GatewayContext;
}

type RequestContext = Parameters<typeof executeQueryPlan>[2];
/** The primary fetch is replayed from the upstream event through this pseudo-subgraph. */
const eventSourceName = '__subscription_event__';
const noCache = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve(true) };

/** The subscription's plan with its primary fetch answered by the upstream event, then `rest` as planned. */
export function pluggedPlan(primary: FetchNode, rest: PlanNode | undefined): QueryPlan {
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

function apolloLoggerOf(logger: Logger): RequestContext['logger'] {
  return {
    debug: (m: string) => logger.debug(m),
    info: (m: string) => logger.info(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.error(m),
  };
}

function requestContextOf(request: EventRequest, planner: SubscriptionPlanner, operation: RequestContext['operation']): RequestContext {
  return {
    request: {
      query: request.source,
      variables: request.variables,
      ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
    },
    logger: apolloLoggerOf(request.context.logger),
    schema: planner.apiSchema,
    schemaHash: '' as RequestContext['schemaHash'],
    context: request.context,
    cache: noCache,
    queryHash: '',
    document: request.document,
    source: request.source,
    operationName: request.operationName ?? null,
    operation,
    metrics: {},
    overallCachePolicy: null,
  };
}

export interface EventResolverDeps {
  readonly planner: SubscriptionPlanner;
  readonly dataSources: SubgraphDataSources;
}

/** Runs a subscription's plugged plan for one upstream event with the gateway's own executeQueryPlan. */
export function createEventResolver(deps: EventResolverDeps) {
  const subgraphServices: ServiceMap = Object.fromEntries(deps.dataSources.byName);

  /** `pushContext`: the event's recorded push span, with explicit tracing context (gateway.execute and its fetches go under it). */
  return async function resolveEvent(
    request: EventRequest,
    plan: QueryPlan,
    subgraphName: string,
    event: UpstreamEvent,
    pushContext?: Context,
  ): Promise<ExecutionResult> {
    const eventSource: GraphQLDataSource = {
      process: () => Promise.resolve({ data: event.data ?? null, ...(event.errors === undefined ? {} : { errors: event.errors }) }),
    };
    const operationContext = buildOperationContext({
      schema: deps.planner.apiSchema,
      operationDocument: request.document,
      ...(request.operationName === undefined ? {} : { operationName: request.operationName }),
    });
    const requestContext = requestContextOf(request, deps.planner, operationContext.operation);
    const traced = pushContext === undefined ? undefined : traceEventExecution(requestContext, pushContext);
    let result: Awaited<ReturnType<typeof executeQueryPlan>>;
    try {
      result = await executeQueryPlan(
        plan,
        { ...subgraphServices, [eventSourceName]: eventSource },
        requestContext,
        operationContext,
        deps.planner.supergraphSchema,
        deps.planner.federationApiSchema,
      );
    } catch (error: unknown) {
      traced?.end({ error });
      throw error;
    }
    traced?.end({ result });
    return { data: result.data ?? null, ...(result.errors === undefined ? {} : { errors: result.errors.map((error) => namingSubgraph(error, subgraphName)) }) };
  };
}

export type EventResolver = ReturnType<typeof createEventResolver>;
