import { assert } from '@walletgraph/platform/core';
import { traceCarrierText } from '@walletgraph/platform/tracing';
import { write, type Statement } from '../store/statement.js';
import type { OutboxMessage } from './events.js';

/** Bounds the statement's size; a use case writes one or two events. */
const OUTBOX_MESSAGE_COUNT_MAX = 100;

/**
 * Appends events inside the caller's transaction; one multi-row INSERT keeps their ids in order.
 * Each row keeps the trace context active here (the request that wrote it; NULL with tracing off).
 */
export function appendOutbox(messages: readonly OutboxMessage[]): Statement<void> {
  assert(messages.length > 0 && messages.length <= OUTBOX_MESSAGE_COUNT_MAX, `appendOutbox takes 1..${OUTBOX_MESSAGE_COUNT_MAX} messages`);
  const rows = messages.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
  const activeTraceContext = traceCarrierText();
  return write(
    `INSERT INTO outbox_events (event_id, topic, message_key, payload, headers, created_at, trace_context) VALUES ${rows}`,
    messages.flatMap((m) => [
      m.eventId,
      m.topic,
      m.messageKey,
      m.payload,
      m.headers,
      m.createdAt,
      m.traceContext === undefined ? activeTraceContext : m.traceContext,
    ]),
    messages.length,
    'outbox insert',
  );
}
