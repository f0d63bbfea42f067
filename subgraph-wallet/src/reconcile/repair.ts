import type { Connection } from 'mariadb';
import { assert } from '@walletgraph/platform/core';
import { moneyFromStore } from '../domain/money.js';
import { singleAccountBalanceEvent, type EventTopics } from '../outbox/events.js';
import { DriftKind, type Drift } from './compare.js';

export type RepairOutcome =
  | { readonly accountId: string; readonly outcome: 'reemitted'; readonly version: number; readonly balance: string; readonly eventId: string }
  | { readonly accountId: string; readonly outcome: 'skipped'; readonly reason: string };

interface LockedAccount {
  readonly balance: string;
  readonly version: number | bigint;
}

/**
 * Why the repair goes through the wallet's outbox and bumps the wallet version:
 * - the read model applies a versioned event only when it is strictly newer, and treats the same
 *   version as a redelivery; a read-model row with the right version but a wrong amount (or a
 *   version ahead of the wallet) would ignore a re-emission of the current version. So the repair
 *   raises the account's version to max(wallet, read model) + 1 (balance unchanged) and emits that
 *   state: it wins over anything the read model holds, and over any older event still in flight.
 * - the version bump and the event must commit together, or a crash between them would leave a
 *   version no event carries: that is the outbox's job, so the row is written in the same DB
 *   transaction and the relay (the topic's only writer, idempotent, in order) publishes it.
 * - the account row is locked (FOR UPDATE) while the event is built, so it carries the balance as
 *   of the lock, and any later transfer of that account gets a higher version.
 */
export async function repairDrift(wallet: Connection, topics: EventTopics, drift: Drift, now: Date = new Date()): Promise<RepairOutcome> {
  if (drift.kind === DriftKind.orphan) {
    return { accountId: drift.accountId, outcome: 'skipped', reason: 'no wallet account: remove the read-model row by hand' };
  }
  await wallet.beginTransaction();
  try {
    const [row] = await wallet.query<LockedAccount[]>('SELECT CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id = ? FOR UPDATE', [
      drift.accountId,
    ]);
    if (row === undefined) {
      await wallet.rollback();
      return { accountId: drift.accountId, outcome: 'skipped', reason: 'the wallet account disappeared' };
    }
    const lockedVersion = Number(row.version);
    const version = Math.max(lockedVersion, drift.readModel?.version ?? 0) + 1;
    const balance = moneyFromStore(row.balance);
    const message = singleAccountBalanceEvent(topics, { id: drift.accountId, balance, version }, { occurredAt: now });
    const updated = await wallet.query<{ affectedRows: number }>('UPDATE accounts SET version = ?, updated_at = ? WHERE id = ? AND version = ?', [
      version,
      now,
      drift.accountId,
      lockedVersion,
    ]);
    assert(updated.affectedRows === 1, `account ${drift.accountId} changed while locked`);
    await wallet.query('INSERT INTO outbox_events (event_id, topic, message_key, payload, headers, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      message.eventId,
      message.topic,
      message.messageKey,
      message.payload,
      message.headers,
      message.createdAt,
    ]);
    await wallet.commit();
    return { accountId: drift.accountId, outcome: 'reemitted', version, balance: balance.toFixed(), eventId: message.eventId };
  } catch (error: unknown) {
    await wallet.rollback().catch(() => undefined);
    throw error;
  }
}
