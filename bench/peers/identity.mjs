// The signed identity every peer sends to the subgraphs (`x-walletgraph-identity`), as our gateway
// does. Two forms, so that all targets do the same identity work per request:
// - createIdentityHeader(subject): one admin token per peer process (minted at start and every 30 s
//   of its 60 s life);
// - createCallerIdentities(): per caller, like our gateway: the bearer token is verified (HS256,
//   issuer, audience, expiry) once and cached until it expires, and the caller's own identity
//   (admin, or client with its client id) is signed and reused for 30 s. With 1,000 distinct client
//   tokens every peer therefore pays 1,000 verifications and signatures, as ours does.
// Env: INTERNAL_AUTH_SECRET, AUTH_JWT_SECRET, AUTH_ISSUER, AUTH_AUDIENCE (the run's, from bench/lib/auth.mjs).
import { createRequire } from 'node:module';

const { INTERNAL_IDENTITY_HEADER, createUserTokenVerifier, mintInternalIdentity } = createRequire(import.meta.url)('../../platform/dist/auth/index.js');

/** Well inside the 60 s lifetime, so a token in flight never expires on its way. */
const refreshMs = 30_000;
/** Bounds the per-caller cache (the bench's largest mix has 1,001 callers). */
const callersMax = 10_000;

function secret() {
  const value = process.env.INTERNAL_AUTH_SECRET;
  if (!value) throw new Error('INTERNAL_AUTH_SECRET is required (the subgraphs refuse calls without a signed identity)');
  return value;
}

/** Mints now, then refreshes in the background; `value()` is synchronous and always valid. */
export async function createIdentityHeader(subject) {
  const mint = () => mintInternalIdentity({ role: 'admin', subject }, { secret: secret() });
  let token = await mint();
  const timer = setInterval(() => {
    mint().then(
      (next) => (token = next),
      (error) => console.error(`identity refresh failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, refreshMs);
  timer.unref();
  return { name: INTERNAL_IDENTITY_HEADER, value: () => token };
}

/** `headerFor(authorization)` → the signed identity of that caller (rejects an invalid bearer token). */
export function createCallerIdentities() {
  const verify = createUserTokenVerifier({
    jwtSecret: process.env.AUTH_JWT_SECRET,
    issuer: process.env.AUTH_ISSUER,
    audience: process.env.AUTH_AUDIENCE,
    clockToleranceSec: 5,
  });
  const cache = new Map();
  async function fresh(authorization) {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new Error('missing bearer token');
    const identity = await verify(token);
    const value = await mintInternalIdentity(identity, { secret: secret() });
    if (cache.size >= callersMax) cache.delete(cache.keys().next().value);
    const entry = { value, mintedAtMs: Date.now() };
    cache.set(authorization, entry);
    return entry;
  }
  return {
    name: INTERNAL_IDENTITY_HEADER,
    async headerFor(authorization) {
      const cached = cache.get(authorization);
      if (cached !== undefined && Date.now() - cached.mintedAtMs < refreshMs) return cached.value;
      return (await fresh(authorization)).value;
    },
  };
}
