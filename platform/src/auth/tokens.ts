import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthenticatedError } from '../core/index.js';
import type { Identity, InternalIdentity } from './identity.js';

/** Tokens longer than this are refused before any cryptography runs. */
export const TOKEN_BYTES_MAX = 8_192;
/** Internal identities live at most this long: one request, or one upstream connection attempt. */
export const INTERNAL_TTL_SEC_MAX = 60;
export const INTERNAL_ISSUER = 'walletgraph-gateway';
export const INTERNAL_AUDIENCE = 'walletgraph-subgraph';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBJECT_LENGTH_MAX = 256;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;
/** Asymmetric algorithms only for JWKS: a public key must never verify an HMAC. */
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** How user tokens (the `Authorization: Bearer` header) are verified. */
export interface UserTokenConfig {
  /** HS256 shared secret (local use). Exactly one of jwtSecret / jwksUrl. */
  readonly jwtSecret: string | undefined;
  /** JWKS endpoint of the identity provider (production). */
  readonly jwksUrl: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSec: number;
}

export interface MintUserTokenOptions {
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  /** Seconds from now (negative: already expired, for tests), or a jose time span such as "1h", "30m". */
  readonly expiresIn: number | string;
}

const encoder = new TextEncoder();
const keyOf = (secret: string): Uint8Array => encoder.encode(secret);

/** The token in an `Authorization: Bearer <token>` value; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Claims → Identity; a token without a usable role, subject or client id is no identity. */
function identityOf(payload: JWTPayload): Identity {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > SUBJECT_LENGTH_MAX)
    throw new UnauthenticatedError('token has no valid "sub" claim');
  const role = payload['role'];
  if (role === 'admin') return { role, subject };
  if (role === 'client') {
    const clientId = payload['client_id'];
    if (typeof clientId !== 'string' || !UUID_PATTERN.test(clientId)) throw new UnauthenticatedError('a client token needs a "client_id" claim holding a UUID');
    return { role, subject, clientId: clientId.toLowerCase() };
  }
  throw new UnauthenticatedError('token "role" claim must be "admin" or "client"');
}

function claimsOf(identity: Identity): JWTPayload {
  return identity.role === 'client' ? { role: identity.role, client_id: identity.clientId } : { role: identity.role };
}

/** jose failures → one UnauthenticatedError whose message names the problem, never the token. */
function unauthenticated(error: unknown): UnauthenticatedError {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof joseErrors.JWTExpired) return new UnauthenticatedError('token has expired', { cause: error });
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new UnauthenticatedError('token signature is invalid', { cause: error });
  if (error instanceof joseErrors.JWTClaimValidationFailed) return new UnauthenticatedError(`token claim "${error.claim}" is invalid`, { cause: error });
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new UnauthenticatedError('token algorithm is not allowed', { cause: error });
  if (error instanceof joseErrors.JWKSNoMatchingKey) return new UnauthenticatedError('token key is unknown', { cause: error });
  return new UnauthenticatedError('token is invalid', { cause: error });
}

function checkSize(token: string): void {
  if (token.length === 0 || token.length > TOKEN_BYTES_MAX) throw new UnauthenticatedError('token is missing or too large');
}

export async function mintUserToken(identity: Identity, options: MintUserTokenOptions): Promise<string> {
  return new SignJWT(claimsOf(identity))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(identity.subject)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(typeof options.expiresIn === 'number' ? Math.floor(Date.now() / 1000) + options.expiresIn : options.expiresIn)
    .sign(keyOf(options.secret));
}

export type UserTokenVerifier = (token: string) => Promise<Identity>;

/**
 * Verifies user tokens: signature (HS256 with the secret, or the JWKS's asymmetric keys),
 * issuer, audience, expiry (required) with a small clock tolerance. Throws UnauthenticatedError.
 */
export function createUserTokenVerifier(config: UserTokenConfig): UserTokenVerifier {
  const remote: JWTVerifyGetKey | undefined =
    config.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  const secret = config.jwtSecret === undefined ? undefined : keyOf(config.jwtSecret);
  const options = { issuer: config.issuer, audience: config.audience, clockTolerance: config.clockToleranceSec, requiredClaims: ['exp', 'sub'] };
  return async (token) => {
    checkSize(token);
    try {
      if (remote !== undefined) return identityOf((await jwtVerify(token, remote, { ...options, algorithms: JWKS_ALGORITHMS })).payload);
      if (secret !== undefined) return identityOf((await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload);
    } catch (error: unknown) {
      throw unauthenticated(error);
    }
    throw new UnauthenticatedError('no way to verify user tokens is configured');
  };
}

/** One-shot form of createUserTokenVerifier (scripts, tests). */
export function verifyUserToken(token: string, config: UserTokenConfig): Promise<Identity> {
  return createUserTokenVerifier(config)(token);
}

/** The gateway's statement "this request acts as `identity`", for the subgraphs; HS256, ≤ 60 s. */
export async function mintInternalIdentity(
  identity: Identity,
  options: { readonly secret: string; readonly requestId?: string | undefined; readonly ttlSec?: number },
): Promise<string> {
  const ttlSec = Math.min(options.ttlSec ?? INTERNAL_TTL_SEC_MAX, INTERNAL_TTL_SEC_MAX);
  const requestId = options.requestId !== undefined && REQUEST_ID_PATTERN.test(options.requestId) ? { rid: options.requestId } : {};
  return new SignJWT({ ...claimsOf(identity), ...requestId })
    .setProtectedHeader({ alg: 'HS256', typ: 'walletgraph-identity+jwt' })
    .setSubject(identity.subject)
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSec}s`)
    .sign(keyOf(options.secret));
}

/** Verifies a gateway-signed identity; throws UnauthenticatedError. */
export async function verifyInternalIdentity(
  token: string,
  options: { readonly secret: string; readonly clockToleranceSec?: number },
): Promise<InternalIdentity> {
  checkSize(token);
  try {
    const { payload } = await jwtVerify(token, keyOf(options.secret), {
      algorithms: ['HS256'],
      issuer: INTERNAL_ISSUER,
      audience: INTERNAL_AUDIENCE,
      typ: 'walletgraph-identity+jwt',
      clockTolerance: options.clockToleranceSec ?? 5,
      maxTokenAge: `${INTERNAL_TTL_SEC_MAX + 5}s`,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    // maxTokenAge bounds how old the token is, not how long it was made to live: a token signed
    // for an hour would pass while recent. The documented life is the span iat..exp.
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > INTERNAL_TTL_SEC_MAX) {
      throw new UnauthenticatedError(`identity token must live at most ${INTERNAL_TTL_SEC_MAX} s (exp - iat)`);
    }
    const rid = payload['rid'];
    return { ...identityOf(payload), requestId: typeof rid === 'string' ? rid : undefined };
  } catch (error: unknown) {
    throw unauthenticated(error);
  }
}
