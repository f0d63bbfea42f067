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
