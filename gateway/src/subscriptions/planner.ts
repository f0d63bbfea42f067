import { createHash } from 'node:crypto';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import { print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { assert } from '@walletgraph/platform/core';
import type { BoundedCache } from '../cache/bounded-cache.js';
import { installInputScalars } from '../inputs/scalars.js';

export interface SubscriptionPlan {
  readonly node: SubscriptionNode;
}

export interface SubscriptionPlanner {
  /** The client-facing schema, for parsing and validating operations. */
  readonly apiSchema: GraphQLSchema;
  /** What executeQueryPlan needs besides the plan. */
  readonly federationApiSchema: Schema;
  readonly supergraphSchema: GraphQLSchema;
  /** The supergraph with its directives (the cost weights demand control reads). */
  readonly supergraph: Supergraph;
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan;
}

/**
 * Plans subscriptions with the same planner the stock gateway uses for queries: a Subscription
 * node whose `primary` fetch goes to the subgraph owning the field and whose `rest` resolves the
 * fields of other subgraphs. Plans share the gateway's bounded plan cache under their own prefix.
 */
export function createSubscriptionPlanner(deps: { readonly supergraphSdl: string; readonly planCache: BoundedCache<QueryPlan> }): SubscriptionPlanner {
  const supergraph = Supergraph.build(deps.supergraphSdl);
  const federationApiSchema = supergraph.apiSchema();
  const planner = new QueryPlanner(supergraph);
  return {
    apiSchema: installInputScalars(federationApiSchema.toGraphQLJSSchema()),
    federationApiSchema,
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    supergraph,
    plan(document, operationName) {
      const key = `subscription:${createHash('sha256')
        .update(print(document))
        .update(`\0${operationName ?? ''}`)
        .digest('hex')}`;
      let plan = deps.planCache.getSync(key);
      if (plan === undefined) {
        const operation = operationFromDocument(federationApiSchema, document, operationName === undefined ? {} : { operationName });
        plan = planner.buildQueryPlan(operation);
        deps.planCache.setSync(key, plan);
      }
      const node = plan.node;
      assert(node?.kind === 'Subscription', `a subscription operation must plan to a Subscription node, got ${node?.kind ?? 'nothing'}`);
      return { node };
    },
  };
}
