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
  /** The transfer that caused an applied side, when its event named one. */
  readonly transactionId?: string;
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
      planned.push({ outcome: decision.kind === 'republish' ? 'republished' : 'stale', state: row });
    }
  }
  const finalStates = [...changed].sort().map((accountId) => current.get(accountId) as BalanceState);
  return {
    sides: planned,
    inserts: finalStates.filter((state) => !stored.has(state.accountId)),
    updates: finalStates.filter((state) => stored.has(state.accountId)),
  };
}
