// Peer (c): Hive Gateway's configuration file (`hive-gateway supergraph <file> -c <this file>`),
// defaults otherwise (the "jit" target adds the CLI's --jit, as Hive's own benchmarks run it). Its
// one addition is the caller's signed identity header the subgraphs demand (peers/identity.mjs:
// bearer verified and identity signed once per caller, reused 30 s, as ours), through Hive's
// supported hook for upstream headers (`propagateHeaders.fromClientToSubgraphs`). Hive merges
// identical in-flight subgraph requests (its key includes the headers), so with one admin caller it
// merges as freely as ours; with 1,000 client tokens only per caller, as ours.
// Env: INTERNAL_AUTH_SECRET, AUTH_*.
import { createCallerIdentities } from './identity.mjs';

const identities = createCallerIdentities();

export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: async ({ request }) => ({ [identities.name]: await identities.headerFor(request.headers.get('authorization')) }),
  },
};
