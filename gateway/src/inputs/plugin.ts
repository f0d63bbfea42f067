import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context/request-context.js';
import { resolveVariableInputs } from './variables.js';

/**
 * Runs the gateway's variable rules (resolveVariableInputs) after the operation is known and
 * before the gateway coerces the variables and plans: for HTTP, and for the queries and
 * mutations WebSocket and SSE hand to Apollo Server.
 */
export function createInputPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation, schema }) {
          if (operation === undefined) return;
          const errors = resolveVariableInputs(schema, operation, request.variables);
          const first = errors[0];
          if (first === undefined) return;
          const message = errors.map((error) => error.message).join('; ');
          throw new GraphQLError(message, { extensions: { ...first.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
