import { assert, isPlainDecimal } from '@walletgraph/platform/core';
import { Money } from '../domain/money.js';

/** One account as a side of the comparison sees it; `balance` is canonical decimal text ("995", "0.5"). */
export interface AccountSnapshot {
  readonly accountId: string;
  readonly balance: string;
  readonly version: number;
}

export const DriftKind = {
  /** The wallet has the account; the read model has no row. */
  missing: 'missing',
  /** The read model holds an older version. */
  behind: 'behind',
  /** The read model holds a newer version than the wallet (corruption or a foreign writer). */
  ahead: 'ahead',
  /** Same version, different balance: the read model was changed outside the event stream. */
  balanceMismatch: 'balance-mismatch',
  /** The read model has a row for an account the wallet does not know. */
  orphan: 'orphan',
} as const;
export type DriftKind = (typeof DriftKind)[keyof typeof DriftKind];

export interface Drift {
  readonly accountId: string;
  readonly kind: DriftKind;
  readonly wallet: { readonly balance: string; readonly version: number } | null;
  readonly readModel: { readonly balance: string; readonly version: number } | null;
}

/** Canonical text of a stored DECIMAL ("1000.0000" → "1000"), so both sides compare exactly. */
export function canonicalBalance(text: string): string {
  assert(isPlainDecimal(text), `not a plain decimal: ${text}`);
  return new Money(text).toFixed();
}

function sideOf(snapshot: AccountSnapshot): { balance: string; version: number } {
  return { balance: snapshot.balance, version: snapshot.version };
}

/** Why one account differs, or undefined when both sides agree exactly. */
export function classifyAccount(wallet: AccountSnapshot, readModel: AccountSnapshot | undefined): DriftKind | undefined {
  if (readModel === undefined) return DriftKind.missing;
  if (readModel.version < wallet.version) return DriftKind.behind;
  if (readModel.version > wallet.version) return DriftKind.ahead;
  return new Money(readModel.balance).eq(new Money(wallet.balance)) ? undefined : DriftKind.balanceMismatch;
}

/**
 * Compares wallet accounts with read-model rows. Read-model rows whose account is not among
 * `wallet` are orphans only when `walletIdsKnown` says the wallet lacks them (paged callers pass
 * read rows for the same ids, so they never produce orphans here).
 */
export function compareAccounts(wallet: readonly AccountSnapshot[], readModel: readonly AccountSnapshot[]): Drift[] {
  const readById = new Map(readModel.map((row) => [row.accountId, row]));
  const drifts: Drift[] = [];
  for (const account of wallet) {
    const read = readById.get(account.accountId);
    const kind = classifyAccount(account, read);
    if (kind !== undefined) drifts.push({ accountId: account.accountId, kind, wallet: sideOf(account), readModel: read === undefined ? null : sideOf(read) });
  }
  const walletIds = new Set(wallet.map((account) => account.accountId));
  for (const read of readModel) {
    if (!walletIds.has(read.accountId)) drifts.push({ accountId: read.accountId, kind: DriftKind.orphan, wallet: null, readModel: sideOf(read) });
  }
  return drifts;
}

/** Sum of balances as exact decimal text (money conservation checks). */
export function sumBalances(accounts: readonly { readonly balance: string }[]): string {
  return accounts.reduce((sum, account) => sum.plus(account.balance), new Money(0)).toFixed();
}
