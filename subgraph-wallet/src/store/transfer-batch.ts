import { assert } from '@walletgraph/platform/core';
import type { AccountChange, AccountState } from '../domain/transfer.js';
import { moneyColumn, moneyFromStore } from '../domain/money.js';
import type { Operation } from '../domain/idempotency.js';
import { storedKey } from './idempotency.js';
import type { TransactionRecord } from './records.js';
import { affectedRowsOf, rowsOf, write, type Statement } from './statement.js';

/**
 * Statements of a group commit (use-cases/transfer-batcher.ts): many transfers in one transaction.
 * Each is bounded by the batch size (WALLET_TRANSFER_BATCH_SIZE_MAX ≤ 500).
 */

/**
 * Claims a key unless it is already committed: never fails on a duplicate (the batch goes on), and
 * waits, like a plain INSERT, while another transaction holds the same key uncommitted. Whether this
 * claim won is read back by `claimedResultIds` (its result id is ours or not): the affected-row
 * count cannot tell, since the driver reports found rows.
 */
export function claimIdempotencyKeyIfFree(claim: {
  key: string;
  operation: Operation;
  requestHash: string;
  resultId: string;
  createdAt: Date;
}): Statement<void> {
  return {
    sql: 'INSERT INTO idempotency_keys (`key`, operation, request_hash, result_id, created_at) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `key` = `key`',
    values: [storedKey(claim.key), claim.operation, claim.requestHash, claim.resultId, claim.createdAt],
    read: (result) => {
      affectedRowsOf(result);
    },
  };
}

/** stored key → result id of every listed key, ours (claimed just now) or another's (committed). */
export function claimedResultIds(keys: readonly string[]): Statement<Map<string, string>> {
  assert(keys.length > 0, 'claimedResultIds needs keys');
  return {
    sql: `SELECT \`key\`, result_id FROM idempotency_keys WHERE \`key\` IN (${keys.map(() => '?').join(', ')})`,
    values: keys.map(storedKey),
    read: (result) => new Map(rowsOf<{ key: string; result_id: string }>(result).map((row) => [row.key, row.result_id])),
  };
}

/** Gives back keys whose transfer was refused inside the batch (a refusal records nothing). */
export function releaseIdempotencyKeys(keys: readonly string[]): Statement<void> {
  assert(keys.length > 0, 'releaseIdempotencyKeys needs keys');
  return write(
    `DELETE FROM idempotency_keys WHERE \`key\` IN (${keys.map(() => '?').join(', ')})`,
    keys.map(storedKey),
    keys.length,
    'idempotency key release',
  );
}

interface LockedRow {
  readonly id: string;
  readonly balance: string;
  readonly version: number | bigint;
}

/** Locks every account of a batch FOR UPDATE in one primary-key read, in ascending id order (as lockAccounts). */
export function lockAccountSet(ids: readonly string[]): Statement<Map<string, AccountState>> {
  assert(ids.length > 0, 'lockAccountSet needs ids');
  const ordered = [...new Set(ids)].sort();
  return {
    sql: `SELECT id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id IN (${ordered.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
    values: ordered,
    read: (result) =>
      new Map(rowsOf<LockedRow>(result).map((row) => [row.id, { id: row.id, balance: moneyFromStore(row.balance), version: Number(row.version) }])),
  };
}

/** An account's state after all of a batch's transfers, guarded by its version when locked. */
export function applyFinalAccountState(change: AccountChange, lockedVersion: number, now: Date): Statement<void> {
  return write(
    'UPDATE accounts SET balance = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?',
    [moneyColumn(change.balance), change.version, now, change.id, lockedVersion],
    1,
    `account ${change.id} update (changed while locked?)`,
  );
}

export function insertTransactions(records: readonly TransactionRecord[]): Statement<void> {
  assert(records.length > 0, 'insertTransactions needs records');
  return write(
    `INSERT INTO transactions (id, account_id_from, account_id_to, amount, created_at, version_from, version_to) VALUES ${records.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    records.flatMap((r) => [r.id, r.accountIdFrom, r.accountIdTo, moneyColumn(r.amount), r.createdAt, r.versionFrom, r.versionTo]),
    records.length,
    'transaction insert',
  );
}
