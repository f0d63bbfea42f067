import { createHash } from 'node:crypto';

export const Operation = {
  deposit: 'deposit',
  transfer: 'transfer',
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/**
 * SHA-256 over the operation and its normalized input (lower-cased ids, canonical amount), so
 * "5" and "5.00" are the same request and any other difference is a different one.
 */
export function requestHash(operation: Operation, fields: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify([
    operation,
    Object.keys(fields)
      .sort()
      .map((name) => [name, fields[name]]),
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
