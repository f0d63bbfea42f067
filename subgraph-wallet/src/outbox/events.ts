import { randomUUID } from 'node:crypto';
import { encodeEvent, EventHeader, EventName, PRODUCER_NAME, SCHEMA_VERSION, type WalletEvent } from '@walletgraph/platform/kafka';
import { moneyText, type Money } from '../domain/money.js';
import type { AccountChange } from '../domain/transfer.js';

/** One row of outbox_events before insert: exactly what the relay will send. */
export interface OutboxMessage {
  readonly eventId: string;
  readonly topic: string;
  readonly messageKey: string;
  readonly payload: string;
  readonly headers: string;
  readonly createdAt: Date;
  /**
   * The trace context (JSON carrier) of the request that wrote the event; absent: the context active
   * when the row is appended. A group commit sets it per transfer (its batch runs in one request's context).
   */
  readonly traceContext?: string | null;
}

export interface EventTopics {
  readonly transactions: string;
  readonly balances: string;
}

export interface EventContext {
  readonly occurredAt: Date;
  /** W3C trace context of the request that caused the change, when the caller sent one. */
  readonly traceparent?: string | undefined;
}

function message(topic: string, messageKey: string, eventId: string, event: WalletEvent, context: EventContext): OutboxMessage {
  const occurredAt = context.occurredAt.toISOString();
  const headers: Record<string, string> = {
    [EventHeader.eventId]: eventId,
    [EventHeader.eventName]: event.Name,
    [EventHeader.schemaVersion]: SCHEMA_VERSION,
    [EventHeader.occurredAt]: occurredAt,
    [EventHeader.producer]: PRODUCER_NAME,
  };
  if (context.traceparent !== undefined) headers[EventHeader.traceparent] = context.traceparent;
  return { eventId, topic, messageKey, payload: encodeEvent(event), headers: JSON.stringify(headers), createdAt: context.occurredAt };
}

function balanceUpdated(topics: EventTopics, from: AccountChange, to: AccountChange, context: EventContext, transactionId?: string): OutboxMessage {
  const eventId = randomUUID();
  const event: WalletEvent = {
    Name: EventName.BalanceUpdated,
    Payload: {
      account_id_from: from.id,
      account_id_to: to.id,
      balance_account_id_from: moneyText(from.balance),
      balance_account_id_to: moneyText(to.balance),
      version_account_id_from: from.version,
      version_account_id_to: to.version,
      event_id: eventId,
      occurred_at: context.occurredAt.toISOString(),
      // The balance history records which transfer produced each version.
      ...(transactionId === undefined ? {} : { transaction_id: transactionId }),
    },
  };
  return message(topics.balances, from.id, eventId, event, context);
}

/** A transfer: TransactionCreated, then BalanceUpdated with both balances after it; keyed by the sender. */
export function transferEvents(
  topics: EventTopics,
  transfer: { id: string; from: AccountChange; to: AccountChange; amount: Money },
  context: EventContext,
): OutboxMessage[] {
  const created: WalletEvent = {
    Name: EventName.TransactionCreated,
    Payload: { id: transfer.id, account_id_from: transfer.from.id, account_id_to: transfer.to.id, amount: moneyText(transfer.amount) },
  };
  return [
    message(topics.transactions, transfer.from.id, randomUUID(), created, context),
    balanceUpdated(topics, transfer.from, transfer.to, context, transfer.id),
  ];
}

/**
 * A deposit or an account opening is a BalanceUpdated with the account on both sides, so a consumer
 * that reads only the four old fields still sets that account's balance right.
 */
export function singleAccountBalanceEvent(topics: EventTopics, account: AccountChange, context: EventContext): OutboxMessage {
  return balanceUpdated(topics, account, account, context);
}
