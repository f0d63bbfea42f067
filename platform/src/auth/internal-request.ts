import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt } from 'jose';
import { UnauthenticatedError } from '../core/index.js';
import { INTERNAL_IDENTITY_HEADER, type InternalIdentity } from './identity.js';
import { verifyInternalIdentity } from './tokens.js';

/** graphql-ws close code for a connection without the gateway's signed identity. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

const missing = (): UnauthenticatedError => new UnauthenticatedError(`missing ${INTERNAL_IDENTITY_HEADER}: call the subgraph through the gateway`);

/** Verified identity tokens kept per process (the gateway reuses one per caller for 30 s). */
export const VERIFIED_IDENTITY_CACHE_ENTRIES_MAX = 10_000;
const verified = new Map<string, { readonly identity: InternalIdentity; readonly expiresAtMs: number }>();

/**
 * verifyInternalIdentity, remembered until the token's `exp` (never longer; no clock tolerance):
 * the same token string under the same secret verifies the same way until then. Bounded, oldest
 * entry dropped first; a failure, or a per-request token (with `rid`), is never cached.
 */
async function verifyRemembered(token: string, secret: string): Promise<InternalIdentity> {
  const key = `${secret.length}:${secret}\n${token}`;
  const hit = verified.get(key);
  if (hit !== undefined) {
    if (Date.now() < hit.expiresAtMs) return hit.identity;
    verified.delete(key);
  }
  const identity = await verifyInternalIdentity(token, { secret });
  // A token carrying a request id (`rid`) is one request's own: never seen again, not worth keeping.
  const { exp, rid } = decodeJwt(token);
  if (typeof exp === 'number' && rid === undefined) {
    if (verified.size >= VERIFIED_IDENTITY_CACHE_ENTRIES_MAX) verified.delete(verified.keys().next().value as string);
    verified.set(key, { identity, expiresAtMs: exp * 1000 });
  }
  return identity;
}

/**
 * The caller of a subgraph over HTTP: the gateway's signed identity in `x-walletgraph-identity`.
 * Anything else (no header, a user token, a forged or expired one) is UnauthenticatedError.
 * A token already verified is not verified again until it expires (one HMAC per caller per 30 s).
 */
export async function internalIdentityFromHeaders(headers: IncomingHttpHeaders, secret: string): Promise<InternalIdentity> {
  const header = headers[INTERNAL_IDENTITY_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined || token === '') throw missing();
  return verifyRemembered(token, secret);
}

/** graphql-ws: the same value in the connection_init payload, at the top level or under `headers`. */
export async function internalIdentityFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined, secret: string): Promise<InternalIdentity> {
  const nested = params?.['headers'];
  const headers = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {};
  const token = params?.[INTERNAL_IDENTITY_HEADER] ?? headers[INTERNAL_IDENTITY_HEADER];
  if (typeof token !== 'string' || token === '') throw missing();
  return verifyInternalIdentity(token, { secret });
}
