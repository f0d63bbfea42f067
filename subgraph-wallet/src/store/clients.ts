import { ConflictError, duplicateKeyName } from '@walletgraph/platform/core';
import type { Cursor } from '../domain/cursor.js';
import type { Database } from './database.js';
import { withDb } from './database.js';
import type { ClientRecord } from './records.js';
import { rowsOf, type Statement } from './statement.js';

/** `emailKey` (emailKeyOf) carries the unique index: emails are compared case-insensitively, accents kept. */
export async function insertClient(db: Database, client: ClientRecord, emailKey: string): Promise<void> {
  try {
    await withDb(() => db.prisma.client.create({ data: { ...client, emailKey } }));
  } catch (error: unknown) {
    // The id is a fresh UUID, so the only unique key that can collide is the email's.
    if (duplicateKeyName(error) !== undefined) throw new ConflictError('a client with this email already exists', { cause: error, details: { field: 'email' } });
    throw error;
  }
}

/** Share-locks the client row so it cannot vanish before the account that references it commits. */
export function clientExists(id: string): Statement<boolean> {
  return { sql: 'SELECT id FROM clients WHERE id = ? LOCK IN SHARE MODE', values: [id], read: (result) => rowsOf(result).length === 1 };
}

export async function findClientsByIds(db: Database, ids: readonly string[]): Promise<ClientRecord[]> {
  return withDb(() => db.prisma.client.findMany({ where: { id: { in: [...ids] } } }));
}

/** Oldest first by (createdAt, id), `limit` rows after the cursor. */
export async function pageClients(db: Database, limit: number, after: Cursor | undefined): Promise<ClientRecord[]> {
  const where =
    after === undefined
      ? {}
      : { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] };
  return withDb(() => db.prisma.client.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit }));
}
