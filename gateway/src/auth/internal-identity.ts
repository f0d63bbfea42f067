import { mintInternalIdentity, INTERNAL_TTL_SEC_MAX, type Identity } from '@walletgraph/platform/auth';
import { createBoundedCache } from '../cache/bounded-cache.js';

/** Signs the verified caller's identity for one subgraph request (≤ 60 s); the subgraphs trust only this. */
export type IdentityMinter = (identity: Identity, requestId: string | undefined) => Promise<string>;

export interface IdentityMinterConfig {
  readonly internalSecret: string;
  readonly ttlSec?: number;
  /**
   * How long one signed identity is reused for the same caller (0: a new one per fetch, carrying the
   * request id as `rid`). A reused token carries no `rid`: the request id travels in x-request-id.
   * Must leave the token most of its life, so it never expires on its way to a subgraph.
   */
  readonly reuseMs: number;
  /** Bytes of signed identities kept (LRU); the least recently used caller is dropped first. */
  readonly cacheBytesMax: number;
}

/** Rough heap cost of one cached identity besides its key: a ~350-character token and the entry. */
const entryOverheadBytes = 1_024;

function keyOf(identity: Identity): string {
  return identity.role === 'client' ? `client\n${identity.subject}\n${identity.clientId}` : `admin\n${identity.subject}`;
}

export function createIdentityMinter(config: IdentityMinterConfig): IdentityMinter {
  const ttlSec = Math.min(config.ttlSec ?? INTERNAL_TTL_SEC_MAX, INTERNAL_TTL_SEC_MAX);
  const mint = (identity: Identity, requestId: string | undefined) => mintInternalIdentity(identity, { secret: config.internalSecret, requestId, ttlSec });
  if (config.reuseMs === 0) return mint;
  if (config.reuseMs >= ttlSec * 1000) throw new Error(`identity reuse (${config.reuseMs} ms) must be shorter than the token lifetime (${ttlSec} s)`);
  // The pending signature is cached, so a burst of requests from one caller signs once.
  const cache = createBoundedCache<{ readonly token: Promise<string>; readonly mintedAtMs: number }>({
    sizeBytesMax: config.cacheBytesMax,
    sizeBytesOf: (key) => key.length * 2 + entryOverheadBytes,
  });
  return (identity) => {
    const key = keyOf(identity);
    const nowMs = Date.now();
    const cached = cache.getSync(key);
    if (cached !== undefined && nowMs - cached.mintedAtMs < config.reuseMs) return cached.token;
    const token = mint(identity, undefined);
    cache.setSync(key, { token, mintedAtMs: nowMs });
    token.catch(() => void cache.delete(key));
    return token;
  };
}
