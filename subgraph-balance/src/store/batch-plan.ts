import { assert } from '@walletgraph/platform/core';
import { formatDecimal } from './decimal.js';
import { decideSide, type SideUpdate } from './version-rule.js';

/** A row of the read model as every other layer sees it: amounts are exact decimal strings. */
export interface BalanceState {
  readonly id: string;
  readonly accountId: string;
  readonly amount: string;
  readonly version: number;
  readonly updatedAt: Date;
}

export type SideOutcome = 'applied' | 'republished' | 'stale';

export interface AppliedSide {
  readonly outcome: SideOutcome;
  /** The row right after this side (unchanged for `republished` and `stale`). */
  readonly state: BalanceState;
  /** The transfer that caused the side, when its event named one. */
  readonly transactionId?: string;
  /**
   * A `stale` side's own version (older than the row, which stays): the history still records it.
   * Versions of an account reach the projector out of order when the account is the receiver on
   * another partition than its own sends; without this the history would have holes.
   */
  readonly lateVersion?: BalanceState;
}

export interface BatchPlan {
  /** One entry per input side, in input order: what applying the sides one by one would give. */
  readonly sides: readonly AppliedSide[];
  /** Final state of each account that had no row, sorted by account id. */
  readonly inserts: readonly BalanceState[];
  /** Final state of each existing row that changed, sorted by account id. */
  readonly updates: readonly BalanceState[];
}

export interface BatchPlanClock {
  readonly now: Date;
  readonly newId: () => string;
}

/**
 * Applies the version rule to a run of sides in memory, in order, starting from the locked rows.
 * Each account changed by the run is written once, with its last state; the result per side is
 * the same as one transaction per event would have produced.
 */
export function planBatch(stored: ReadonlyMap<string, BalanceState>, sides: readonly SideUpdate[], clock: BatchPlanClock): BatchPlan {
  const current = new Map(stored);
  const changed = new Set<string>();
  const planned: AppliedSide[] = [];
  for (const side of sides) {
    const row = current.get(side.accountId);
    const decision = decideSide(row?.version, side);
    if (decision.kind === 'insert' || decision.kind === 'update') {
      const next: BalanceState = {
        id: row?.id ?? clock.newId(),
        accountId: side.accountId,
        amount: formatDecimal(side.amount),
        version: decision.version,
        updatedAt: clock.now,
      };
      current.set(side.accountId, next);
      changed.add(side.accountId);
      planned.push({ outcome: 'applied', state: next, ...(side.transactionId === undefined ? {} : { transactionId: side.transactionId }) });
    } else {
      assert(row !== undefined, `${decision.kind} decided for ${side.accountId} without a row`);
      const cause = side.transactionId === undefined ? {} : { transactionId: side.transactionId };
      if (decision.kind === 'republish') planned.push({ outcome: 'republished', state: row });
      else if (side.version === undefined) planned.push({ outcome: 'stale', state: row });
      else
        planned.push({
          outcome: 'stale',
          state: row,
          ...cause,
          lateVersion: { ...row, amount: formatDecimal(side.amount), version: side.version, updatedAt: clock.now },
        });
    }
  }
  const finalStates = [...changed].sort().map((accountId) => current.get(accountId) as BalanceState);
  return {
    sides: planned,
    inserts: finalStates.filter((state) => !stored.has(state.accountId)),
    updates: finalStates.filter((state) => stored.has(state.accountId)),
  };
}
