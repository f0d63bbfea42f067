import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Logger } from '@walletgraph/platform/core';
import { SubscriptionLimitError } from '../live/errors.js';
import type { BalancePubSub, BalanceSubscription } from '../live/balance-pubsub.js';
import type { LiveBalance } from '../live/live-message.js';
import { noteResolvedUpdate } from '../live/live-trace.js';
import { MetricName, type Metrics } from '../metrics.js';
import type { BalanceState } from '../store/balance-repository.js';
import type { BalanceContext, ConnectionState } from './context.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';
import { parseAccountId, toGraphQLError } from './errors.js';
import { assertMaySubscribe, mayReadBalance } from '../auth/policy.js';

export interface BalanceResolverDeps {
  /** The current balance a new subscription starts from (batched across subscriptions). */
  readonly readBaseline: (accountId: string) => Promise<BalanceState | null>;
  readonly pubsub: BalancePubSub;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface BalanceResolverConfig {
  readonly subscriptionsPerConnectionMax: number;
}

interface AccountReference {
  readonly id: string;
}

function openSubscription(deps: BalanceResolverDeps, config: BalanceResolverConfig, accountId: string, connection: ConnectionState | undefined): BalanceSubscription {
  if (connection !== undefined && connection.subscriptionCount >= config.subscriptionsPerConnectionMax) {
    deps.metrics.increment(MetricName.subscriptionsRejected);
    const max = config.subscriptionsPerConnectionMax;
    throw new SubscriptionLimitError(`a connection may hold at most ${max} subscriptions`, max);
  }
  const subscription = deps.pubsub.subscribe(accountId, {
    onOverflow: () => connection?.closeSlow(),
    onEnd: () => {
      if (connection !== undefined) connection.subscriptionCount -= 1;
    },
  });
  if (connection !== undefined) connection.subscriptionCount += 1;
  return subscription;
}

export function createBalanceResolvers(deps: BalanceResolverDeps, config: BalanceResolverConfig): GraphQLResolverMap<BalanceContext> {
  return {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,
    Query: {
      async balance(_parent: unknown, args: { accountId?: unknown }, context: BalanceContext) {
        const accountId = parseAccountId(args.accountId);
        try {
          // Not yours looks exactly like unknown: null.
          if (!(await mayReadBalance(context.identity, accountId, context.ownerOf))) return null;
          return await context.balanceByAccountId.load(accountId);
        } catch (error: unknown) {
          throw toGraphQLError(error);
        }
      },
    },
    Account: {
      __resolveReference(reference: AccountReference) {
        return { id: reference.id };
      },
      async balance(account: AccountReference, _args: unknown, context: BalanceContext) {
        const accountId = parseAccountId(account.id, 'id');
        try {
          if (!(await mayReadBalance(context.identity, accountId, context.ownerOf))) return null;
          return await context.balanceByAccountId.load(accountId);
        } catch (error: unknown) {
          throw toGraphQLError(error);
        }
      },
    },
    Balance: {
      account: (balance: LiveBalance) => ({ __typename: 'Account', id: balance.accountId }),
    },
    Subscription: {
      balanceUpdated: {
        async subscribe(_parent: unknown, args: { accountId?: unknown }, context: BalanceContext) {
          const accountId = parseAccountId(args.accountId);
          let subscription: BalanceSubscription | undefined;
          try {
            await assertMaySubscribe(context.identity, accountId, context.ownerOf);
            subscription = openSubscription(deps, config, accountId, context.connection);
            // Registered before reading the baseline, so nothing committed in between is missed.
            const current = await deps.readBaseline(accountId);
            if (current !== null) subscription.setBaselineVersion(current.version);
            return subscription;
          } catch (error: unknown) {
            subscription?.close();
            throw toGraphQLError(error);
          }
        },
        resolve: (update: LiveBalance, _args: unknown, context: BalanceContext) => {
          noteResolvedUpdate(context, update);
          return update;
        },
      },
    },
  };
}
