import { randomUUID } from 'node:crypto';
import type { Pool, PoolConnection } from 'mariadb';
import { queryInOneRoundTrip, withDriverTransaction } from '@walletgraph/platform/db';
import { inChildSpan, SpanKind } from '@walletgraph/platform/tracing';
import { historyStatements, utcDateTime, type HistoryRetention, type SqlStatement } from '../history/history-store.js';
import { planBatch, type AppliedSide, type BalanceState } from './batch-plan.js';
import { formatDecimal } from './decimal.js';
import type { SideUpdate } from './version-rule.js';

/** The driver pool under the Prisma client, and its SQL observer (tests count statements with it). */
export interface DriverPool {
  readonly pool: Pool;
  readonly onSqlQuery: ((sql: string) => void) | undefined;
}

interface LockedTextRow {
  readonly id: string;
  readonly account_id: string;
  readonly amount: string;
  readonly version: number | bigint;
  readonly updated_at: string;
}

const lockedState = (row: LockedTextRow): BalanceState => ({
  id: row.id,
  accountId: row.account_id.toLowerCase(),
  amount: formatDecimal(row.amount),
  version: Number(row.version),
  updatedAt: new Date(`${row.updated_at.replace(' ', 'T')}Z`),
});

/** Locks the accounts' rows in one lock order for every transaction (ascending account id). */
function lockStatement(accountIds: readonly string[]): SqlStatement {
  return {
    sql: `SELECT id, account_id, CAST(amount AS CHAR) AS amount, version, CAST(updated_at AS CHAR) AS updated_at FROM balances WHERE account_id IN (${accountIds.map(() => '?').join(', ')}) ORDER BY account_id FOR UPDATE`,
    values: accountIds,
  };
}

const rowPlaceholders = (states: readonly BalanceState[]): string => states.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
const rowValues = (states: readonly BalanceState[]): unknown[] =>
  states.flatMap((s) => [s.id, s.accountId, s.amount, s.version, utcDateTime(s.updatedAt), utcDateTime(s.updatedAt)]);

/** The balance rows of a plan: a plain INSERT for new accounts, one upsert for the locked ones. */
function rowStatements(inserts: readonly BalanceState[], updates: readonly BalanceState[]): SqlStatement[] {
  const statements: SqlStatement[] = [];
  // A plain INSERT: a row another instance created since our read fails as a duplicate and the
  // whole transaction is retried against it, never silently overwritten.
  if (inserts.length > 0) {
    statements.push({
      sql: `INSERT INTO balances (id, account_id, amount, version, created_at, updated_at) VALUES ${rowPlaceholders(inserts)}`,
      values: rowValues(inserts),
    });
  }
  // Every row here is locked, so the upsert only ever updates (one statement for all rows).
  if (updates.length > 0) {
    statements.push({
      sql: `INSERT INTO balances (id, account_id, amount, version, created_at, updated_at) VALUES ${rowPlaceholders(updates)}
      ON DUPLICATE KEY UPDATE amount = VALUES(amount), version = VALUES(version), updated_at = VALUES(updated_at)`,
      values: rowValues(updates),
    });
  }
  return statements;
}

/** Longest SQL text put on a span (statements with `?` placeholders: never the values). */
const SQL_TEXT_LENGTH_MAX = 2_000;

/**
 * Several statements in one round trip (the pool allows multiple statements); one result each.
 * Traced as a CLIENT span (under the run's read model write) named by its first statement.
 */
async function send(connection: PoolConnection, driver: DriverPool, statements: readonly SqlStatement[]): Promise<unknown[]> {
  for (const s of statements) driver.onSqlQuery?.(s.sql);
  const sql = statements.map((s) => s.sql).join(';\n');
  const first = statements[0]?.sql.trimStart().split(/\s+/, 1)[0]?.toUpperCase() ?? 'SQL';
  const attributes = { 'db.system.name': 'mariadb', 'db.query.text': sql.slice(0, SQL_TEXT_LENGTH_MAX), 'db.operation.batch.size': statements.length };
  return inChildSpan(`${first} +${statements.length - 1}`, { kind: SpanKind.CLIENT, attributes }, () => queryInOneRoundTrip(connection, statements));
}

const BEGIN: readonly SqlStatement[] = [
  // No gap locks: accounts without a row are not locked by the read, so concurrent partitions
  // creating rows cannot deadlock on a shared gap; the plain INSERT turns a race for the same new
  // account into a duplicate-key error, retried.
  { sql: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', values: [] },
  { sql: 'START TRANSACTION', values: [] },
];

/**
 * The apply transaction on the driver pool in two round trips, where Prisma's interactive
 * transaction took one per statement (plus a prepare each): begin + lock the rows; then the
 * balance rows, the history and COMMIT. The version rule runs in memory between the two.
 */
export async function applyOnDriver(driver: DriverPool, sides: readonly SideUpdate[], history: HistoryRetention, timeoutMs: number): Promise<AppliedSide[]> {
  return withDriverTransaction(driver.pool, { timeoutMs, expiredMessage: `balance apply transaction ran over ${timeoutMs} ms` }, async (connection) => {
    const accountIds = [...new Set(sides.map((side) => side.accountId))].sort();
    const begun = await send(connection, driver, [...BEGIN, lockStatement(accountIds)]);
    const locked = begun[BEGIN.length] as LockedTextRow[];
    const stored = new Map(locked.map((row) => [row.account_id.toLowerCase(), lockedState(row)]));
    const plan = planBatch(stored, sides, { now: new Date(), newId: randomUUID });
    const writes = [...rowStatements(plan.inserts, plan.updates), ...historyStatements(plan.sides, history)];
    // COMMIT in the last round trip: a retry after an ambiguous end is harmless (the version rule).
    await send(connection, driver, [...writes, { sql: 'COMMIT', values: [] }]);
    return [...plan.sides];
  });
}
