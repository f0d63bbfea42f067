import { assert, BadUserInputError, InsufficientFundsError } from '@walletgraph/platform/core';
import { BALANCE_MAX, type Money } from './money.js';

/** accounts.version is a signed INT. */
const VERSION_MAX = 2_147_483_647;

export interface AccountState {
  readonly id: string;
  readonly balance: Money;
  readonly version: number;
}

export interface AccountChange {
  readonly id: string;
  readonly balance: Money;
  readonly version: number;
}

function nextVersion(version: number): number {
  assert(version < VERSION_MAX, 'account version overflow');
  return version + 1;
}

/** A transfer's new balances and versions, or the reason it is refused. Pure; the caller holds the row locks. */
export function planTransfer(from: AccountState, to: AccountState, amount: Money): { from: AccountChange; to: AccountChange } {
  assert(from.id !== to.id, 'transfer between the same account must be rejected before locking');
  if (from.balance.lt(amount)) throw new InsufficientFundsError({ details: { accountId: from.id } });
  const toBalance = to.balance.plus(amount);
  if (toBalance.gt(BALANCE_MAX)) throw new BadUserInputError('the receiving balance would exceed the largest balance an account may hold');
  return {
    from: { id: from.id, balance: from.balance.minus(amount), version: nextVersion(from.version) },
    to: { id: to.id, balance: toBalance, version: nextVersion(to.version) },
  };
}

export function planDeposit(account: AccountState, amount: Money): AccountChange {
  const balance = account.balance.plus(amount);
  if (balance.gt(BALANCE_MAX)) throw new BadUserInputError('the balance would exceed the largest balance an account may hold');
  return { id: account.id, balance, version: nextVersion(account.version) };
}

/** Lock order shared by every writer, so two opposite transfers never wait on each other in a cycle. */
export function lockOrder(idA: string, idB: string): [string, string] {
  return idA < idB ? [idA, idB] : [idB, idA];
}

export function assertDistinctAccounts(fromId: string, toId: string): void {
  if (fromId === toId) throw new BadUserInputError('accountIdFrom and accountIdTo must be different accounts', { details: { field: 'accountIdTo' } });
}
