import { mintInternalIdentity, type Identity } from '@walletgraph/platform';

/** Signs the verified caller's identity for one subgraph request (≤ 60 s); the subgraphs trust only this. */
export type IdentityMinter = (identity: Identity, requestId: string | undefined) => Promise<string>;

export function createIdentityMinter(config: { readonly internalSecret: string; readonly ttlSec?: number }): IdentityMinter {
  return (identity, requestId) => mintInternalIdentity(identity, { secret: config.internalSecret, requestId, ...(config.ttlSec === undefined ? {} : { ttlSec: config.ttlSec }) });
}
