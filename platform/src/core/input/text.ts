import { BadUserInputError } from '../errors/index.js';

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * A string a caller sends must be valid UTF-16: a lone surrogate cannot be stored as UTF-8 (the
 * database replaces it with U+FFFD), so what was stored would differ from what was acknowledged.
 */
export function isWellFormedText(value: string): boolean {
  // With the `u` flag a surrogate pair is one code point; only a lone surrogate is category Cs.
  return !LONE_SURROGATE.test(value);
}

export function assertWellFormedText(value: string, field: string): void {
  if (!isWellFormedText(value)) throw new BadUserInputError(`${field} is not valid Unicode text (it holds a lone surrogate)`, { details: { field } });
}
