import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import type { GatewayConfig } from '../config.js';
import { resolveVariableInputs } from '../inputs/variables.js';
import type { Admitted, DemandControl } from '../cost/demand-control.js';
import { asGraphQLError, createFormatError, isScalarInputRefusal } from '../http/format-error.js';
import { createLimitsRule } from '../limits/limits.js';
import { operationResolutionError } from '../http/operation-plugin.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { GatewayContext } from '../context/request-context.js';
import type { TrustedDocumentPolicy } from '../trusted-documents/policy.js';
import type { SubscriptionExecutor, Transport } from './executor.js';
import type { SubscriptionPlanner } from './planner.js';
import type { Slots } from './slots.js';

/** What a WebSocket or SSE client sent, parsed and validated once, ready to run. */
export type PreparedOperation = {
  readonly kind: 'prepared-operation';
  readonly document: DocumentNode;
  readonly source: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly operationType: 'query' | 'mutation' | 'subscription';
  readonly context: GatewayContext;
  readonly transport: Transport;
  readonly connectionSlots: Slots | undefined;
  /** Resume after this version (SSE Last-Event-ID); see resume.ts. */
  readonly resumeAfterVersion?: number;
  /** A subscription's cost per event (demand control), to score each event's actual cost with. */
  readonly admitted: Admitted | undefined;
};

export interface OperationPayload {
  /** Empty when the client sends a trusted document's id only (extensions.persistedQuery.sha256Hash). */
  readonly query?: string | null | undefined;
  readonly operationName?: string | null | undefined;
  readonly variables?: Record<string, unknown> | null | undefined;
  readonly extensions?: Record<string, unknown> | null | undefined;
}

export type OperationsConfig = Pick<GatewayConfig, 'limits' | 'introspection' | 'errorDetails'>;

export interface OperationsDeps {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly executor: SubscriptionExecutor;
  readonly planner: SubscriptionPlanner;
  readonly metrics: GatewayMetrics;
  /** Absent with GATEWAY_COST_MODE=off. */
  readonly demandControl: DemandControl | undefined;
  readonly trustedDocuments: TrustedDocumentPolicy;
}

export function isPreparedOperation(value: unknown): value is PreparedOperation {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'prepared-operation';
}

function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.extensions === undefined ? {} : { extensions: error.extensions }),
  });
}

/** Passes a subscription's events through unchanged, telling `onEvent` of each; keeps return/throw (graphql-sse needs both). */
function observeEvents(events: AsyncIterableIterator<ExecutionResult>, onEvent: (result: ExecutionResult) => void): AsyncIterableIterator<ExecutionResult> {
  const observed: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => observed,
    async next() {
      const step = await events.next();
      if (step.done !== true) onEvent(step.value);
      return step;
    },
    return: async (value?: unknown) => (events.return === undefined ? { done: true as const, value: undefined } : events.return(value)),
    throw: async (error?: unknown) => {
      if (events.throw === undefined) throw error;
      return events.throw(error);
    },
  };
  return observed;
}

/**
 * The transport-independent half of WebSocket and SSE: the same validation and limits as HTTP,
 * subscriptions through the federated executor, queries and mutations through Apollo Server.
 */
export function createOperations(deps: OperationsDeps, config: OperationsConfig) {
  const limitsRule = createLimitsRule(config.limits, (error) => deps.metrics.limitRejectionCount.inc({ limit: error.code }));
  const rules = [...specifiedRules, limitsRule, ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const formatError = createFormatError(config);

  function prepare(
    payload: OperationPayload,
    context: GatewayContext,
    transport: Transport,
    connectionSlots?: Slots,
  ): PreparedOperation | readonly GraphQLError[] {
    // Before parsing: a caller limited to trusted documents gets nothing else parsed.
    const resolved = deps.trustedDocuments.resolve(payload, context.identity);
    if ('error' in resolved) {
      const code = resolved.error.extensions['code'];
      if (typeof code === 'string' && code.startsWith('PERSISTED_QUERY_')) deps.metrics.limitRejectionCount.inc({ limit: code });
      return [resolved.error];
    }
    const { source } = resolved;
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: 50_000 });
    } catch (error: unknown) {
      if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      // graphql-js parses recursively: a document nested thousands of levels deep overflows the
      // stack. The caller's text, as Apollo Server reports it over HTTP (before: the WebSocket closed
      // with 4500 and the RangeError's message, SSE answered 500).
      if (error instanceof RangeError)
        return [new GraphQLError('Syntax Error: the document is nested too deeply to parse.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      throw error;
    }
    const errors = validate(deps.planner.apiSchema, document, rules);
    if (errors.length > 0) {
      return errors.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes ?? null,
            extensions: { code: isScalarInputRefusal(error) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED', ...error.extensions },
          }),
      );
    }
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    // As over HTTP (Apollo Server): OPERATION_RESOLUTION_FAILURE, not another code per transport.
    if (operation === null || operation === undefined) return [operationResolutionError(payload.operationName)];
    const variables = payload.variables ?? {};
    const inputErrors = resolveVariableInputs(deps.planner.apiSchema, operation, variables);
    if (inputErrors.length > 0) return inputErrors;
    // Queries and mutations are coerced again by Apollo Server; a subscription only here, before
    // anything is planned or opened upstream.
    if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
      const coerced = getVariableValues(deps.planner.apiSchema, operation.variableDefinitions ?? [], variables, { maxErrors: 10 });
      if (coerced.errors !== undefined)
        return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { code: 'BAD_USER_INPUT' } }));
    }
    // Queries and mutations are costed by Apollo's plugin (run() hands them to Apollo); a
    // subscription is costed here, per event, before anything is opened upstream.
    let admitted: Admitted | undefined;
    if (operation.operation === OperationTypeNode.SUBSCRIPTION && deps.demandControl !== undefined) {
      const admission = deps.demandControl.admit(document, operation, variables);
      if (admission !== undefined && !admission.ok) {
        context.logger.warn({ code: admission.error.extensions['code'] }, 'subscription refused by demand control');
        return [admission.error];
      }
      admitted = admission;
    }
    return {
      kind: 'prepared-operation',
      document,
      source,
      operationName,
      variables,
      operationType: operation.operation,
      context,
      transport,
      connectionSlots,
      admitted,
    };
  }

  async function run(prepared: PreparedOperation): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    if (prepared.operationType === 'subscription') {
      const stopTimer = deps.metrics.requestLatencySeconds.startTimer({ operation_type: 'subscription' });
      const result = await deps.executor.subscribe(prepared);
      stopTimer();
      deps.metrics.requestCount.inc({ operation_type: 'subscription', outcome: Symbol.asyncIterator in result ? 'ok' : 'error' });
      const { admitted } = prepared;
      if (admitted === undefined || deps.demandControl === undefined || !(Symbol.asyncIterator in result)) return result;
      const demandControl = deps.demandControl;
      return observeEvents(result, (event) => demandControl.observeEvent(admitted, event.data, prepared.context.logger));
    }
    // Counted and timed by the Apollo plugin, like any HTTP operation.
    const response = await deps.apollo.executeOperation(
      { query: prepared.source, variables: prepared.variables, ...(prepared.operationName === undefined ? {} : { operationName: prepared.operationName }) },
      { contextValue: prepared.context },
    );
    if (response.body.kind !== 'single')
      return { errors: [new GraphQLError('incremental delivery is not supported here', { extensions: { code: 'BAD_REQUEST' } })] };
    const { data, errors } = response.body.singleResult;
    return { data: data ?? null, ...(errors === undefined ? {} : { errors: errors.map(toGraphQLError) }) };
  }

  /**
   * Applies the HTTP error policy (limit codes, production masking) to every event. An event's
   * errors may hold what a failed subgraph fetch threw (not always a GraphQLError).
   */
  function formatErrors(errors: readonly unknown[]): GraphQLError[] {
    return errors.map((error) => toGraphQLError(formatError(asGraphQLError(error).toJSON(), error)));
  }
  function format(result: ExecutionResult): ExecutionResult {
    return result.errors === undefined ? result : { ...result, errors: formatErrors(result.errors) };
  }

  return { prepare, run, format, formatErrors };
}

export type Operations = ReturnType<typeof createOperations>;
