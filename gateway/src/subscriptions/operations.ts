import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
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
import { createFormatError, isScalarInputRefusal } from '../http/format-error.js';
import { createLimitsRule } from '../http/limits.js';
import type { GatewayMetrics } from '../http/metrics.js';
import type { GatewayContext } from '../http/request-context.js';
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
};

export interface OperationPayload {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Record<string, unknown> | null | undefined;
}

export type OperationsConfig = Pick<GatewayConfig, 'limits' | 'introspection' | 'errorDetails'>;

export interface OperationsDeps {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly executor: SubscriptionExecutor;
  readonly planner: SubscriptionPlanner;
  readonly metrics: GatewayMetrics;
}

export function isPreparedOperation(value: unknown): value is PreparedOperation {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'prepared-operation';
}

function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, { ...(error.path === undefined ? {} : { path: error.path }), ...(error.extensions === undefined ? {} : { extensions: error.extensions }) });
}

/**
 * The transport-independent half of WebSocket and SSE: the same validation and limits as HTTP,
 * subscriptions through the federated executor, queries and mutations through Apollo Server.
 */
export function createOperations(deps: OperationsDeps, config: OperationsConfig) {
  const limitsRule = createLimitsRule(config.limits, (error) => deps.metrics.limitRejectionCount.inc({ limit: error.code }));
  const rules = [...specifiedRules, limitsRule, ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const formatError = createFormatError(config);

  function prepare(payload: OperationPayload, context: GatewayContext, transport: Transport, connectionSlots?: Slots): PreparedOperation | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: 50_000 });
    } catch (error: unknown) {
      if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      throw error;
    }
    const errors = validate(deps.planner.apiSchema, document, rules);
    if (errors.length > 0) {
      return errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: isScalarInputRefusal(error) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED', ...error.extensions } }));
    }
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (operation === null || operation === undefined) return [new GraphQLError('the document does not name exactly one operation to run', { extensions: { code: 'BAD_USER_INPUT' } })];
    const variables = payload.variables ?? {};
    const inputErrors = resolveVariableInputs(deps.planner.apiSchema, operation, variables);
    if (inputErrors.length > 0) return inputErrors;
    // Queries and mutations are coerced again by Apollo Server; a subscription only here, before
    // anything is planned or opened upstream.
    if (operation.operation === 'subscription') {
      const coerced = getVariableValues(deps.planner.apiSchema, operation.variableDefinitions ?? [], variables, { maxErrors: 10 });
      if (coerced.errors !== undefined) return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } }));
    }
    return {
      kind: 'prepared-operation',
      document,
      source: payload.query,
      operationName,
      variables,
      operationType: operation.operation,
      context,
      transport,
      connectionSlots,
    };
  }

  async function run(prepared: PreparedOperation): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    if (prepared.operationType === 'subscription') {
      const stopTimer = deps.metrics.requestLatencySeconds.startTimer({ operation_type: 'subscription' });
      const result = await deps.executor.subscribe(prepared);
      stopTimer();
      deps.metrics.requestCount.inc({ operation_type: 'subscription', outcome: Symbol.asyncIterator in result ? 'ok' : 'error' });
      return result;
    }
    // Counted and timed by the Apollo plugin, like any HTTP operation.
    const response = await deps.apollo.executeOperation(
      { query: prepared.source, variables: prepared.variables, ...(prepared.operationName === undefined ? {} : { operationName: prepared.operationName }) },
      { contextValue: prepared.context },
    );
    if (response.body.kind !== 'single') return { errors: [new GraphQLError('incremental delivery is not supported here', { extensions: { code: 'BAD_REQUEST' } })] };
    const { data, errors } = response.body.singleResult;
    return { data: (data ?? null) as ExecutionResult['data'], ...(errors === undefined ? {} : { errors: errors.map(toGraphQLError) }) };
  }

  /** Applies the HTTP error policy (limit codes, production masking) to every event. */
  function formatErrors(errors: readonly GraphQLError[]): GraphQLError[] {
    return errors.map((error) => toGraphQLError(formatError(error.toJSON(), error)));
  }
  function format(result: ExecutionResult): ExecutionResult {
    return result.errors === undefined ? result : { ...result, errors: formatErrors(result.errors) };
  }

  return { prepare, run, format, formatErrors };
}

export type Operations = ReturnType<typeof createOperations>;
