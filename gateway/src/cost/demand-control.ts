import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '@walletgraph/platform/core';
import type { CostConfig } from '../config.js';
import { LimitCode, LimitExceededError } from '../limits/limit-errors.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { GatewayContext } from '../context/request-context.js';
import { actualCost, compileCost, estimatedCost, type CompiledCost, type Variables } from './estimate.js';
import type { SchemaCosts } from './schema-costs.js';

/**
 * The expected length of a list whose size the schema does not declare. Every list of the
 * supergraph declares one (`@listSize` or a parent's `sizedFields`; a test keeps it so), so this
 * only covers a list added without one, and then generously: the largest page a subgraph serves.
 */
export const DEFAULT_LIST_SIZE = 100;

export type OperationType = 'query' | 'mutation' | 'subscription';

/** An operation let through (or only measured): its formula, to score the answer with later. */
export interface Admitted {
  readonly ok: true;
  readonly estimatedCost: number;
  readonly compiled: CompiledCost;
  readonly variables: Variables | undefined;
  readonly operationType: OperationType;
}

/** Refused: over the maximum, or not estimable (a required slicing argument missing). Undefined: measure mode could not estimate it. */
export type Admission = Admitted | { readonly ok: false; readonly error: GraphQLError } | undefined;

export interface DemandControl {
  /** Estimates the operation before any subgraph is called; refuses it over GATEWAY_COST_MAX (enforce mode). */
  admit(document: DocumentNode, operation: OperationDefinitionNode, variables: Variables | undefined): Admission;
  /**
   * Scores what was returned (real list lengths) into gateway_operation_cost_actual; never throws.
   * `logs`: the request's context, whose logger is read (and made) only when scoring fails.
   */
  observeActual(admitted: Admitted, data: unknown, logs: LogsTo): void;
  /** Counts one subscription event: its estimate and its actual cost, both per event. */
  observeEvent(admitted: Admitted, data: unknown, logs: LogsTo): void;
}

/** Where a failure is logged: a request's context (its logger is made on first use). */
export interface LogsTo {
  readonly logger: Logger;
}

export interface DemandControlDeps {
  readonly apiSchema: GraphQLSchema;
  readonly costs: SchemaCosts;
  readonly metrics: GatewayMetrics;
}

function costLimitError(operation: OperationDefinitionNode, estimated: number, max: number): LimitExceededError {
  const name = operation.name === undefined ? 'the operation' : `operation ${operation.name.value}`;
  return new LimitExceededError(
    LimitCode.COST_LIMIT_EXCEEDED,
    `${name} has an estimated cost of ${estimated}; the maximum is ${max}. Ask for fewer items (first/last), fewer nested lists or fewer aliases`,
    { estimatedCost: estimated, maxCost: max },
    [operation],
    400,
  );
}

export function createDemandControl(deps: DemandControlDeps, config: CostConfig): DemandControl {
  // Keyed by the parsed document: Apollo keeps one per distinct query text in its document store,
  // so a formula is compiled once per document, and goes when the document does.
  const compiledByDocument = new WeakMap<DocumentNode, Map<OperationDefinitionNode, CompiledCost>>();

  function compiledFor(document: DocumentNode, operation: OperationDefinitionNode): CompiledCost {
    let byOperation = compiledByDocument.get(document);
    if (byOperation === undefined) {
      byOperation = new Map();
      compiledByDocument.set(document, byOperation);
    }
    let compiled = byOperation.get(operation);
    if (compiled === undefined) {
      compiled = compileCost(deps.apiSchema, deps.costs, document, operation, DEFAULT_LIST_SIZE);
      byOperation.set(operation, compiled);
    }
    return compiled;
  }

  function observe(kind: 'estimated' | 'actual', operationType: OperationType, cost: number): void {
    (kind === 'estimated' ? deps.metrics.operationCostEstimated : deps.metrics.operationCostActual).observe({ operation_type: operationType }, cost);
  }

  function scoreActual(admitted: Admitted, data: unknown, logs: LogsTo): number | undefined {
    try {
      return actualCost(admitted.compiled, data, admitted.variables, deps.costs);
    } catch (error: unknown) {
      // A metric must never cost the caller its answer.
      logs.logger.warn({ err: error }, 'actual cost not computed');
      return undefined;
    }
  }

  return {
    admit(document, operation, variables) {
      let compiled: CompiledCost;
      let estimated: number;
      try {
        compiled = compiledFor(document, operation);
        estimated = estimatedCost(compiled, variables, deps.costs);
      } catch (error: unknown) {
        if (!(error instanceof GraphQLError)) throw error;
        return config.mode === 'enforce' ? { ok: false, error } : undefined;
      }
      const operationType = operation.operation;
      // A subscription's estimate is recorded with each event (observeEvent), as its cost is.
      if (operationType !== OperationTypeNode.SUBSCRIPTION) observe('estimated', operationType, estimated);
      if (config.mode === 'enforce' && estimated > config.max) {
        deps.metrics.limitRejectionCount.inc({ limit: LimitCode.COST_LIMIT_EXCEEDED });
        return { ok: false, error: costLimitError(operation, estimated, config.max) };
      }
      return { ok: true, estimatedCost: estimated, compiled, variables, operationType };
    },
    observeActual(admitted, data, logs) {
      const cost = scoreActual(admitted, data, logs);
      if (cost !== undefined) observe('actual', admitted.operationType, cost);
    },
    observeEvent(admitted, data, logs) {
      observe('estimated', 'subscription', admitted.estimatedCost);
      const cost = scoreActual(admitted, data, logs);
      if (cost !== undefined) observe('actual', 'subscription', cost);
    },
  };
}

/**
 * Queries and mutations over HTTP (and the WebSocket/SSE ones, which run through Apollo too):
 * estimated after validation, before the query plan runs; the answer's actual cost once it is built.
 */
export function createDemandControlPlugin(demandControl: DemandControl): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let admitted: Admitted | undefined;
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (operation === undefined) return;
          const admission = demandControl.admit(document, operation, request.variables);
          if (admission === undefined) return;
          if (!admission.ok) {
            const { http: _http, ...details } = admission.error.extensions;
            contextValue.logger.warn(details, 'operation refused by demand control');
            throw admission.error;
          }
          admitted = admission;
        },
        async willSendResponse({ response, contextValue }) {
          if (admitted === undefined || response.body.kind !== 'single') return;
          demandControl.observeActual(admitted, response.body.singleResult.data, contextValue);
        },
      };
    },
  };
}
