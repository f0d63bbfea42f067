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
import { parseAccountId, parseVersionArg, toGraphQLError } from './errors.js';
import { ResumePointExpiredError } from '../history/errors.js';
import type { HistoryRepository } from '../history/history-repository.js';
import { readAtLeastVersion, type MinVersionReadDeps } from '../history/min-version-read.js';
import { createResumeStream } from '../history/resume-stream.js';
import { assertMaySubscribe, mayReadBalance } from '../auth/policy.js';

export interface BalanceResolverDeps {
  /** The current balance a new subscription starts from (batched across subscriptions). */
  readonly readBaseline: (accountId: string) => Promise<BalanceState | null>;
  readonly pubsub: BalancePubSub;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly history: HistoryRepository;
  readonly minVersion: MinVersionReadDeps;
}

export interface BalanceResolverConfig {
  readonly subscriptionsPerConnectionMax: number;
  readonly subscriptionQueueEventsMax: number;
  readonly history: { readonly replayPageRowsMax: number; readonly gapWaitMsMax: number };
  readonly minVersion: { readonly waitMsMax: number };
}

interface AccountReference {
  readonly id: string;
}

function openSubscription(
  deps: BalanceResolverDeps,
  config: BalanceResolverConfig,
  accountId: string,
  connection: ConnectionState | undefined,
): BalanceSubscription {
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

/** Refuses a resume point the history no longer covers, at subscribe time rather than at the next update. */
async function assertResumable(deps: BalanceResolverDeps, accountId: string, afterVersion: number, current: BalanceState | null): Promise<void> {
  if (current === null || current.version <= afterVersion) return;
  const oldest = await deps.history.oldestVersion(accountId);
  if (oldest === undefined || oldest > afterVersion + 1) throw new ResumePointExpiredError(accountId, afterVersion, oldest);
}

async function openBalanceStream(
  deps: BalanceResolverDeps,
  config: BalanceResolverConfig,
  args: { accountId?: unknown; afterVersion?: unknown },
  context: BalanceContext,
): Promise<AsyncIterableIterator<LiveBalance>> {
  const accountId = parseAccountId(args.accountId);
  const afterVersion = parseVersionArg(args.afterVersion, 'afterVersion');
  let subscription: BalanceSubscription | undefined;
  try {
    await assertMaySubscribe(context.identity, accountId, context.ownerOf);
    subscription = openSubscription(deps, config, accountId, context.connection);
    // Registered before reading the baseline, so nothing committed in between is missed.
    const current = await deps.readBaseline(accountId);
    if (afterVersion !== undefined) await assertResumable(deps, accountId, afterVersion, current);
    const lastVersion = afterVersion ?? current?.version;
    return createResumeStream(
      { live: subscription, history: deps.history },
      { pageRowsMax: config.history.replayPageRowsMax, liveBufferEventsMax: config.subscriptionQueueEventsMax, gapWaitMsMax: config.history.gapWaitMsMax },
      { accountId, lastVersion, replay: afterVersion !== undefined },
    );
  } catch (error: unknown) {
    subscription?.close();
    throw toGraphQLError(error);
  }
}

async function readBalance(
  deps: BalanceResolverDeps,
  config: BalanceResolverConfig,
  accountId: string,
  minVersionArg: unknown,
  context: BalanceContext,
): Promise<BalanceState | null> {
  const minVersion = parseVersionArg(minVersionArg, 'minVersion');
  try {
    // Not yours looks exactly like unknown: null.
    if (!(await mayReadBalance(context.identity, accountId, context.ownerOf))) return null;
    const first = await context.balanceByAccountId.load(accountId);
    if (minVersion === undefined) return first;
    return await readAtLeastVersion(deps.minVersion, config.minVersion.waitMsMax, accountId, minVersion, first);
  } catch (error: unknown) {
    throw toGraphQLError(error);
  }
}

export function createBalanceResolvers(deps: BalanceResolverDeps, config: BalanceResolverConfig): GraphQLResolverMap<BalanceContext> {
  return {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,
    Query: {
      balance: (_parent: unknown, args: { accountId?: unknown; minVersion?: unknown }, context: BalanceContext) =>
        readBalance(deps, config, parseAccountId(args.accountId), args.minVersion, context),
    },
    Account: {
      __resolveReference(reference: AccountReference) {
        return { id: reference.id };
      },
      balance: (account: AccountReference, args: { minVersion?: unknown }, context: BalanceContext) =>
        readBalance(deps, config, parseAccountId(account.id, 'id'), args.minVersion, context),
    },
    Balance: {
      account: (balance: LiveBalance) => ({ __typename: 'Account', id: balance.accountId }),
    },
    Subscription: {
      balanceUpdated: {
        subscribe: (_parent: unknown, args: { accountId?: unknown; afterVersion?: unknown }, context: BalanceContext) =>
          openBalanceStream(deps, config, args, context),
        resolve: (update: LiveBalance, _args: unknown, context: BalanceContext) => {
          noteResolvedUpdate(context, update);
          return update;
        },
      },
    },
  };
}
