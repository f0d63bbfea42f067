import { SignJWT, UnsecuredJWT } from 'jose';
import { UnauthenticatedError } from '../core/index.js';
import { bearerToken, createUserTokenVerifier, INTERNAL_TTL_SEC_MAX, mintInternalIdentity, mintUserToken, verifyInternalIdentity } from './tokens.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const config = { jwtSecret: secret, jwksUrl: undefined, issuer: 'walletgraph-dev', audience: 'walletgraph', clockToleranceSec: 5 };
const verify = createUserTokenVerifier(config);
const mint = (claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: number | string; key?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.iss ?? 'walletgraph-dev')
    .setAudience(options.aud ?? 'walletgraph')
    .setExpirationTime(options.exp ?? '5m')
    .sign(new TextEncoder().encode(options.key ?? secret));
const clientId = 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653';

describe('user tokens', () => {
  it('round-trips admin and client identities', async () => {
    await expect(
      verify(await mintUserToken({ role: 'admin', subject: 'a' }, { secret, issuer: 'walletgraph-dev', audience: 'walletgraph', expiresIn: '1h' })),
    ).resolves.toEqual({ role: 'admin', subject: 'a' });
    await expect(
      verify(await mintUserToken({ role: 'client', subject: 'c', clientId }, { secret, issuer: 'walletgraph-dev', audience: 'walletgraph', expiresIn: 60 })),
    ).resolves.toEqual({ role: 'client', subject: 'c', clientId });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => mint({ sub: 'a', role: 'admin' }, { exp: Math.floor(Date.now() / 1000) - 60 }), /expired/],
    ['wrong signature', () => mint({ sub: 'a', role: 'admin' }, { key: 'another-secret-another-secret-another' }), /signature/],
    ['wrong issuer', () => mint({ sub: 'a', role: 'admin' }, { iss: 'someone-else' }), /"iss"/],
    ['wrong audience', () => mint({ sub: 'a', role: 'admin' }, { aud: 'walletgraph-subgraph' }), /"aud"/],
    [
      'no expiry',
      () =>
        new SignJWT({ sub: 'a', role: 'admin', iss: 'walletgraph-dev', aud: 'walletgraph' })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(secret)),
      /"exp"/,
    ],
    [
      'alg none',
      async () => new UnsecuredJWT({ sub: 'a', role: 'admin' }).setIssuer('walletgraph-dev').setAudience('walletgraph').setExpirationTime('5m').encode(),
      /invalid|algorithm/,
    ],
    ['unknown role', () => mint({ sub: 'a', role: 'root' }), /role/],
    ['client without client_id', () => mint({ sub: 'a', role: 'client' }), /client_id/],
    ['no subject', () => mint({ role: 'admin' }), /sub/],
    ['an internal identity', () => mintInternalIdentity({ role: 'admin', subject: 'a' }, { secret }), /"aud"|"iss"/],
  ])('refuses %s with UnauthenticatedError', async (_name, token, message) => {
    const promise = verify(await token());
    await expect(promise).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verify(await token())).rejects.toThrow(message);
  });

  it('refuses oversized tokens before any cryptography', async () => {
    await expect(verify('x'.repeat(10_000))).rejects.toThrow(/too large/);
  });

  it('reads only Bearer authorization values', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('internal identities', () => {
  it('round-trips with the request id and lives at most 60 s', async () => {
    const token = await mintInternalIdentity({ role: 'client', subject: 'c', clientId }, { secret, requestId: 'req-1', ttlSec: 3_600 });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(INTERNAL_TTL_SEC_MAX);
    await expect(verifyInternalIdentity(token, { secret })).resolves.toEqual({ role: 'client', subject: 'c', clientId, requestId: 'req-1' });
  });

  it('refuses a user token, a forged one and garbage', async () => {
    const user = await mintUserToken({ role: 'admin', subject: 'a' }, { secret, issuer: 'walletgraph-dev', audience: 'walletgraph', expiresIn: '1h' });
    await expect(verifyInternalIdentity(user, { secret })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(verifyInternalIdentity(await mintInternalIdentity({ role: 'admin', subject: 'a' }, { secret: `${secret}x` }), { secret })).rejects.toThrow(
      /signature/,
    );
    await expect(verifyInternalIdentity('a.b.c', { secret })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  describe('a life longer than 60 s (iat..exp) is refused, however recent the token', () => {
    const internal = (claims: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', typ: 'walletgraph-identity+jwt' })
        .setSubject('mallory')
        .setIssuer('walletgraph-gateway')
        .setAudience('walletgraph-subgraph');
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(new TextEncoder().encode(secret));
    };
    const nowSec = () => Math.floor(Date.now() / 1000);

    it.each<[string, () => { iat?: number; exp?: number }, RegExp | undefined]>([
      ['an hour', () => ({ iat: nowSec(), exp: nowSec() + 3_600 }), /at most 60 s/],
      ['61 s', () => ({ iat: nowSec(), exp: nowSec() + 61 }), /at most 60 s/],
      ['no iat', () => ({ exp: nowSec() + 30 }), /iat/],
      ['no exp', () => ({ iat: nowSec() }), /exp/],
      ['exactly 60 s', () => ({ iat: nowSec(), exp: nowSec() + 60 }), undefined],
    ])('%s', async (_name, claims, refusal) => {
      const verified = verifyInternalIdentity(await internal(claims()), { secret });
      if (refusal === undefined) await expect(verified).resolves.toMatchObject({ role: 'admin', subject: 'mallory' });
      else await expect(verified).rejects.toThrow(refusal);
    });
  });
});

describe('internalIdentityFromHeaders remembers a verified token until it expires', () => {
  const secret = 's'.repeat(32);
  // A remembered answer is the very object of the first verification; a new verification makes a new one.
  it('answers a known token from memory, but never for another secret, for a per-request token, or after exp', async () => {
    const { internalIdentityFromHeaders } = await import('./internal-request.js');
    const { INTERNAL_IDENTITY_HEADER } = await import('./identity.js');
    try {
      const token = await mintInternalIdentity({ role: 'client', subject: 'c', clientId }, { secret, ttlSec: 2 });
      const headers = { [INTERNAL_IDENTITY_HEADER]: token };
      const first = await internalIdentityFromHeaders(headers, secret);
      expect(first).toMatchObject({ role: 'client', clientId });
      expect(await internalIdentityFromHeaders(headers, secret)).toBe(first);
      await expect(internalIdentityFromHeaders(headers, `${secret}x`)).rejects.toThrow(/signature/);
      const perRequest = { [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity({ role: 'admin', subject: 'a' }, { secret, requestId: 'req-1' }) };
      expect(await internalIdentityFromHeaders(perRequest, secret)).not.toBe(await internalIdentityFromHeaders(perRequest, secret));
      // Past exp (2 s; the cache has no clock tolerance) the token is verified again (jose still
      // accepts it within its 5 s tolerance), so the answer is a new object.
      jest.useFakeTimers({ now: Date.now() + 3_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const again = await internalIdentityFromHeaders(headers, secret);
      expect(again).toEqual(first);
      expect(again).not.toBe(first);
    } finally {
      jest.useRealTimers();
    }
  });
});
