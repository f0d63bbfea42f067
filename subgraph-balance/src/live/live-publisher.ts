import type { Producer } from 'kafkajs';
import { withTraceHeaders, type TraceCarrier } from '@walletgraph/platform/tracing';
import type { BalanceState } from '../store/balance-repository.js';
import { kafkaSendError } from './kafka-errors.js';
import { encodeLiveBalance } from './live-message.js';

export interface LivePublisher {
  /**
   * Publishes committed states, keyed by account id; retriable errors are UnavailableError.
   * `traces[i]`, when given, goes with `states[i]` in its `traceparent`/`tracestate` headers.
   */
  publish(states: readonly BalanceState[], traces?: readonly (TraceCarrier | undefined)[]): Promise<void>;
}

export function createLivePublisher(deps: { readonly producer: Pick<Producer, 'send'> }, config: { readonly topic: string }): LivePublisher {
  return {
    async publish(states, traces = []) {
      if (states.length === 0) return;
      try {
        await deps.producer.send({
          topic: config.topic,
          messages: states.map((state, index) => ({ key: state.accountId, value: encodeLiveBalance(state), headers: withTraceHeaders({}, traces[index]) })),
        });
      } catch (error: unknown) {
        throw kafkaSendError(error, 'live balances topic');
      }
    },
  };
}
