import { assertWellFormedText, BadUserInputError } from '@walletgraph/platform/core';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const NAME_LENGTH_MAX = 255;
export const EMAIL_LENGTH_MAX = 255;
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;
// A pragmatic address check: one @, no spaces, a dot in the domain; RFC 5322 in full is not useful here.
const EMAIL_PATTERN = /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function parseUuid(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || !UUID_PATTERN.test(raw)) throw new BadUserInputError(`${field} must be a UUID`, { details: { field } });
  return raw.toLowerCase();
}

export function isUuid(raw: unknown): raw is string {
  return typeof raw === 'string' && UUID_PATTERN.test(raw);
}

export function parseName(raw: unknown): string {
  if (typeof raw !== 'string') throw new BadUserInputError('name must be a string', { details: { field: 'name' } });
  assertWellFormedText(raw, 'name');
  const name = raw.trim();
  if (name.length === 0) throw new BadUserInputError('name must not be empty', { details: { field: 'name' } });
  if (name.length > NAME_LENGTH_MAX) throw new BadUserInputError(`name must be at most ${NAME_LENGTH_MAX} characters`, { details: { field: 'name' } });
  return name;
}

export function parseEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw new BadUserInputError('email must be a string', { details: { field: 'email' } });
  assertWellFormedText(raw, 'email');
  const email = emailKeyOf(raw.trim());
  if (email.length > EMAIL_LENGTH_MAX) throw new BadUserInputError(`email must be at most ${EMAIL_LENGTH_MAX} characters`, { details: { field: 'email' } });
  if (!EMAIL_PATTERN.test(email)) throw new BadUserInputError('email is not a valid address', { details: { field: 'email' } });
  return email;
}

/**
 * The form two addresses are compared in: lower case (Unicode's default, locale-independent
 * mapping), then NFC, so `Lücas`, `lücas` and `lu\u0308cas` (u + combining diaeresis) are one
 * address while `lucas` stays another. Not full case folding: it would also equate distinct
 * letters (`ß` with `ss`), which is what accent-insensitive comparison got wrong.
 */
export function emailKeyOf(email: string): string {
  return email.toLowerCase().normalize('NFC');
}

export function parseIdempotencyKey(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new BadUserInputError('idempotencyKey is required', { details: { field: 'idempotencyKey' } });
  }
  assertWellFormedText(raw, 'idempotencyKey');
  if (raw.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw new BadUserInputError(`idempotencyKey must be at most ${IDEMPOTENCY_KEY_LENGTH_MAX} characters`, { details: { field: 'idempotencyKey' } });
  }
  return raw;
}

export function parsePageSize(raw: number | null | undefined): number {
  if (raw === null || raw === undefined) return PAGE_SIZE_DEFAULT;
  if (!Number.isInteger(raw) || raw < 1 || raw > PAGE_SIZE_MAX) {
    throw new BadUserInputError(`first must be between 1 and ${PAGE_SIZE_MAX}`, { details: { field: 'first' } });
  }
  return raw;
}
