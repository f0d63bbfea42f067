import { GraphQLError } from 'graphql';

/** Why a client's subscription stream ended early; each one reaches the client as a GraphQL error. */
export const SubscriptionErrorCode = {
  /** The owning subgraph could not be reached, or stayed away after every reconnect attempt. */
  UPSTREAM_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The client reads slower than events arrive and the per-subscription queue is full. */
  SLOW_CONSUMER: 'SUBSCRIPTION_SLOW_CONSUMER',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  /** graphql-sse single connection mode: the stream token is unknown, expired, or another caller's (HTTP 404). */
  SSE_STREAM_NOT_FOUND: 'SSE_STREAM_NOT_FOUND',
  /** A caller already holds GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX streams, open or reserved (HTTP 429). */
  SSE_RESERVATION_LIMIT_EXCEEDED: 'SSE_RESERVATION_LIMIT_EXCEEDED',
} as const;
export type SubscriptionErrorCode = (typeof SubscriptionErrorCode)[keyof typeof SubscriptionErrorCode];

export function subscriptionError(code: SubscriptionErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** graphql-ws rejects with a CloseEvent-like object, an ErrorEvent or an Error; describe each plainly. */
export function describeUpstreamFailure(failure: unknown): string {
  if (typeof failure === 'object' && failure !== null) {
    const { code, reason, message } = failure as { code?: unknown; reason?: unknown; message?: unknown };
    if (typeof code === 'number') return `connection closed (code ${code}${typeof reason === 'string' && reason !== '' ? `, ${reason}` : ''})`;
    if (typeof message === 'string' && message !== '') return message;
    const inner = (failure as { error?: unknown }).error;
    if (inner instanceof Error) return inner.message;
  }
  if (Array.isArray(failure)) return failure.map((e: unknown) => describeUpstreamFailure(e)).join('; ');
  return String(failure);
}
