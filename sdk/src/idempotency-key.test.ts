import { newIdempotencyKey, uuidV4 } from './idempotency-key';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('idempotency keys', () => {
  it('uses crypto.randomUUID where it exists', () => {
    expect(newIdempotencyKey({ randomUUID: () => 'from-random-uuid', getRandomValues: (a) => a })).toBe('from-random-uuid');
  });

  it('builds a version 4 UUID from getRandomValues where randomUUID is missing (insecure browser contexts)', () => {
    const insecure = { getRandomValues: <T extends Uint8Array>(array: T): T => globalThis.crypto.getRandomValues(array) };
    const keys = Array.from({ length: 200 }, () => newIdempotencyKey(insecure));
    for (const key of keys) expect(key).toMatch(UUID_V4);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('sets the version and variant bits whatever the random bytes', () => {
    expect(uuidV4({ getRandomValues: (array) => array.fill(0xff) })).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuidV4({ getRandomValues: (array) => array.fill(0) })).toBe('00000000-0000-4000-8000-000000000000');
  });
});
