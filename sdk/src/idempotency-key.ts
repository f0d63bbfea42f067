/** The part of Web Crypto the SDK needs; `globalThis.crypto` in Node 20 and every browser. */
export interface RandomSource {
  randomUUID?: () => string;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

/** A random (version 4) UUID from 16 random bytes, formatted as RFC 9562 says. */
export function uuidV4(random: RandomSource): string {
  const bytes = random.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A fresh idempotency key. Browsers offer `crypto.randomUUID` only in secure contexts (https,
 * localhost); `getRandomValues` is everywhere, so a page served over plain http still gets one.
 */
export function newIdempotencyKey(random: RandomSource = globalThis.crypto): string {
  return typeof random.randomUUID === 'function' ? random.randomUUID() : uuidV4(random);
}
