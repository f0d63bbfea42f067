import type { BalanceState } from '../store/balance-repository.js';
import { MinVersionTimeoutError } from './errors.js';
import type { VersionWaiters } from './version-waiters.js';

export interface MinVersionReadDeps {
  readonly waiters: VersionWaiters;
  /** A read of the committed row, never a per-request cache. */
  readonly readFresh: (accountId: string) => Promise<BalanceState | null>;
}

/**
 * The balance once the read model has at least `minVersion`: at once when it has, else after the
 * live update that brings it (the waiter is registered before the second read, so a commit
 * between the two reads is not missed). After `waitMsMax`, MIN_VERSION_TIMEOUT (retriable).
 */
export async function readAtLeastVersion(
  deps: MinVersionReadDeps,
  waitMsMax: number,
  accountId: string,
  minVersion: number,
  first: BalanceState | null,
): Promise<BalanceState | null> {
  if (first !== null && first.version >= minVersion) return first;
  const waiter = deps.waiters.register(accountId, minVersion, waitMsMax);
  let current: BalanceState | null;
  try {
    current = await deps.readFresh(accountId);
  } catch (error: unknown) {
    waiter.cancel();
    throw error;
  }
  if (current !== null && current.version >= minVersion) {
    waiter.cancel();
    return current;
  }
  if (!(await waiter.reached)) throw new MinVersionTimeoutError(accountId, minVersion, waitMsMax, current?.version);
  const after = await deps.readFresh(accountId);
  // The live update follows the commit, so the row has the version now; a lower one is a bug upstream.
  if (after === null || after.version < minVersion) throw new MinVersionTimeoutError(accountId, minVersion, waitMsMax, after?.version);
  return after;
}
