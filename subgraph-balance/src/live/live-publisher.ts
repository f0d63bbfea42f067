import type { Producer } from 'kafkajs';
import type { BalanceState } from '../store/balance-repository.js';
import { kafkaSendError } from './kafka-errors.js';
import { encodeLiveBalance } from './live-message.js';

export interface LivePublisher {
  /** Publishes committed states, keyed by account id; retriable errors are UnavailableError. */
  publish(states: readonly BalanceState[]): Promise<void>;
}

export function createLivePublisher(deps: { readonly producer: Producer }, config: { readonly topic: string }): LivePublisher {
  return {
    async publish(states) {
      if (states.length === 0) return;
      try {
        await deps.producer.send({
          topic: config.topic,
          messages: states.map((state) => ({ key: state.accountId, value: encodeLiveBalance(state) })),
        });
      } catch (error: unknown) {
        throw kafkaSendError(error, 'live balances topic');
      }
    },
  };
}
