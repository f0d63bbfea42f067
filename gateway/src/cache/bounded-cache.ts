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
 * an entry count. An entry larger than the whole cache is not stored; evictions are counted.
 */
export function createBoundedCache<T>(config: BoundedCacheConfig<T>): BoundedCache<T> {
  const entries = new Map<string, { value: T; sizeBytes: number }>();
  let sizeBytes = 0;
  let hitCount = 0;
  let missCount = 0;
  let evictionCount = 0;

  const getSync = (key: string): T | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) {
      missCount += 1;
      return undefined;
    }
    hitCount += 1;
    entries.delete(key);
    entries.set(key, entry);
    return entry.value;
  };
  const remove = (key: string): boolean => {
    const entry = entries.get(key);
    if (entry === undefined) return false;
    entries.delete(key);
    sizeBytes -= entry.sizeBytes;
    return true;
  };
  const setSync = (key: string, value: T): void => {
    remove(key);
    const entrySizeBytes = config.sizeBytesOf(key, value);
    if (entrySizeBytes > config.sizeBytesMax) return;
    while (sizeBytes + entrySizeBytes > config.sizeBytesMax) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      remove(oldest.value);
      evictionCount += 1;
    }
    entries.set(key, { value, sizeBytes: entrySizeBytes });
    sizeBytes += entrySizeBytes;
  };

  return {
    getSync,
    setSync,
    get: (key) => Promise.resolve(getSync(key)),
    set: (key, value) => Promise.resolve(setSync(key, value)),
    delete: (key) => Promise.resolve(remove(key)),
    clear: () => {
      entries.clear();
      sizeBytes = 0;
    },
    stats: () => ({ entryCount: entries.size, sizeBytes, hitCount, missCount, evictionCount }),
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
