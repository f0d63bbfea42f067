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
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
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

/** What graphql-ws and graphql-sse execute for a prepared operation: the gateway runs it from `contextValue`. */
export function executionArgsOf(prepared: PreparedOperation, schema: GraphQLSchema) {
  return { schema, document: prepared.document, operationName: prepared.operationName, variableValues: prepared.variables, contextValue: prepared };
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

/** The document, or GRAPHQL_PARSE_FAILED as Apollo Server reports it over HTTP. */
function parseDocument(source: string): DocumentNode | readonly GraphQLError[] {
  try {
    return parse(source, { maxTokens: 50_000 });
  } catch (error: unknown) {
    if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    // graphql-js parses recursively: a document nested thousands of levels deep overflows the
    // stack. The caller's text, as Apollo Server reports it over HTTP (before: the WebSocket closed
    // with 4500 and the RangeError's message, SSE answered 500).
    if (error instanceof RangeError)
      return [new GraphQLError('Syntax Error: the document is nested too deeply to parse.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    throw error;
  }
}

/** Validation against the API schema and the gateway's limits; a refused scalar input is BAD_USER_INPUT. */
function validationErrors(planner: SubscriptionPlanner, document: DocumentNode, rules: readonly ValidationRule[]): GraphQLError[] {
  return validate(planner.apiSchema, document, rules).map(
    (error) =>
      new GraphQLError(error.message, {
        nodes: error.nodes ?? null,
        extensions: { code: isScalarInputRefusal(error) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED', ...error.extensions },
      }),
  );
}

/**
 * The variables' errors: their input texts, then (a subscription's only; Apollo Server coerces
 * queries and mutations again) their coercion, before anything is planned or opened upstream.
 */
function variableErrors(planner: SubscriptionPlanner, operation: OperationDefinitionNode, variables: Record<string, unknown>): readonly GraphQLError[] {
  const inputErrors = resolveVariableInputs(planner.apiSchema, operation, variables);
  if (inputErrors.length > 0) return inputErrors;
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return [];
  const coerced = getVariableValues(planner.apiSchema, operation.variableDefinitions ?? [], variables, { maxErrors: 10 });
  return coerced.errors === undefined
    ? []
    : coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { code: 'BAD_USER_INPUT' } }));
}

/**
 * Queries and mutations are costed by Apollo's plugin (run() hands them to Apollo); a
 * subscription is costed here, per event, before anything is opened upstream.
 */
function admitSubscription(
  demandControl: DemandControl | undefined,
  prepared: { document: DocumentNode; operation: OperationDefinitionNode; variables: Record<string, unknown>; context: GatewayContext },
): { ok: true; admitted: Admitted | undefined } | { ok: false; error: GraphQLError } {
  if (prepared.operation.operation !== OperationTypeNode.SUBSCRIPTION || demandControl === undefined) return { ok: true, admitted: undefined };
  const admission = demandControl.admit(prepared.document, prepared.operation, prepared.variables);
  if (admission !== undefined && !admission.ok) {
    prepared.context.logger.warn({ code: admission.error.extensions['code'] }, 'subscription refused by demand control');
    return { ok: false, error: admission.error };
  }
  return { ok: true, admitted: admission };
}

/** A subscription through the federated executor, timed and counted here; its events costed when demand control admitted it. */
async function runSubscription(
  deps: Pick<OperationsDeps, 'executor' | 'metrics' | 'demandControl'>,
  prepared: PreparedOperation,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stopTimer = deps.metrics.requestLatencySeconds.startTimer({ operation_type: 'subscription' });
  const result = await deps.executor.subscribe(prepared);
  stopTimer();
  deps.metrics.requestCount.inc({ operation_type: 'subscription', outcome: Symbol.asyncIterator in result ? 'ok' : 'error' });
  const { admitted } = prepared;
  if (admitted === undefined || deps.demandControl === undefined || !(Symbol.asyncIterator in result)) return result;
  const demandControl = deps.demandControl;
  return observeEvents(result, (event) => demandControl.observeEvent(admitted, event.data, prepared.context));
}

/** A query or mutation through Apollo Server (counted and timed by the Apollo plugin, like any HTTP operation). */
async function runOnApollo(apollo: OperationsDeps['apollo'], prepared: PreparedOperation): Promise<ExecutionResult> {
  const response = await apollo.executeOperation(
    { query: prepared.source, variables: prepared.variables, ...(prepared.operationName === undefined ? {} : { operationName: prepared.operationName }) },
    { contextValue: prepared.context },
  );
  if (response.body.kind !== 'single')
    return { errors: [new GraphQLError('incremental delivery is not supported here', { extensions: { code: 'BAD_REQUEST' } })] };
  const { data, errors } = response.body.singleResult;
  return { data: data ?? null, ...(errors === undefined ? {} : { errors: errors.map(toGraphQLError) }) };
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
    const document = parseDocument(source);
    if (!('kind' in document)) return document;
    const errors = validationErrors(deps.planner, document, rules);
    if (errors.length > 0) return errors;
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    // As over HTTP (Apollo Server): OPERATION_RESOLUTION_FAILURE, not another code per transport.
    if (operation === null || operation === undefined) return [operationResolutionError(payload.operationName)];
    const variables = payload.variables ?? {};
    const inputErrors = variableErrors(deps.planner, operation, variables);
    if (inputErrors.length > 0) return inputErrors;
    const admission = admitSubscription(deps.demandControl, { document, operation, variables, context });
    if (!admission.ok) return [admission.error];
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
      admitted: admission.admitted,
    };
  }

  function run(prepared: PreparedOperation): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    return prepared.operationType === 'subscription' ? runSubscription(deps, prepared) : runOnApollo(deps.apollo, prepared);
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
