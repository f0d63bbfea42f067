import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics, OperationType } from '../metrics/metrics.js';
import type { GatewayContext } from '../context/request-context.js';
import type { Logger } from '@walletgraph/platform/core';
import { errorCodeOf } from './format-error.js';

/**
 * Counts, latency and one log line per operation, each carrying the request id. `logger`: the
 * gateway's, whose level says whether the line is written at all; the request's own child logger
 * (contextValue.logger) is only made, and the line only built, when it is.
 */
export function createObservabilityPlugin(deps: { readonly metrics: GatewayMetrics; readonly logger: Logger }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAtMs = performance.now();
      let operationType: OperationType = 'unknown';
      return {
        async didResolveOperation({ operation }) {
          operationType = operation?.operation ?? 'unknown';
        },
        async willSendResponse({ response, errors, operationName }) {
          const durationMs = performance.now() - startedAtMs;
          const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          deps.metrics.requestCount.inc({ operation_type: operationType, outcome: failed ? 'error' : 'ok' });
          deps.metrics.requestLatencySeconds.observe({ operation_type: operationType }, durationMs / 1000);
          if (!deps.logger.isLevelEnabled('info')) return;
          // The gateway's executor hands on whatever a subgraph fetch threw (a plain Error from a
          // broken socket has no `extensions`): read codes defensively, or the response becomes a 500.
          contextValue.logger.info(
            { operationType, operationName: operationName ?? undefined, durationMs: Math.round(durationMs), errorCodes: errors?.map(errorCodeOf) },
            'graphql operation',
          );
        },
      };
    },
  };
}
