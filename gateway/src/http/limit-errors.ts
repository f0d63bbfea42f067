import { GraphQLError, type ASTNode } from 'graphql';

/** Codes of refusals made by the gateway itself, before any subgraph is called. */
export const LimitCode = {
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  FIELD_LIMIT_EXCEEDED: 'FIELD_LIMIT_EXCEEDED',
  BATCH_LIMIT_EXCEEDED: 'BATCH_LIMIT_EXCEEDED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
} as const;
export type LimitCode = (typeof LimitCode)[keyof typeof LimitCode];

/** A request refused by a gateway limit; `code` survives Apollo's validation-error wrapping (see formatError). */
export class LimitExceededError extends GraphQLError {
  readonly code: LimitCode;
  constructor(code: LimitCode, message: string, details: { readonly actual: number; readonly max: number }, nodes?: readonly ASTNode[]) {
    super(message, { nodes, extensions: { code, ...details } });
    this.name = 'LimitExceededError';
    this.code = code;
  }
}
