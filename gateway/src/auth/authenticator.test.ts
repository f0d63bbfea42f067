import { UnauthenticatedError } from '@walletgraph/platform/core';
import { createUserTokenVerifier, mintUserToken, type Identity, type UserTokenVerifier } from '@walletgraph/platform/auth';
import { createAuthenticator, createCachingVerifier } from './authenticator';

const secret = 'test-user-jwt-secret-of-at-least-32-characters';
const tokenConfig = { jwtSecret: secret, jwksUrl: undefined, issuer: 'walletgraph-test', audience: 'walletgraph', clockToleranceSec: 5 };
const admin: Identity = { role: 'admin', subject: 'root' };
const mint = (expiresIn: number | string, overrides: { secret?: string } = {}) =>
  mintUserToken(admin, { secret: overrides.secret ?? secret, issuer: tokenConfig.issuer, audience: tokenConfig.audience, expiresIn });

/** The real verifier, counting how often it runs. */
function countingVerifier(): { verify: UserTokenVerifier; calls: () => number } {
  const real = createUserTokenVerifier(tokenConfig);
  let count = 0;
  return {
    verify: (token) => {
      count += 1;
      return real(token);
    },
    calls: () => count,
  };
}

describe('verified-token cache', () => {
  afterEach(() => jest.useRealTimers());

  it('verifies a token once, then answers from the cache', async () => {
    const { verify, calls } = countingVerifier();
    const cached = createCachingVerifier(verify, { bytesMax: 1_000_000, lifetimeMsMax: 300_000 });
    const token = await mint('1h');
    for (let i = 0; i < 5; i += 1) await expect(cached(token)).resolves.toEqual(admin);
    expect(calls()).toBe(1);
  });

  it('refuses a cached token once it has expired (the clock moves, the verifier runs again and says no)', async () => {
    // Only Date is faked: jose reads the time from it, the cache too.
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    const { verify, calls } = countingVerifier();
    const cached = createCachingVerifier(verify, { bytesMax: 1_000_000, lifetimeMsMax: 300_000 });
    const token = await mint(60);
    await expect(cached(token)).resolves.toEqual(admin);
    jest.setSystemTime(Date.now() + 58_000);
    await expect(cached(token)).resolves.toEqual(admin);
    expect(calls()).toBe(1);
    jest.setSystemTime(Date.now() + 10_000); // past exp and the verifier's 5 s clock tolerance
    await expect(cached(token)).rejects.toThrow('token has expired');
    await expect(cached(token)).rejects.toThrow(UnauthenticatedError);
    expect(calls()).toBe(3);
  });

  it('verifies again after lifetimeMsMax even when the token lives longer', async () => {
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    const { verify, calls } = countingVerifier();
    const cached = createCachingVerifier(verify, { bytesMax: 1_000_000, lifetimeMsMax: 10_000 });
    const token = await mint('1h');
    await cached(token);
    jest.setSystemTime(Date.now() + 10_001);
    await cached(token);
    expect(calls()).toBe(2);
  });

  it.each([
    ['an expired token', () => mint(-60)],
    ['a token signed with another secret', () => mint('1h', { secret: 'another-secret-of-at-least-32-characters!!' })],
    ['a malformed token', () => Promise.resolve('not.a.jwt')],
  ])('never caches a refusal: %s is refused every time', async (_name, makeToken) => {
    const { verify, calls } = countingVerifier();
    const cached = createCachingVerifier(verify, { bytesMax: 1_000_000, lifetimeMsMax: 300_000 });
    const token = await makeToken();
    await expect(cached(token)).rejects.toThrow(UnauthenticatedError);
    await expect(cached(token)).rejects.toThrow(UnauthenticatedError);
    expect(calls()).toBe(2);
  });

  it('stays within its byte budget (least recently used dropped first), and 0 turns it off', async () => {
    const { verify, calls } = countingVerifier();
    const [a, b] = [await mint('1h'), await mint('2h')];
    const oneEntry = createCachingVerifier(verify, { bytesMax: a.length * 2 + 600, lifetimeMsMax: 300_000 });
    await oneEntry(a);
    await oneEntry(b);
    await oneEntry(a);
    expect(calls()).toBe(3);
    const off = createCachingVerifier(verify, { bytesMax: 0, lifetimeMsMax: 300_000 });
    await off(a);
    await off(a);
    expect(calls()).toBe(5);
  });

  it('is what the authenticator uses for bearer headers', async () => {
    const authenticator = createAuthenticator(tokenConfig, { bytesMax: 1_000_000, lifetimeMsMax: 300_000 });
    const token = await mint('1h');
    const expected = { identity: admin, expiresAtMs: expect.any(Number) };
    await expect(authenticator.fromHeaders({ authorization: `Bearer ${token}` })).resolves.toEqual(expected);
    const again = await authenticator.fromHeaders({ authorization: `Bearer ${token}` });
    expect(again).toEqual(expected);
    // The token's own exp (1 h from now), to the second.
    expect(Math.abs((again.expiresAtMs ?? 0) - (Date.now() + 3_600_000))).toBeLessThan(5_000);
    await expect(authenticator.fromHeaders({ authorization: `Bearer ${await mint(-60)}` })).rejects.toThrow('token has expired');
  });
});
