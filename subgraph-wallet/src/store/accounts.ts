import { assert } from '@walletgraph/platform/core';
import { lockOrder, type AccountChange, type AccountState } from '../domain/transfer.js';
import { moneyColumn, moneyFromStore } from '../domain/money.js';
import type { Database } from './database.js';
import { placeholders, selectRows, utcDate, withDb } from './database.js';
import type { AccountRecord, ClientRecord } from './records.js';
import { rowsOf, write, type Statement } from './statement.js';

interface LockedRow {
  readonly id: string;
  readonly balance: string;
  readonly version: number | bigint;
}

/**
 * Locks one or two accounts FOR UPDATE in ascending id order (`lockOrder`): one primary-key range
 * read, which InnoDB walks, and locks, in ascending key order. Canonical UUIDs are lowercase hex
 * with dashes at fixed places, so key order and `lockOrder` agree. Missing ids are absent from the map.
 */
export function lockAccounts(ids: readonly string[]): Statement<Map<string, AccountState>> {
  assert(ids.length === 1 || ids.length === 2, 'lockAccounts takes one or two ids');
  const ordered = ids.length === 2 ? lockOrder(ids[0] as string, ids[1] as string) : [ids[0] as string];
  return {
    sql:
      ordered.length === 2
        ? 'SELECT id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE'
        : 'SELECT id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id = ? FOR UPDATE',
    values: ordered,
    read: (result) => {
      const locked = new Map<string, AccountState>();
      for (const row of rowsOf<LockedRow>(result)) locked.set(row.id, { id: row.id, balance: moneyFromStore(row.balance), version: Number(row.version) });
      return locked;
    },
  };
}

const APPLY_ONE = 'UPDATE accounts SET balance = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?';
const APPLY_TWO = `UPDATE accounts SET balance = CASE id WHEN ? THEN ? ELSE ? END, version = CASE id WHEN ? THEN ? ELSE ? END, updated_at = ?
  WHERE (id = ? AND version = ?) OR (id = ? AND version = ?)`;

/** Writes planned changes (one or two accounts) in one statement; the version guard turns a lost lock (a bug) into a loud failure. */
export function applyAccountChanges(changes: readonly AccountChange[], now: Date): Statement<void> {
  const [a, b] = changes;
  assert(a !== undefined && changes.length <= 2 && (b === undefined || b.id !== a.id), 'applyAccountChanges takes one or two distinct accounts');
  if (b === undefined)
    return write(APPLY_ONE, [moneyColumn(a.balance), a.version, now, a.id, a.version - 1], 1, `account ${a.id} update (changed while locked?)`);
  return write(
    APPLY_TWO,
    [a.id, moneyColumn(a.balance), moneyColumn(b.balance), a.id, a.version, b.version, now, a.id, a.version - 1, b.id, b.version - 1],
    2,
    `accounts ${a.id}, ${b.id} update (changed while locked?)`,
  );
}

export function insertAccount(account: { id: string; clientId: string; createdAt: Date }): Statement<void> {
  return write(
    'INSERT INTO accounts (id, client_id, balance, version, created_at, updated_at) VALUES (?, ?, 0, 0, ?, ?)',
    [account.id, account.clientId, account.createdAt, account.createdAt],
    1,
    'account insert',
  );
}

interface AccountRow {
  readonly id: string;
  readonly clientId: string;
  readonly balance: { toString(): string };
  readonly version: number;
  readonly createdAt: Date;
}

function toRecord(row: AccountRow): AccountRecord {
  return { id: row.id, clientId: row.clientId, balance: moneyFromStore(row.balance), version: row.version, createdAt: row.createdAt };
}

interface AccountTextRow {
  readonly id: string;
  readonly client_id: string;
  readonly balance: string;
  readonly version: number | bigint;
  readonly created_at: string;
}

/** By primary key, on the driver pool (an account a use case has just written). */
export async function findAccountsByIds(db: Database, ids: readonly string[]): Promise<AccountRecord[]> {
  if (ids.length === 0) return [];
  const rows = await selectRows<AccountTextRow>(
    db,
    `SELECT id, client_id, CAST(balance AS CHAR) AS balance, version, CAST(created_at AS CHAR) AS created_at FROM accounts WHERE id IN (${placeholders(ids.length)})`,
    ids,
  );
  return rows.map((row) => ({
    id: row.id,
    clientId: row.client_id,
    balance: moneyFromStore(row.balance),
    version: Number(row.version),
    createdAt: utcDate(row.created_at),
  }));
}

interface AccountWithClientTextRow extends AccountTextRow {
  readonly client_name: string | null;
  readonly client_email: string | null;
  readonly client_created_at: string | null;
  readonly client_updated_at: string | null;
}

/** An account with its client, as one row of the by-id read. */
export interface AccountWithClient {
  readonly account: AccountRecord;
  /** Null only if the client row is missing (the foreign key prevents it). */
  readonly client: ClientRecord | null;
}

/**
 * By primary key with the account's client in the same statement (on the driver pool): a federated
 * `account { client { … } }` costs one database round trip instead of two.
 */
export async function findAccountsWithClientsByIds(db: Database, ids: readonly string[]): Promise<AccountWithClient[]> {
  if (ids.length === 0) return [];
  const rows = await selectRows<AccountWithClientTextRow>(
    db,
    'SELECT a.id, a.client_id, CAST(a.balance AS CHAR) AS balance, a.version, CAST(a.created_at AS CHAR) AS created_at, ' +
      'c.name AS client_name, c.email AS client_email, CAST(c.created_at AS CHAR) AS client_created_at, CAST(c.updated_at AS CHAR) AS client_updated_at ' +
      `FROM accounts a LEFT JOIN clients c ON c.id = a.client_id WHERE a.id IN (${placeholders(ids.length)})`,
    ids,
  );
  return rows.map((row) => ({
    account: { id: row.id, clientId: row.client_id, balance: moneyFromStore(row.balance), version: Number(row.version), createdAt: utcDate(row.created_at) },
    client:
      row.client_name === null || row.client_email === null || row.client_created_at === null || row.client_updated_at === null
        ? null
        : {
            id: row.client_id,
            name: row.client_name,
            email: row.client_email,
            createdAt: utcDate(row.client_created_at),
            updatedAt: utcDate(row.client_updated_at),
          },
  }));
}

export async function findAccountsByClientIds(db: Database, clientIds: readonly string[]): Promise<AccountRecord[]> {
  const rows = await withDb(() => db.prisma.account.findMany({ where: { clientId: { in: [...clientIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }));
  return rows.map(toRecord);
}
