import { setFlagsFromString } from 'node:v8';

/**
 * V8's old generation grows, after each full GC, to the live size times a factor V8 picks from how
 * cheap its GCs are: up to 4 on a machine with memory to spare. The gateway's live heap under a read
 * load is small (≈ 45 MB) but its request garbage is promoted fast, so V8 let it reach ≈ 180 MB of
 * old space before collecting: RSS ≈ 290 MB. A fixed factor of 1 + percent / 100 keeps the heap
 * proportional to what is live, with no cap (10,000 subscribers still get the heap they need).
 * Measured: 50 % → peak RSS 173 MB, CPU per read within noise (gateway/README.md, Memory).
 *
 * `--heap-growing-percent` is read at each full GC, so setting it at start (before any load) takes
 * effect without restarting node with the flag; GATEWAY_HEAP_GROWING_PERCENT=0 leaves V8's own sizing.
 */
export function heapGrowthFlags(percent: number): string[] {
  return percent > 0 ? [`--heap-growing-percent=${percent}`] : [];
}

export function applyHeapGrowth(percent: number, setFlags: (flags: string) => void = setFlagsFromString): void {
  for (const flag of heapGrowthFlags(percent)) setFlags(flag);
}
