import type { Cursor } from '../domain/cursor.js';
import { moneyColumn, moneyFromStore, type Money } from '../domain/money.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Database } from './database.js';
import { withDb } from './database.js';
import type { DepositRecord, TransactionRecord } from './records.js';
import { write, type Statement } from './statement.js';

export function insertTransaction(record: TransactionRecord): Statement<void> {
  return write(
    'INSERT INTO transactions (id, account_id_from, account_id_to, amount, created_at, version_from, version_to) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [record.id, record.accountIdFrom, record.accountIdTo, moneyColumn(record.amount), record.createdAt, record.versionFrom, record.versionTo],
    1,
    'transaction insert',
  );
}

export function insertDeposit(record: DepositRecord): Statement<void> {
  return write(
    'INSERT INTO deposits (id, account_id, amount, created_at) VALUES (?, ?, ?, ?)',
    [record.id, record.accountId, moneyColumn(record.amount), record.createdAt],
    1,
    'deposit insert',
  );
}

interface TransactionRow {
  readonly id: string;
  readonly accountIdFrom: string;
  readonly accountIdTo: string;
  readonly amount: { toString(): string };
  readonly createdAt: Date;
  readonly versionFrom: number | null;
  readonly versionTo: number | null;
}

function toRecord(row: TransactionRow): TransactionRecord {
  return { ...row, amount: moneyFromStore(row.amount) };
}

export async function findTransactionsByIds(db: Database, ids: readonly string[]): Promise<TransactionRecord[]> {
  const rows = await withDb(() => db.prisma.transaction.findMany({ where: { id: { in: [...ids] } } }));
  return rows.map(toRecord);
}

export async function findDepositById(db: Database, id: string): Promise<{ id: string; accountId: string; amount: Money } | undefined> {
  const row = await withDb(() => db.prisma.deposit.findUnique({ where: { id } }));
  return row === null ? undefined : { id: row.id, accountId: row.accountId, amount: moneyFromStore(row.amount) };
}

interface PageRow {
  readonly owner: string;
  readonly id: string;
  readonly account_id_from: string;
  readonly account_id_to: string;
  readonly amount: string;
  readonly created_at: Date | string;
  readonly version_from: number | bigint | null;
  readonly version_to: number | bigint | null;
}

function side(column: 'account_id_from' | 'account_id_to', accountId: string, limit: number, after: Cursor | undefined): Prisma.Sql {
  const where = Prisma.sql`${Prisma.raw(column)} = ${accountId}`;
  const range =
    after === undefined ? Prisma.empty : Prisma.sql` AND (created_at < ${after.createdAt} OR (created_at = ${after.createdAt} AND id < ${after.id}))`;
  return Prisma.sql`(SELECT CAST(${accountId} AS CHAR(36)) AS owner, id, account_id_from, account_id_to, CAST(amount AS CHAR) AS amount, created_at, version_from, version_to
    FROM transactions WHERE ${where}${range} ORDER BY created_at DESC, id DESC LIMIT ${limit})`;
}

/**
 * Newest-first pages of several accounts' transfers (sent and received) in ONE statement: per account,
 * two index range scans (one per side) each bounded by `limit`, merged here.
 */
export async function pageTransactionsForAccounts(
  db: Database,
  accountIds: readonly string[],
  limit: number,
  after: Cursor | undefined,
): Promise<Map<string, TransactionRecord[]>> {
  const parts = accountIds.flatMap((id) => [side('account_id_from', id, limit, after), side('account_id_to', id, limit, after)]);
  const rows = await withDb(() => db.prisma.$queryRaw<PageRow[]>`${Prisma.join(parts, ' UNION ALL ')}`);
  const byAccount = new Map<string, TransactionRecord[]>(accountIds.map((id) => [id, []]));
  for (const row of rows) {
    byAccount.get(row.owner)?.push({
      id: row.id,
      accountIdFrom: row.account_id_from,
      accountIdTo: row.account_id_to,
      amount: moneyFromStore(row.amount),
      createdAt: row.created_at instanceof Date ? row.created_at : new Date(`${row.created_at.replace(' ', 'T')}Z`),
      versionFrom: row.version_from === null ? null : Number(row.version_from),
      versionTo: row.version_to === null ? null : Number(row.version_to),
    });
  }
  for (const [id, list] of byAccount) {
    list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    byAccount.set(id, list.slice(0, limit));
  }
  return byAccount;
}
