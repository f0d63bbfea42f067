import { EventHeader } from '@walletgraph/platform/kafka';
import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { kafkaSendError } from '../live/kafka-errors.js';

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface DeadLetterPublisher {
  /** Copies the message as it was, plus why and where from; retriable errors are UnavailableError. */
  send(source: DeadLetterSource, message: KafkaMessage, reason: string): Promise<void>;
}

const REASON_BYTES_MAX = 512;

export function createDeadLetterPublisher(deps: { readonly producer: Pick<Producer, 'send'> }, config: { readonly topic: string }): DeadLetterPublisher {
  return {
    async send(source, message, reason) {
      const headers: IHeaders = {
        ...(message.headers ?? {}),
        [EventHeader.deadLetterReason]: Buffer.from(reason).subarray(0, REASON_BYTES_MAX),
        [EventHeader.deadLetterSource]: `${source.topic}/${source.partition}/${source.offset}`,
      };
      try {
        await deps.producer.send({
          topic: config.topic,
          messages: [{ key: message.key, value: message.value, headers }],
        });
      } catch (error: unknown) {
        throw kafkaSendError(error, 'dead-letter topic');
      }
    },
  };
}
