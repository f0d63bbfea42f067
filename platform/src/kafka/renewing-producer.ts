import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';

/** What the balance service's publishers need of a producer, and its lifecycle. */
export interface RenewingProducer {
  connect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/**
 * A producer made anew after a failed send, as the outbox relay does. kafkajs' idempotent producer
 * keeps its producer id and sequence numbers across a partition leader change; after one, the new
 * leader can answer OUT_OF_ORDER_SEQUENCE_NUMBER to every later send of that producer, so retrying on
 * it never succeeds (the three-broker chaos suite saw 1,777 such retries of one live publish, the
 * projector stuck behind them). The next send after a failure gets a fresh producer (new id, new
 * sequence); the failed one is disconnected. Sends already in flight on the old one fail and retry.
 */
export function createRenewingProducer(make: () => Producer, logger: Logger): RenewingProducer {
  let current: Promise<Producer> | undefined;

  const connected = (): Promise<Producer> => {
    if (current !== undefined) return current;
    const producer = make();
    const connecting = producer.connect().then(
      () => producer,
      (error: unknown) => {
        if (current === connecting) current = undefined;
        throw error;
      },
    );
    current = connecting;
    return connecting;
  };

  return {
    connect: async () => {
      await connected();
    },
    async send(record) {
      const used = connected();
      const producer = await used;
      try {
        return await producer.send(record);
      } catch (error: unknown) {
        // Only the first failure of this producer renews it (concurrent sends share it).
        if (current === used) {
          current = undefined;
          logger.warn({ err: error, topic: record.topic }, 'producer send failed; the next send uses a new producer');
          void producer.disconnect().catch((disconnectError: unknown) => logger.debug({ err: disconnectError }, 'disconnecting the failed producer failed'));
        }
        throw error;
      }
    },
    async disconnect() {
      const last = current;
      current = undefined;
      const producer = await last?.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}
