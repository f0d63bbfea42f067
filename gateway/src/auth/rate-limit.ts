import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, OperationTypeNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Identity } from '@walletgraph/platform/auth';
import type { RateLimitConfig } from '../config.js';
import type { GatewayContext } from '../context/request-context.js';

export const RATE_LIMITED = 'RATE_LIMITED';

interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

export type TakeResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export interface RateLimiter {
  /** Synchronous in one process; a cluster worker asks the primary (see cluster-rate-limit.ts). */
  take(key: string, cost: number, nowMs?: number): TakeResult | Promise<TakeResult>;
  bucketCount(): number;
}

/**
 * One token bucket per identity: `perMinuteMax` tokens, refilled continuously. At most
 * `identitiesMax` buckets; when full, the least recently touched bucket is dropped (it is
 * the likeliest to be full again anyway), so memory stays bounded under many identities.
 */
/** What one set of buckets needs from the gateway's RateLimitConfig. */
export function bucketLimitsOf(config: RateLimitConfig): { readonly perMinuteMax: number; readonly identitiesMax: number } {
  return { perMinuteMax: config.mutationsPerMinuteMax, identitiesMax: config.identitiesMax };
}

/** The in-process limiter: it always decides at once. */
export interface LocalRateLimiter extends RateLimiter {
  take(key: string, cost: number, nowMs?: number): TakeResult;
}

export function createRateLimiter(config: { readonly perMinuteMax: number; readonly identitiesMax: number }): LocalRateLimiter {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = config.perMinuteMax / 60_000;
  return {
    take(key, cost, nowMs = Date.now()) {
      const needed = Math.min(Math.max(cost, 1), config.perMinuteMax);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= config.identitiesMax) {
          const oldest = buckets.keys().next();
          if (oldest.done !== true) buckets.delete(oldest.value);
        }
        bucket = { tokens: config.perMinuteMax, updatedAtMs: nowMs };
      } else {
        buckets.delete(key); // re-inserted below: Map order = least recently touched first
        bucket.tokens = Math.min(config.perMinuteMax, bucket.tokens + Math.max(0, nowMs - bucket.updatedAtMs) * refillPerMs);
        bucket.updatedAtMs = nowMs;
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= needed) {
        bucket.tokens -= needed;
        return { allowed: true };
      }
      return { allowed: false, retryAfterMs: Math.ceil((needed - bucket.tokens) / refillPerMs) };
    },
    bucketCount: () => buckets.size,
  };
}

/** Buckets are per client (all of a client's tokens share one), per subject for admins. */
export function rateLimitKey(identity: Identity): string {
  return identity.role === 'client' ? `client:${identity.clientId}` : `admin:${identity.subject}`;
}

/** Root fields of a mutation (aliases count, fragments expanded one level deep at the root). */
export function mutationFieldCount(operation: OperationDefinitionNode, fragments: Readonly<Record<string, FragmentDefinitionNode>>): number {
  const count = (selectionSet: SelectionSetNode, depth: number): number =>
    selectionSet.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FIELD) return sum + (selection.name.value === '__typename' ? 0 : 1);
      if (depth > 3) return sum;
      if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet, depth + 1);
      const fragment = fragments[selection.name.value];
      return fragment === undefined ? sum : sum + count(fragment.selectionSet, depth + 1);
    }, 0);
  return count(operation.selectionSet, 0);
}

export function rateLimitedError(retryAfterMs: number, perMinuteMax: number): GraphQLError {
  return new GraphQLError(`too many mutations: at most ${perMinuteMax} per minute for one identity; retry in ${retryAfterMs} ms`, {
    extensions: { code: RATE_LIMITED, retryAfterMs, http: { status: 429, headers: new Map([['retry-after', String(Math.ceil(retryAfterMs / 1000))]]) } },
  });
}

/** Refuses a mutation before any subgraph sees it when its identity's bucket is empty. */
export function createRateLimitPlugin(
  deps: { readonly limiter: RateLimiter; readonly onRejected?: () => void },
  config: RateLimitConfig,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (operation?.operation !== OperationTypeNode.MUTATION) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          const result = await deps.limiter.take(rateLimitKey(contextValue.identity), mutationFieldCount(operation, fragments));
          if (result.allowed) return;
          deps.onRejected?.();
          contextValue.logger.warn({ retryAfterMs: result.retryAfterMs }, 'mutation rate limit reached');
          throw rateLimitedError(result.retryAfterMs, config.mutationsPerMinuteMax);
        },
      };
    },
  };
}
