import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface GroupConsumerConfig {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest a fetch waits for new messages (bounds the latency of a quiet topic). */
  readonly fetchWaitMsMax: number;
}

/**
 * A kafkajs group consumer with our settings: it never creates topics (they are declared at
 * start-up), and a crash is logged; `onFatalCrash` runs when kafkajs gives up restarting it.
 */
export function createGroupConsumer(kafka: Kafka, config: GroupConsumerConfig, logger: Logger, name: string, onFatalCrash: () => void): Consumer {
  const consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: config.fetchWaitMsMax,
  });
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: event.payload.error, restart: event.payload.restart }, `${name} crashed`);
    if (!event.payload.restart) onFatalCrash();
  });
  return consumer;
}
