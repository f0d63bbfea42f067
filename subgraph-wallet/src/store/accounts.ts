import { assert } from '@walletgraph/platform';
import { lockOrder, type AccountChange, type AccountState } from '../domain/transfer.js';
import { moneyColumn, moneyFromStore } from '../domain/money.js';
import type { Database } from './database.js';
import { withDb } from './database.js';
import type { AccountRecord } from './records.js';
import type { Tx } from './unit-of-work.js';

interface LockedRow {
  readonly id: string;
  readonly balance: string;
  readonly version: number | bigint;
}

async function lockOne(tx: Tx, id: string): Promise<AccountState | undefined> {
  const rows = await tx.$queryRaw<LockedRow[]>`SELECT id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id = ${id} FOR UPDATE`;
  const row = rows[0];
  return row === undefined ? undefined : { id: row.id, balance: moneyFromStore(row.balance), version: Number(row.version) };
}

/** Locks the given accounts (one or two) in ascending id order; missing ids are absent from the map. */
export async function lockAccounts(tx: Tx, ids: readonly string[]): Promise<Map<string, AccountState>> {
  assert(ids.length === 1 || ids.length === 2, 'lockAccounts takes one or two ids');
  const ordered = ids.length === 2 ? lockOrder(ids[0] as string, ids[1] as string) : [ids[0] as string];
  const locked = new Map<string, AccountState>();
  for (const id of ordered) {
    const state = await lockOne(tx, id);
    if (state !== undefined) locked.set(id, state);
  }
  return locked;
}

/** Writes a planned change; the version guard turns a lost lock (a bug) into a loud failure. */
export async function applyAccountChange(tx: Tx, change: AccountChange, now: Date): Promise<void> {
  const updated = await tx.$executeRaw`UPDATE accounts SET balance = ${moneyColumn(change.balance)}, version = ${change.version}, updated_at = ${now}
    WHERE id = ${change.id} AND version = ${change.version - 1}`;
  assert(updated === 1, `account ${change.id} changed while locked`);
}

export async function insertAccount(tx: Tx, account: { id: string; clientId: string; createdAt: Date }): Promise<void> {
  await tx.account.create({ data: { id: account.id, clientId: account.clientId, createdAt: account.createdAt, updatedAt: account.createdAt } });
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

export async function findAccountsByIds(db: Database, ids: readonly string[]): Promise<AccountRecord[]> {
  const rows = await withDb(() => db.prisma.account.findMany({ where: { id: { in: [...ids] } } }));
  return rows.map(toRecord);
}

export async function findAccountsByClientIds(db: Database, clientIds: readonly string[]): Promise<AccountRecord[]> {
  const rows = await withDb(() =>
    db.prisma.account.findMany({ where: { clientId: { in: [...clientIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  );
  return rows.map(toRecord);
}
