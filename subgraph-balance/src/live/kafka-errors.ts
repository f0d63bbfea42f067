import { UnavailableError } from '@walletgraph/platform/core';
import { KafkaJSError } from 'kafkajs';

/** A failed send after kafkajs's own bounded retries means the broker is away: retry later. */
export function kafkaSendError(error: unknown, what: string): unknown {
  if (error instanceof KafkaJSError) return new UnavailableError(`cannot write to ${what}: ${error.message}`, { cause: error });
  return error;
}
