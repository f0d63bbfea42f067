import { createBoundedCache, stringSizeBytes } from './bounded-cache';

describe('bounded cache', () => {
  it('stays within its byte bound, evicting the least recently used entry', () => {
    const cache = createBoundedCache<string>({ sizeBytesMax: 300, sizeBytesOf: stringSizeBytes });
    cache.setSync('a', 'x'.repeat(99));
    cache.setSync('b', 'x'.repeat(99));
    expect(cache.getSync('a')).toBeDefined();
    cache.setSync('c', 'x'.repeat(99));
    cache.setSync('d', 'x'.repeat(99));
    const stats = cache.stats();
    expect(stats.sizeBytes).toBeLessThanOrEqual(300);
    expect(cache.getSync('b')).toBeUndefined();
    expect(cache.getSync('a')).toBeDefined();
    expect(stats.evictionCount).toBe(1);
  });

  it('does not store an entry larger than the whole cache', () => {
    const cache = createBoundedCache<string>({ sizeBytesMax: 50, sizeBytesOf: stringSizeBytes });
    cache.setSync('big', 'x'.repeat(100));
    expect(cache.stats()).toMatchObject({ entryCount: 0, sizeBytes: 0 });
  });
});

describe('bounded cache replacing an entry', () => {
  it('drops the old value when the new one is too big to keep', () => {
    const cache = createBoundedCache<string>({ sizeBytesMax: 50, sizeBytesOf: stringSizeBytes });
    cache.setSync('k', 'small');
    cache.setSync('k', 'x'.repeat(100));
    expect(cache.getSync('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entryCount: 0, sizeBytes: 0, evictionCount: 0 });
  });

  it('counts hits and misses', () => {
    const cache = createBoundedCache<string>({ sizeBytesMax: 50, sizeBytesOf: stringSizeBytes });
    cache.setSync('k', 'v');
    cache.getSync('k');
    cache.getSync('absent');
    expect(cache.stats()).toMatchObject({ entryCount: 1, sizeBytes: 2, hitCount: 1, missCount: 1 });
  });
});
