/**
 * Merges identical concurrent work: while a call for `key` is pending, further calls for the same
 * key wait for it instead of starting their own. Bounded: beyond `keysMax` pending keys a call
 * runs unshared (and `onFull` is told), so memory never grows with load.
 */
export interface InflightDeduper<T> {
  run(key: string, work: () => Promise<T>): Promise<T>;
  pendingCount(): number;
}

export interface InflightDeduperConfig {
  readonly keysMax: number;
}

export interface InflightDeduperHooks {
  /** A call joined one already in flight. */
  readonly onShared?: () => void;
  /** The map was full: the call ran on its own. */
  readonly onFull?: () => void;
}

export function createInflightDeduper<T>(config: InflightDeduperConfig, hooks: InflightDeduperHooks = {}): InflightDeduper<T> {
  const pending = new Map<string, Promise<T>>();
  return {
    run(key, work) {
      const existing = pending.get(key);
      if (existing !== undefined) {
        hooks.onShared?.();
        return existing;
      }
      if (pending.size >= config.keysMax) {
        hooks.onFull?.();
        return work();
      }
      const shared = work().finally(() => pending.delete(key));
      pending.set(key, shared);
      return shared;
    },
    pendingCount: () => pending.size,
  };
}
