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
