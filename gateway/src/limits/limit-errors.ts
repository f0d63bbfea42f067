import { GraphQLError, type ASTNode } from 'graphql';

/** Codes of refusals made by the gateway itself, before any subgraph is called. */
export const LimitCode = {
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  FIELD_LIMIT_EXCEEDED: 'FIELD_LIMIT_EXCEEDED',
  BATCH_LIMIT_EXCEEDED: 'BATCH_LIMIT_EXCEEDED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  /** WebSocket connections: the process's (HTTP 503 at the upgrade) or one caller's (close 1013). */
  CONNECTION_LIMIT_EXCEEDED: 'CONNECTION_LIMIT_EXCEEDED',
  /** Demand control: the operation's estimated cost is over GATEWAY_COST_MAX. */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
} as const;
export type LimitCode = (typeof LimitCode)[keyof typeof LimitCode];

/** A request refused by a gateway limit; `code` survives Apollo's validation-error wrapping (see formatError). */
export class LimitExceededError extends GraphQLError {
  readonly code: LimitCode;
  /** `httpStatus`: the status when Apollo answers with this error alone (a plugin's refusal); validation errors are 400 anyway. */
  constructor(code: LimitCode, message: string, details: Readonly<Record<string, number>>, nodes?: readonly ASTNode[], httpStatus?: number) {
    super(message, { nodes: nodes ?? null, extensions: { code, ...details, ...(httpStatus === undefined ? {} : { http: { status: httpStatus } }) } });
    this.name = 'LimitExceededError';
    this.code = code;
  }
}
