import { AppError, ErrorCode } from '@walletgraph/platform/core';

export interface VersionWaitersConfig {
  /** Reads waiting at once on this instance; one more is refused (SERVICE_UNAVAILABLE, retriable). */
  readonly waitersMax: number;
}

export interface VersionWaiters {
  /**
   * `reached` resolves true once `notify` reports `minVersion` (or more) for the account, false
   * after `timeoutMs` or `cancel()`. Costs a map entry and a timer while it waits; nothing polls.
   * Throws TooManyWaitersError when `waitersMax` reads already wait.
   */
  register(accountId: string, minVersion: number, timeoutMs: number): { readonly reached: Promise<boolean>; cancel(): void };
  /** Called for every committed version (the live topic): wakes the waiters it satisfies. */
  notify(accountId: string, version: number): void;
  waitingCount(): number;
}

export class TooManyWaitersError extends AppError {
  constructor(waitersMax: number) {
    super(ErrorCode.SERVICE_UNAVAILABLE, `this instance already holds ${waitersMax} reads waiting for a version; retry shortly`, true, {
      details: { waitersMax },
    });
  }
}

interface Waiter {
  readonly minVersion: number;
  readonly settle: (reached: boolean) => void;
}

/** Waiting `balance(minVersion)` reads, keyed by account and woken by the live updates this instance receives. */
export function createVersionWaiters(config: VersionWaitersConfig): VersionWaiters {
  const byAccount = new Map<string, Set<Waiter>>();
  let count = 0;

  function remove(accountId: string, waiter: Waiter): void {
    const set = byAccount.get(accountId);
    if (set?.delete(waiter) !== true) return;
    count -= 1;
    if (set.size === 0) byAccount.delete(accountId);
  }

  return {
    register(accountId, minVersion, timeoutMs) {
      if (count >= config.waitersMax) throw new TooManyWaitersError(config.waitersMax);
      let settle: (reached: boolean) => void = () => undefined;
      const reached = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => waiter.settle(false), timeoutMs);
        const waiter: Waiter = {
          minVersion,
          settle: (value) => {
            clearTimeout(timer);
            remove(accountId, waiter);
            resolve(value);
          },
        };
        settle = waiter.settle;
        let set = byAccount.get(accountId);
        if (set === undefined) byAccount.set(accountId, (set = new Set()));
        set.add(waiter);
        count += 1;
      });
      return { reached, cancel: () => settle(false) };
    },
    notify(accountId, version) {
      const set = byAccount.get(accountId);
      if (set === undefined) return;
      for (const waiter of [...set]) if (version >= waiter.minVersion) waiter.settle(true);
    },
    waitingCount: () => count,
  };
}
