import { ConflictError, duplicateKeyName } from '@walletgraph/platform/core';
import type { Cursor } from '../domain/cursor.js';
import type { Database } from './database.js';
import { placeholders, selectRows, utcDate, withDb } from './database.js';
import type { ClientRecord } from './records.js';
import { rowsOf, type Statement } from './statement.js';

/** `emailKey` (emailKeyOf) carries the unique index: emails are compared case-insensitively, accents kept. */
export async function insertClient(db: Database, client: ClientRecord, emailKey: string): Promise<void> {
  try {
    await withDb(() => db.prisma.client.create({ data: { ...client, emailKey } }));
  } catch (error: unknown) {
    // The id is a fresh UUID, so the only unique key that can collide is the email's.
    if (duplicateKeyName(error) !== undefined)
      throw new ConflictError('a client with this email already exists', { cause: error, details: { field: 'email' } });
    throw error;
  }
}

/** Share-locks the client row so it cannot vanish before the account that references it commits. */
export function clientExists(id: string): Statement<boolean> {
  return { sql: 'SELECT id FROM clients WHERE id = ? LOCK IN SHARE MODE', values: [id], read: (result) => rowsOf(result).length === 1 };
}

/** By primary key, on the driver pool (the hot read of every federated client request). */
export async function findClientsByIds(db: Database, ids: readonly string[]): Promise<ClientRecord[]> {
  if (ids.length === 0) return [];
  const rows = await selectRows<{ id: string; name: string; email: string; created_at: string; updated_at: string }>(
    db,
    `SELECT id, name, email, CAST(created_at AS CHAR) AS created_at, CAST(updated_at AS CHAR) AS updated_at FROM clients WHERE id IN (${placeholders(ids.length)})`,
    ids,
  );
  return rows.map((row) => ({ id: row.id, name: row.name, email: row.email, createdAt: utcDate(row.created_at), updatedAt: utcDate(row.updated_at) }));
}

/** Oldest first by (createdAt, id), `limit` rows after the cursor. */
export async function pageClients(db: Database, limit: number, after: Cursor | undefined): Promise<ClientRecord[]> {
  const where = after === undefined ? {} : { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] };
  return withDb(() => db.prisma.client.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit }));
}
