/** A named counter with a maximum; reaching it refuses new work instead of growing. */
export interface Slots {
  readonly max: number;
  inUse(): number;
  tryAcquire(): boolean;
  release(): void;
}

export function createSlots(max: number): Slots {
  let used = 0;
  return {
    max,
    inUse: () => used,
    tryAcquire: () => {
      if (used >= max) return false;
      used += 1;
      return true;
    },
    release: () => {
      used = Math.max(0, used - 1);
    },
  };
}

/** Slots per key (a caller): each key holds at most `maxPerKey`; keys with none in use are forgotten. */
export interface KeyedSlots {
  readonly maxPerKey: number;
  inUse(key: string): number;
  tryAcquire(key: string): boolean;
  release(key: string): void;
}

export function createKeyedSlots(maxPerKey: number): KeyedSlots {
  const usedByKey = new Map<string, number>();
  return {
    maxPerKey,
    inUse: (key) => usedByKey.get(key) ?? 0,
    tryAcquire: (key) => {
      const used = usedByKey.get(key) ?? 0;
      if (used >= maxPerKey) return false;
      usedByKey.set(key, used + 1);
      return true;
    },
    release: (key) => {
      const used = usedByKey.get(key) ?? 0;
      if (used <= 1) usedByKey.delete(key);
      else usedByKey.set(key, used - 1);
    },
  };
}
