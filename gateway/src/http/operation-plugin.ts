import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../context/request-context.js';

/**
 * No operation to run: an `operationName` the document does not define, or none for a document of
 * several. Apollo Server's own code and messages for it, on every transport.
 */
export function operationResolutionError(operationName: unknown): GraphQLError {
  const message =
    typeof operationName === 'string' && operationName !== ''
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
}

/**
 * Refuses, with HTTP 400, the operations Apollo Server hands to the gateway although the gateway
 * cannot run them (its executor would throw, an HTTP 500):
 * - no operation to run: an unknown `operationName`, or none for a document with several
 *   (Apollo Server's own code for it, OPERATION_RESOLUTION_FAILURE);
 * - a subscription over plain HTTP: subscriptions are streams (WebSocket or SSE).
 */
export function createOperationPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation === undefined) throw operationResolutionError(request.operationName);
          if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
            const message =
              'subscriptions are streams: use a WebSocket (graphql-transport-ws) or Server-Sent Events (graphql-sse, Accept: text/event-stream) on this endpoint';
            throw new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.BAD_REQUEST, http: { status: 400 } } });
          }
        },
      };
    },
  };
}
