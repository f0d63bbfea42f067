import { LRUCache } from 'lru-cache';

export interface CacheStats {
  readonly entryCount: number;
  readonly sizeBytes: number;
  readonly hitCount: number;
  readonly missCount: number;
  readonly evictionCount: number;
}

/** The KeyValueCache shape Apollo Server (APQ) and the query planner (QueryPlanCache) both accept. */
export interface BoundedCache<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  clear(): void;
  getSync(key: string): T | undefined;
  setSync(key: string, value: T): void;
  stats(): CacheStats;
}

export interface BoundedCacheConfig<T> {
  readonly sizeBytesMax: number;
  /** Approximate heap cost of one entry, key included. */
  readonly sizeBytesOf: (key: string, value: T) => number;
}

/**
 * A least-recently-used cache bounded in bytes (not entries), so one huge entry cannot hide behind
 * an entry count: `lru-cache` with `maxSize` + `sizeCalculation`. An entry larger than the whole
 * cache is not stored; evictions and hits are counted for the metrics.
 */
export function createBoundedCache<T>(config: BoundedCacheConfig<T>): BoundedCache<T> {
  let hitCount = 0;
  let missCount = 0;
  let evictionCount = 0;
  const entries = new LRUCache<string, { readonly value: T }>({
    maxSize: Math.max(1, config.sizeBytesMax),
    // lru-cache needs a positive integer per entry.
    sizeCalculation: (entry, key) => Math.max(1, Math.ceil(config.sizeBytesOf(key, entry.value))),
    dispose: (_entry, _key, reason) => {
      if (reason === 'evict') evictionCount += 1;
    },
  });

  const getSync = (key: string): T | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) missCount += 1;
    else hitCount += 1;
    return entry?.value;
  };
  // An entry too big to store is not stored, and it also drops the key's previous value.
  const setSync = (key: string, value: T): void => void entries.set(key, { value });

  return {
    getSync,
    setSync,
    get: (key) => Promise.resolve(getSync(key)),
    set: (key, value) => Promise.resolve(setSync(key, value)),
    delete: (key) => Promise.resolve(entries.delete(key)),
    clear: () => entries.clear(),
    stats: () => ({ entryCount: entries.size, sizeBytes: entries.calculatedSize, hitCount, missCount, evictionCount }),
  };
}

/** Plans are JSON-able (parsed documents excluded); their serialized length approximates their cost. */
export function jsonSizeBytes(key: string, value: unknown): number {
  const json = JSON.stringify(value, (_name, inner: unknown) =>
    typeof inner === 'object' && inner !== null && (inner as { kind?: unknown }).kind === 'Document' ? undefined : inner,
  );
  return key.length + (json?.length ?? 0);
}

export function stringSizeBytes(key: string, value: string): number {
  return key.length + value.length;
}
