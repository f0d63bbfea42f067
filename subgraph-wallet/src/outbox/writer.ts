import type { Tx } from '../store/unit-of-work.js';
import type { OutboxMessage } from './events.js';

/** Appends events inside the caller's transaction; one multi-row INSERT keeps their ids in order. */
export async function appendOutbox(tx: Tx, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await tx.outboxEvent.createMany({
    data: messages.map((m) => ({
      eventId: m.eventId,
      topic: m.topic,
      messageKey: m.messageKey,
      payload: m.payload,
      headers: m.headers,
      createdAt: m.createdAt,
    })),
  });
}
