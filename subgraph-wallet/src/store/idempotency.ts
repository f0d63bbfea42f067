import { createHash } from 'node:crypto';
import { duplicateKeyName } from '@walletgraph/platform/core';
import type { Operation } from '../domain/idempotency.js';
import type { Database } from './database.js';
import { withDb } from './database.js';
import { write, type Statement } from './statement.js';

export interface IdempotencyRecord {
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
  readonly resultId: string;
}

/**
 * The stored key is the SHA-256 of the caller's key: the column's collation is case- and
 * trailing-space-insensitive, and "Key" and "key" must be two different keys.
 */
export function storedKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Thrown inside the unit of work when the key is already committed; the transaction rolls back. */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly key: string) {
    super('idempotency key already recorded');
    this.name = 'IdempotencyKeyTaken';
  }
}

/**
 * Claims the key first in the transaction. A concurrent holder of the same key makes this INSERT
 * wait on the primary key until it commits (then: duplicate → IdempotencyKeyTaken) or rolls back
 * (then: this claim succeeds).
 */
export function claimIdempotencyKey(claim: { key: string; operation: Operation; requestHash: string; resultId: string; createdAt: Date }): Statement<void> {
  return {
    ...write(
      'INSERT INTO idempotency_keys (`key`, operation, request_hash, result_id, created_at) VALUES (?, ?, ?, ?, ?)',
      [storedKey(claim.key), claim.operation, claim.requestHash, claim.resultId, claim.createdAt],
      1,
      'idempotency claim',
    ),
    // The only unique key a claim's round trip can hit is this one: the statements after it are reads and fresh-UUID inserts.
    mapError: (error) => (duplicateKeyName(error) === undefined ? undefined : new IdempotencyKeyTaken(claim.key)),
  };
}

export async function findIdempotencyRecord(db: Database, key: string): Promise<IdempotencyRecord | undefined> {
  const row = await withDb(() => db.prisma.idempotencyKey.findUnique({ where: { key: storedKey(key) } }));
  return row === null ? undefined : { key, operation: row.operation, requestHash: row.requestHash, resultId: row.resultId };
}
