import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { UnauthenticatedError } from '@walletgraph/platform/core';
import { bearerToken, createUserTokenVerifier, type Identity, type UserTokenConfig, type UserTokenVerifier } from '@walletgraph/platform/auth';
import { createBoundedCache } from '../cache/bounded-cache.js';

/** graphql-ws close code for a connection_init without valid credentials (graphql-ws's own "Unauthorized"). */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

/**
 * graphql-ws close code when a connection's token expires: "Forbidden" is one graphql-ws clients
 * retry, so a client whose token source refreshes reconnects with a fresh token and resubscribes;
 * one that sends the same token again is refused with 4401, which clients do not retry.
 */
export const WS_CLOSE_TOKEN_EXPIRED = 4403;

/** A verified caller and when its token stops being valid (`undefined`: a token without `exp`). */
export interface Credentials {
  readonly identity: Identity;
  readonly expiresAtMs: number | undefined;
}

export interface Authenticator {
  /** `Authorization: Bearer <jwt>`; throws UnauthenticatedError. */
  fromHeaders(headers: IncomingHttpHeaders): Promise<Credentials>;
  /**
   * graphql-ws connection_init payload: `{ authorization: 'Bearer …' }`, `{ token }` or
   * `{ headers: { authorization } }` (any case); else the upgrade request's header.
   */
  fromConnectionParams(params: Readonly<Record<string, unknown>> | undefined, upgradeHeaders: IncomingHttpHeaders): Promise<Credentials>;
}

function stringField(source: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  if (source === undefined) return undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface VerifiedTokenCacheConfig {
  /** Bytes of verified tokens kept (LRU); 0 verifies every token every time. */
  readonly bytesMax: number;
  /**
   * Longest time a verified token is trusted without checking it again, whatever its expiry, so a
   * JWKS key withdrawn by the identity provider stops working within this time.
   */
  readonly lifetimeMsMax: number;
}

/** Heap cost of one entry besides its key (the token): the verified credentials and the map entry. */
const verifiedEntryOverheadBytes = 512;

/** `exp` of a token whose signature and claims were just verified (so its payload is trusted). */
function expiryMsOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifying a JWT costs a signature check per request; a client sends the same token many times.
 * A verified token is remembered until its own `exp` (no clock tolerance: an expired token always
 * goes back to the verifier, which refuses it) or `lifetimeMsMax`, whichever comes first.
 * Refusals are never cached.
 */
export function createCachingVerifier<T>(
  verify: (token: string) => Promise<T>,
  config: VerifiedTokenCacheConfig,
  nowMs: () => number = () => Date.now(),
): (token: string) => Promise<T> {
  if (config.bytesMax === 0) return verify;
  const cache = createBoundedCache<{ readonly verified: T; readonly validUntilMs: number }>({
    sizeBytesMax: config.bytesMax,
    sizeBytesOf: (token) => token.length * 2 + verifiedEntryOverheadBytes,
  });
  return async (token) => {
    const cached = cache.getSync(token);
    if (cached !== undefined) {
      if (nowMs() < cached.validUntilMs) return cached.verified;
      void cache.delete(token);
    }
    const verified = await verify(token);
    const expiryMs = expiryMsOf(token);
    if (expiryMs !== undefined) cache.setSync(token, { verified, validUntilMs: Math.min(expiryMs, nowMs() + config.lifetimeMsMax) });
    return verified;
  };
}

/** The signature check and the token's expiry, together: cached as one, so a cache hit decodes nothing. */
function credentialsVerifier(verifyIdentity: UserTokenVerifier): (token: string) => Promise<Credentials> {
  return async (token) => ({ identity: await verifyIdentity(token), expiresAtMs: expiryMsOf(token) });
}

export function createAuthenticator(config: UserTokenConfig, cacheConfig: VerifiedTokenCacheConfig): Authenticator {
  const verify = createCachingVerifier(credentialsVerifier(createUserTokenVerifier(config)), cacheConfig);
  const fromAuthorization = async (authorization: string | undefined): Promise<Credentials> => {
    if (authorization === undefined || authorization.trim() === '')
      throw new UnauthenticatedError('authentication required: send Authorization: Bearer <token>');
    const token = bearerToken(authorization);
    if (token === undefined) throw new UnauthenticatedError('the Authorization header must use the Bearer scheme');
    return verify(token);
  };
  return {
    fromHeaders: (headers) => fromAuthorization(headerOf(headers, 'authorization')),
    fromConnectionParams: async (params, upgradeHeaders) => {
      const nested = params?.['headers'];
      const nestedHeaders = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : undefined;
      const token = stringField(params, 'token');
      if (token !== undefined) return verify(token);
      const authorization = stringField(params, 'authorization') ?? stringField(nestedHeaders, 'authorization') ?? headerOf(upgradeHeaders, 'authorization');
      return fromAuthorization(authorization);
    },
  };
}

/** Apollo's convention: code UNAUTHENTICATED, HTTP 401 with a Bearer challenge. */
export function unauthenticatedError(error: UnauthenticatedError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer realm="walletgraph"']]) } },
  });
}
