/** One account's side of a BalanceUpdated event. `version` is absent in old Go producer events. */
export interface SideUpdate {
  readonly accountId: string;
  /** Exact decimal string, the balance after the change. */
  readonly amount: string;
  readonly version: number | undefined;
  /** The transfer that caused it, when the event names one (kept in the balance history). */
  readonly transactionId?: string;
}

export type SideDecision =
  /** No row yet: create it (old events start at version 0). */
  | { readonly kind: 'insert'; readonly version: number }
  /** Newer (or un-versioned) event: write the amount and this version. */
  | { readonly kind: 'update'; readonly version: number }
  /** Redelivery of the stored version: nothing to write, but publish the live state again. */
  | { readonly kind: 'republish' }
  /** Older than the stored version: ignore entirely. */
  | { readonly kind: 'stale' };

/**
 * The read model's ordering rule. Versioned events apply only when strictly newer, so duplicates
 * and reordering never regress a row; un-versioned (old) events are applied in partition order
 * and keep the stored version.
 */
export function decideSide(storedVersion: number | undefined, update: SideUpdate): SideDecision {
  if (storedVersion === undefined) return { kind: 'insert', version: update.version ?? 0 };
  if (update.version === undefined) return { kind: 'update', version: storedVersion };
  if (update.version > storedVersion) return { kind: 'update', version: update.version };
  if (update.version === storedVersion) return { kind: 'republish' };
  return { kind: 'stale' };
}
