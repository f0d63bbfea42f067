/** Who is calling, after a token was verified. `admin` may do everything; `client` is bound to one client id. */
export type Identity = { readonly role: 'admin'; readonly subject: string } | { readonly role: 'client'; readonly subject: string; readonly clientId: string };

export type Role = Identity['role'];

/** The identity a subgraph receives from the gateway, plus the request it belongs to. */
export type InternalIdentity = Identity & { readonly requestId: string | undefined };

/** Header (HTTP) and connection_init field (graphql-ws) carrying the gateway-signed identity. */
export const INTERNAL_IDENTITY_HEADER = 'x-walletgraph-identity';

/** The identity a service uses for its own calls (readiness probes, ownership look-ups). */
export function serviceIdentity(service: string): Identity {
  return { role: 'admin', subject: `service:${service}` };
}

export function isAdmin(identity: Identity): boolean {
  return identity.role === 'admin';
}

/** The client id an identity is bound to; undefined for admins. */
export function clientIdOf(identity: Identity): string | undefined {
  return identity.role === 'client' ? identity.clientId : undefined;
}

/** A short description for logs (never a token). */
export function describeIdentity(identity: Identity): { role: Role; subject: string; clientId?: string } {
  return identity.role === 'client'
    ? { role: identity.role, subject: identity.subject, clientId: identity.clientId }
    : { role: identity.role, subject: identity.subject };
}
