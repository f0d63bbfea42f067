import { NotFoundError } from '@walletgraph/platform/core';
import type { Money } from '../domain/money.js';
import { planTransfer, type AccountChange, type AccountState } from '../domain/transfer.js';
import { transferEvents, type EventTopics, type OutboxMessage } from '../outbox/events.js';
import type { TransactionRecord } from '../store/records.js';

export interface PlannedTransfer {
  readonly from: AccountChange;
  readonly to: AccountChange;
  readonly record: TransactionRecord;
  readonly events: OutboxMessage[];
}

/** Where the transfer's events came from: the caller's traceparent, and its OpenTelemetry context when it is not the active one (group commit). */
export interface TransferTrace {
  readonly traceparent?: string | undefined;
  /** JSON carrier; absent: the outbox rows keep the context active when they are appended. */
  readonly traceContext?: string | null;
}

/**
 * One transfer on locked account states, the same for a transfer alone and inside a group commit:
 * both accounts must exist, the domain's rules decide, and the record keeps the versions each side reached.
 */
export function planLockedTransfer(
  locked: ReadonlyMap<string, AccountState>,
  transfer: { readonly transactionId: string; readonly from: string; readonly to: string; readonly amount: Money },
  context: { readonly now: Date; readonly topics: EventTopics; readonly trace: TransferTrace },
): PlannedTransfer {
  const { transactionId, from, to, amount } = transfer;
  const fromState = locked.get(from);
  const toState = locked.get(to);
  if (fromState === undefined) throw new NotFoundError(`account ${from} not found`);
  if (toState === undefined) throw new NotFoundError(`account ${to} not found`);
  const plan = planTransfer(fromState, toState, amount);
  const record: TransactionRecord = {
    id: transactionId,
    accountIdFrom: from,
    accountIdTo: to,
    amount,
    createdAt: context.now,
    versionFrom: plan.from.version,
    versionTo: plan.to.version,
  };
  const { traceparent, traceContext } = context.trace;
  const events = transferEvents(context.topics, { id: transactionId, from: plan.from, to: plan.to, amount }, { occurredAt: context.now, traceparent });
  return { from: plan.from, to: plan.to, record, events: traceContext === undefined ? events : events.map((event) => ({ ...event, traceContext })) };
}
