import type { Identity } from '@walletgraph/platform/auth';

/**
 * One caller: role, subject and, for clients, the client id. What is bound to a caller (an upstream
 * subscription connection, an SSE stream reservation) is never shared with another key.
 */
export function callerKeyOf(identity: Identity): string {
  return identity.role === 'client' ? `client:${identity.clientId}:${identity.subject}` : `admin:${identity.subject}`;
}
